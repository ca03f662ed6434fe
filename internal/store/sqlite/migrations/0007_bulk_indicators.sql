-- Bulk indicator imports: the FTS insert trigger of indicators can be
-- paused for one transaction. ImportIndicators puts a row here (with the
-- largest indicator id before it started), inserts without the per-row
-- trigger, then fills indicators_fts for the new rows with one
-- INSERT … SELECT and deletes the row, all in the same transaction, so no
-- other connection ever sees the trigger paused or the index behind.
-- Updates keep their trigger (it needs the old values).
CREATE TABLE indicators_fts_pause (
	max_id INTEGER NOT NULL
);

DROP TRIGGER indicators_fts_insert;
CREATE TRIGGER indicators_fts_insert AFTER INSERT ON indicators
WHEN NOT EXISTS (SELECT 1 FROM indicators_fts_pause) BEGIN
	INSERT INTO indicators_fts (rowid, value, description, tags) VALUES (new.id, new.value, new.description, new.tags);
END;
