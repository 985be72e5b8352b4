-- Forum groups (supergroups with topics, which the code calls threads so as not to confuse
-- them with 议题). A chat's forum flag is kept as Telegram last reported it. A topic lives in a
-- thread: the one it was proposed in, or the thread the bot opened for it on acceptance
-- (own_thread = 1: the bot closes it when the topic ends and reopens it with the topic).
-- NULL: General, or a group without threads.
ALTER TABLE chats ADD COLUMN is_forum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topics ADD COLUMN thread_id INTEGER;
ALTER TABLE topics ADD COLUMN own_thread INTEGER NOT NULL DEFAULT 0;
