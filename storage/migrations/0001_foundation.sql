-- Chats the bot serves, the people it has seen, and the bookkeeping that makes it crash-safe.
-- Times are ISO 8601 text in UTC ("2026-03-02T02:00:00+00:00"), which sorts as it reads.

CREATE TABLE chats (
    chat_id        INTEGER PRIMARY KEY,
    type           TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    settings_json  TEXT NOT NULL DEFAULT '{}',
    next_topic_no  INTEGER NOT NULL DEFAULT 1,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
);

CREATE TABLE users (
    user_id        INTEGER PRIMARY KEY,
    first_name     TEXT NOT NULL DEFAULT '',
    username       TEXT,
    language_code  TEXT,
    is_bot         INTEGER NOT NULL DEFAULT 0,
    private_ok     INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL
);
CREATE INDEX users_username ON users(username COLLATE NOCASE);

CREATE TABLE convenors (
    chat_id   INTEGER NOT NULL REFERENCES chats(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    added_by  INTEGER,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- Telegram redelivers updates after a crash; an id here was handled and committed.
CREATE TABLE processed_updates (
    update_id  INTEGER PRIMARY KEY,
    at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
);

-- A question the bot asked one person (ForceReply or a private dialogue), awaiting their answer.
CREATE TABLE pending_inputs (
    chat_id            INTEGER NOT NULL,
    user_id            INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    payload_json       TEXT NOT NULL DEFAULT '{}',
    prompt_message_id  INTEGER,
    expires_at         TEXT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- The schedule: every deadline, reminder and prompt is a row; the JobQueue only wakes the bot.
CREATE TABLE scheduled (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    ref_id      INTEGER NOT NULL,
    due_at      TEXT NOT NULL,
    payload_json TEXT NOT NULL DEFAULT '{}',
    done_at     TEXT,
    late        INTEGER NOT NULL DEFAULT 0,
    outcome     TEXT
);
CREATE INDEX scheduled_pending ON scheduled(due_at) WHERE done_at IS NULL;
CREATE INDEX scheduled_ref ON scheduled(kind, ref_id);
CREATE INDEX scheduled_chat ON scheduled(chat_id);
