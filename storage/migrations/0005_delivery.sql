-- One exactly-once mechanism: an update is stored here (with the moment the bot received it)
-- before Telegram is told it arrived, and marked handled in the same transaction as the use
-- case it caused. A redelivered update is recognised here; handled rows are pruned after a
-- day (Telegram keeps an unconfirmed update for 24 hours and may reuse ids after a week).
-- processed_updates, the older record of the same fact, is folded into this one.
ALTER TABLE inbox ADD COLUMN handled_at TEXT;
CREATE INDEX inbox_waiting ON inbox(update_id) WHERE handled_at IS NULL;
CREATE INDEX inbox_handled ON inbox(handled_at) WHERE handled_at IS NOT NULL;
-- An update handled just before a crash may still have its inbox row: it is handled.
UPDATE inbox SET handled_at = (
    SELECT at FROM processed_updates p WHERE p.update_id = inbox.update_id
) WHERE update_id IN (SELECT update_id FROM processed_updates);
INSERT OR IGNORE INTO inbox(update_id, payload, received_at, handled_at)
    SELECT update_id, '{}', at, at FROM processed_updates;
DROP TABLE processed_updates;
