-- 两商衔接 (issue 13): members' groups (委员之家) linked with village groups, contact members,
-- and referrals up. A link has two ends: the group whose convenor issued the code (the members'
-- group of that link) and the group whose convenor entered it (the village group). A group is a
-- members' group only by the links it issued; nothing else marks it. Ended links, removed
-- contacts and finished referrals stay as records.

-- A one-time code a members' group's convenor asked for with /link: only its SHA-256 is kept.
CREATE TABLE link_codes (
    id               INTEGER PRIMARY KEY,
    code_hash        TEXT NOT NULL UNIQUE,
    members_chat_id  INTEGER NOT NULL,
    created_by       INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT,
    used_by_chat_id  INTEGER
);

CREATE TABLE links (
    id               INTEGER PRIMARY KEY,
    members_chat_id  INTEGER NOT NULL,
    village_chat_id  INTEGER NOT NULL,
    code_id          INTEGER REFERENCES link_codes(id),
    linked_by        INTEGER NOT NULL,
    linked_at        TEXT NOT NULL,
    ended_at         TEXT,
    ended_by         INTEGER,
    ended_from_chat  INTEGER
);
CREATE UNIQUE INDEX links_live ON links(members_chat_id, village_chat_id) WHERE ended_at IS NULL;
CREATE INDEX links_village ON links(village_chat_id);

-- A village's contact member (每个委员都是一个平台): a member of a linked members' group.
CREATE TABLE contacts (
    id               INTEGER PRIMARY KEY,
    village_chat_id  INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    members_chat_id  INTEGER NOT NULL,
    added_by         INTEGER NOT NULL,
    added_at         TEXT NOT NULL,
    removed_at       TEXT,
    removed_by       INTEGER
);
CREATE UNIQUE INDEX contacts_live ON contacts(village_chat_id, user_id) WHERE removed_at IS NULL;
CREATE INDEX contacts_user ON contacts(user_id);

-- A village topic referred up to a members' group. status: choosing (several members' groups:
-- the convenor picks one with a button), sent (the card waits for the members' convenors),
-- taken (a topic of the members' group, member_topic_id), returned (sent back, with a reason).
-- `reported` is what the village has been told of the members' topic so far (JSON), so that
-- each report says only what changed, and says it once.
CREATE TABLE referrals (
    id                INTEGER PRIMARY KEY,
    village_chat_id   INTEGER NOT NULL,
    village_topic_id  INTEGER NOT NULL REFERENCES topics(id),
    members_chat_id   INTEGER,
    link_id           INTEGER REFERENCES links(id),
    note              TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    referred_by       INTEGER NOT NULL,
    referred_at       TEXT NOT NULL,
    card_message_id   INTEGER,
    member_topic_id   INTEGER REFERENCES topics(id),
    decided_by        INTEGER,
    decided_at        TEXT,
    reason            TEXT,
    reported_json     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX referrals_village_topic ON referrals(village_topic_id);
CREATE INDEX referrals_member_topic ON referrals(member_topic_id);
CREATE INDEX referrals_members_chat ON referrals(members_chat_id);

-- What happened to a referral, in order: referred, sent, taken, returned, reported.
CREATE TABLE referral_events (
    id           INTEGER PRIMARY KEY,
    referral_id  INTEGER NOT NULL REFERENCES referrals(id),
    at           TEXT NOT NULL,
    actor_id     INTEGER,
    event        TEXT NOT NULL,
    detail_json  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX referral_events_referral ON referral_events(referral_id);
