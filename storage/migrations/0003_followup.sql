-- Follow-up (跟踪反馈改进): action items, progress reports, rating rounds, subscriptions.

ALTER TABLE chats ADD COLUMN next_action_no INTEGER NOT NULL DEFAULT 1;
ALTER TABLE topics ADD COLUMN adopted_at TEXT;

CREATE TABLE actions (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    topic_id    INTEGER NOT NULL REFERENCES topics(id),
    number      INTEGER NOT NULL,
    text        TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    percent     INTEGER NOT NULL DEFAULT 0,
    reason      TEXT,
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    done_at     TEXT,
    UNIQUE (chat_id, number)
);
CREATE INDEX actions_topic ON actions(topic_id);

CREATE TABLE action_owners (
    action_id  INTEGER NOT NULL REFERENCES actions(id),
    user_id    INTEGER NOT NULL,
    PRIMARY KEY (action_id, user_id)
) WITHOUT ROWID;
CREATE INDEX action_owners_user ON action_owners(user_id);

CREATE TABLE progress (
    id         INTEGER PRIMARY KEY,
    action_id  INTEGER NOT NULL REFERENCES actions(id),
    at         TEXT NOT NULL,
    by         INTEGER NOT NULL,
    percent    INTEGER NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX progress_action ON progress(action_id);

CREATE TABLE rating_rounds (
    id               INTEGER PRIMARY KEY,
    topic_id         INTEGER NOT NULL REFERENCES topics(id),
    number           INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    opened_at        TEXT NOT NULL,
    closed_at        TEXT,
    card_message_id  INTEGER,
    UNIQUE (topic_id, number)
);

CREATE TABLE ratings (
    round_id  INTEGER NOT NULL REFERENCES rating_rounds(id),
    user_id   INTEGER NOT NULL,
    value     TEXT NOT NULL,
    comment   TEXT,
    at        TEXT NOT NULL,
    PRIMARY KEY (round_id, user_id)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    topic_id  INTEGER NOT NULL REFERENCES topics(id),
    user_id   INTEGER NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (topic_id, user_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_user ON subscriptions(user_id);

-- A private message that could not be delivered (never started the bot, or blocked it).
CREATE TABLE undeliverable (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    ref_id   INTEGER,
    at       TEXT NOT NULL,
    error    TEXT NOT NULL
);
