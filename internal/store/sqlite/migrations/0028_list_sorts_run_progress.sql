-- Lists sort by their visible columns with keyset paging (column, then
-- ID): an index led by the column reads one page instead of sorting the
-- whole table. Type and TLP have a handful of values and the object lists
-- a few thousand rows; they sort without one.
CREATE INDEX indicators_last_seen ON indicators (last_seen, id);
CREATE INDEX indicators_confidence ON indicators (confidence, id);
CREATE INDEX indicators_value ON indicators (value, id);
CREATE INDEX events_first_seen ON events (first_seen, id);
CREATE INDEX events_last_seen ON events (last_seen, id);
CREATE INDEX documents_published ON documents (published, id);

-- A running collection's progress, written about once a second by the
-- process that runs it so that every replica's Sources page shows it:
-- records done of total (total 0 when unknown) as of progress_at.
ALTER TABLE collection_runs ADD COLUMN progress_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collection_runs ADD COLUMN progress_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collection_runs ADD COLUMN progress_at INTEGER NOT NULL DEFAULT 0;
