-- Per-source marks of what a collection has read, so the next run reads
-- only what changed: for a MISP feed (kind 'misp-feed'), each event UUID
-- of the manifest with the manifest timestamp last imported.
CREATE TABLE source_marks (
	source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	kind      TEXT NOT NULL,
	key       TEXT NOT NULL,
	mark      INTEGER NOT NULL,
	PRIMARY KEY (source_id, kind, key)
);
