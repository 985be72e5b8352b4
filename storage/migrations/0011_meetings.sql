-- Issue 13, the second part: offline meetings, a show of hands and proxy ballots, escalation.
-- (The form of a topic is its history: the latest "form_set" row; storage/forms.py.)

-- A meeting called on a topic (/meeting N date time place): in the form the topic had then.
CREATE TABLE meetings (
    id               INTEGER PRIMARY KEY,
    topic_id         INTEGER NOT NULL REFERENCES topics(id),
    starts_at        TEXT NOT NULL,
    place            TEXT NOT NULL,
    form             TEXT NOT NULL,
    called_by        INTEGER NOT NULL,
    called_at        TEXT NOT NULL,
    card_message_id  INTEGER,
    -- After it: how many came (/attendance N count), who said so and when.
    attendance       INTEGER,
    attendance_by    INTEGER,
    attendance_at    TEXT
);
CREATE INDEX meetings_topic ON meetings(topic_id);
CREATE INDEX meetings_card ON meetings(card_message_id);

-- Who said they will come (yes) or cannot (no); the latest answer counts.
CREATE TABLE meeting_rsvps (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    user_id     INTEGER NOT NULL,
    answer      TEXT NOT NULL,
    at          TEXT NOT NULL,
    changed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, user_id)
) WITHOUT ROWID;

-- The minutes of a meeting, as the convenor replied to its card: text, and photos kept as
-- Telegram file ids (the bot can send them again).
CREATE TABLE meeting_notes (
    id             INTEGER PRIMARY KEY,
    meeting_id     INTEGER NOT NULL REFERENCES meetings(id),
    author_id      INTEGER NOT NULL,
    at             TEXT NOT NULL,
    text           TEXT NOT NULL DEFAULT '',
    photo_file_id  TEXT,
    message_id     INTEGER
);
CREATE INDEX meeting_notes_meeting ON meeting_notes(meeting_id);

-- A show of hands at a meeting (/tally N agree abstain disagree block), counted in the vote.
CREATE TABLE show_of_hands (
    vote_id      INTEGER PRIMARY KEY REFERENCES votes(id),
    meeting_id   INTEGER REFERENCES meetings(id),
    agree        INTEGER NOT NULL,
    abstain      INTEGER NOT NULL,
    disagree     INTEGER NOT NULL,
    block        INTEGER NOT NULL,
    recorded_by  INTEGER NOT NULL,
    at           TEXT NOT NULL
);

-- A ballot a convenor entered for a member without a phone (/proxy N name choice); one per
-- name per vote, the latest counts.
CREATE TABLE proxy_ballots (
    vote_id     INTEGER NOT NULL REFERENCES votes(id),
    name        TEXT NOT NULL,
    choice      TEXT NOT NULL,
    entered_by  INTEGER NOT NULL,
    at          TEXT NOT NULL,
    changed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vote_id, name)
) WITHOUT ROWID;

-- Where a matter went when deliberation could not settle it (venue: mediation 民事调解 |
-- court 共享法庭), and how it was settled (/resolve N text).
CREATE TABLE escalations (
    id           INTEGER PRIMARY KEY,
    topic_id     INTEGER NOT NULL REFERENCES topics(id),
    venue        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    escalated_by INTEGER NOT NULL,
    escalated_at TEXT NOT NULL,
    outcome      TEXT,
    resolved_by  INTEGER,
    resolved_at  TEXT
);
CREATE INDEX escalations_topic ON escalations(topic_id);
