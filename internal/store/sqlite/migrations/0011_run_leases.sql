-- One running collection per source. A run records the process running
-- it (owner: "host:pid") and holds a lease its collector renews; a new run
-- of the source may start only when the running one's lease has expired
-- or its owner, on this host, is gone. Runs left running by a process that
-- died before this migration have no lease: the next start interrupts them.
ALTER TABLE collection_runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_runs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
UPDATE collection_runs SET status = 'failed', error = 'interrupted: the run ended without recording its end',
	finished_at = started_at WHERE status = 'running';
CREATE UNIQUE INDEX collection_runs_one_running ON collection_runs (source_id) WHERE status = 'running';
