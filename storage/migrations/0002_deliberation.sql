-- The deliberation loop: topics, supporters, views, drafts, votes, ballots, and the record.

CREATE TABLE topics (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL REFERENCES chats(chat_id) ON UPDATE CASCADE,
    number           INTEGER NOT NULL,
    title            TEXT NOT NULL,
    details          TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    proposer_id      INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    phase_deadline   TEXT,
    merged_into      INTEGER,
    card_message_id  INTEGER,
    round            INTEGER NOT NULL DEFAULT 1,
    vote_duration_s  INTEGER,
    next_view_no     INTEGER NOT NULL DEFAULT 1,
    next_draft_no    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (chat_id, number)
);
CREATE INDEX topics_status ON topics(chat_id, status);

CREATE TABLE supporters (
    topic_id  INTEGER NOT NULL REFERENCES topics(id),
    user_id   INTEGER NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (topic_id, user_id)
) WITHOUT ROWID;

CREATE TABLE views (
    id          INTEGER PRIMARY KEY,
    topic_id    INTEGER NOT NULL REFERENCES topics(id),
    number      INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    anonymous   INTEGER NOT NULL DEFAULT 0,
    stance      TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT,
    retracted   INTEGER NOT NULL DEFAULT 0,
    round       INTEGER NOT NULL DEFAULT 1,
    moved_from  INTEGER,
    UNIQUE (topic_id, number)
);

CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY,
    topic_id    INTEGER NOT NULL REFERENCES topics(id),
    number      INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    parent_no   INTEGER,
    author_id   INTEGER NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    message_id  INTEGER,
    UNIQUE (topic_id, number)
);
CREATE INDEX drafts_message ON drafts(message_id);

CREATE TABLE votes (
    id               INTEGER PRIMARY KEY,
    topic_id         INTEGER NOT NULL REFERENCES topics(id),
    draft_no         INTEGER NOT NULL,
    round            INTEGER NOT NULL,
    opened_at        TEXT NOT NULL,
    closes_at        TEXT NOT NULL,
    closed_at        TEXT,
    eligible         INTEGER NOT NULL,
    quorum           INTEGER NOT NULL,
    threshold        TEXT NOT NULL,
    blocks_allowed   INTEGER NOT NULL,
    secret           INTEGER NOT NULL DEFAULT 0,
    card_message_id  INTEGER,
    result           TEXT
);
CREATE INDEX votes_topic ON votes(topic_id);

CREATE TABLE ballots (
    vote_id     INTEGER NOT NULL REFERENCES votes(id),
    user_id     INTEGER NOT NULL,
    choice      TEXT NOT NULL,
    reason      TEXT,
    cast_at     TEXT NOT NULL,
    changed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vote_id, user_id)
) WITHOUT ROWID;

CREATE TABLE history (
    id        INTEGER PRIMARY KEY,
    topic_id  INTEGER NOT NULL REFERENCES topics(id),
    at        TEXT NOT NULL,
    actor_id  INTEGER,
    event     TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX history_topic ON history(topic_id);

-- The group a person last opened from a deep link: private commands act on it.
ALTER TABLE users ADD COLUMN focus_chat_id INTEGER;
