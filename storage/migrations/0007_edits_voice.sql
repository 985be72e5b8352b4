-- Edits and voice views (issue 11).
--
-- Each record a member's message created (a topic by /propose or by answering its question, a
-- view, a draft or an amendment, a ballot by /ballot), by that message: when the member edits
-- the message, Telegram sends it again with the same chat and message id, and the edit finds
-- the record here instead of creating a second one. kind: topic | view | draft | ballot;
-- ref_id: topics.id | views.id | drafts.id | votes.id (a ballot is the vote's and user_id's).
CREATE TABLE message_records (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    ref_id      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;

-- A view given as a voice note: its length in seconds, Telegram's file id (the bot can send
-- it again), and the link to the member's message (t.me/c/... in a supergroup; NULL in a basic
-- group, whose messages have no links). A text view has NULL here; a voice view's text is its
-- caption, or empty.
ALTER TABLE views ADD COLUMN voice_duration INTEGER;
ALTER TABLE views ADD COLUMN voice_file_id TEXT;
ALTER TABLE views ADD COLUMN voice_link TEXT;
