-- Whether a view or a village's answer to a consultation may carry its writer's name to a
-- members' group is decided when it is written, by the village's setting share_names then
-- (review of issue 13: read at display time, turning the setting on later named people who
-- had written under the promise of "without your name"). Rows written before this migration
-- keep 0: they were written without that promise being recorded, so they stay unnamed.
ALTER TABLE views ADD COLUMN names_shared INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consultation_views ADD COLUMN names_shared INTEGER NOT NULL DEFAULT 0;
