-- Links from what the text-reading models found to stored objects: an
-- entity's group or software (through its names and aliases), a mapped
-- technique's technique object (through its ATT&CK ID); NULL when none.
ALTER TABLE document_entities ADD COLUMN object_id INTEGER REFERENCES objects (id) ON DELETE SET NULL;
ALTER TABLE document_techniques ADD COLUMN object_id INTEGER REFERENCES objects (id) ON DELETE SET NULL;

-- An analyst's decision on a link or mapping of a report: kind 'entity'
-- (item_key: the entity type, a tab, its normalised text) or 'technique'
-- (item_key: the ATT&CK ID). Keyed by document and item rather than by
-- entity row, so a re-import that replaces the rows keeps the decision.
-- object_id is the object the decision was made about.
CREATE TABLE document_reviews (
	document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	kind        TEXT NOT NULL CHECK (kind IN ('entity', 'technique')),
	item_key    TEXT NOT NULL,
	decision    TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
	object_id   INTEGER REFERENCES objects (id) ON DELETE SET NULL,
	decided_by  TEXT NOT NULL DEFAULT '',
	decided_at  INTEGER NOT NULL,
	PRIMARY KEY (document_id, kind, item_key)
) WITHOUT ROWID;
