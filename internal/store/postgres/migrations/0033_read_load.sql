-- The indicator list filtered by type, newest first (the default order),
-- walks this index instead of sorting every indicator of the type; its
-- count reads it too.
CREATE INDEX indicators_type_id ON indicators (type, id);

-- data_generation is bumped by every write transaction just before it
-- commits (store.inTx, bulk writes, copies). Readers that keep a figure
-- computed from the data (the dashboard's counts) compare one number
-- instead of counting again, and every replica sharing the database sees
-- the change. One row.
CREATE TABLE data_generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  BIGINT NOT NULL
);
INSERT INTO data_generation (id, n) VALUES (1, 0);
