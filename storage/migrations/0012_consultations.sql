-- Consultation down (委员 → 基层, 开门协商): a members' group asks its linked villages about one of
-- its topics; each village gets a card with the stance buttons, and its members' answers come
-- back (one per person, a later answer replacing the earlier), shown per village and stance.
-- IF NOT EXISTS: for a while these tables were written into 0010 after it had landed, so a
-- database built then already has them (a landed migration is never edited again:
-- tests/test_storage_migrations.py pins each file's digest).
CREATE TABLE IF NOT EXISTS consultations (
    id               INTEGER PRIMARY KEY,
    topic_id         INTEGER NOT NULL REFERENCES topics(id),
    members_chat_id  INTEGER NOT NULL,
    village_chat_id  INTEGER NOT NULL,
    link_id          INTEGER REFERENCES links(id),
    opened_by        INTEGER NOT NULL,
    opened_at        TEXT NOT NULL,
    card_message_id  INTEGER,
    closed_at        TEXT,
    closed_by        INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS consultations_open ON consultations(topic_id, village_chat_id)
    WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS consultations_village ON consultations(village_chat_id);

CREATE TABLE IF NOT EXISTS consultation_views (
    consultation_id  INTEGER NOT NULL REFERENCES consultations(id),
    user_id          INTEGER NOT NULL,
    stance           TEXT NOT NULL,
    text             TEXT NOT NULL,
    at               TEXT NOT NULL,
    changed          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (consultation_id, user_id)
) WITHOUT ROWID;
