-- Collection: what a source is read with, where from, how often, and a
-- record of every run.

ALTER TABLE sources ADD COLUMN credibility_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN credibility_manual INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN format TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN interval_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sources ADD COLUMN allow_private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sources ADD COLUMN next_run_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sources_due ON sources (next_run_at) WHERE enabled = 1 AND interval_ms > 0;

CREATE TABLE collection_runs (
	id          INTEGER PRIMARY KEY,
	source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0,
	status      TEXT NOT NULL,
	started_by  TEXT NOT NULL DEFAULT '',
	stats       TEXT NOT NULL DEFAULT '{}',
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX collection_runs_source ON collection_runs (source_id, id);
