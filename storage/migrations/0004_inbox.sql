-- Updates received from Telegram and not yet handled. Telegram forgets an update once the
-- next getUpdates confirms it, which python-telegram-bot does before handling it: a crash in
-- between would lose it. Each update is written here first and replayed at start-up.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT NOT NULL,
    received_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
);
