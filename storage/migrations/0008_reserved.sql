-- A permanent no-op. This number was held for a change that landed under a later number
-- instead; databases were built past it, so a migration put here would never run on them.
-- New migrations take the next free number after the highest one.
SELECT 1;
