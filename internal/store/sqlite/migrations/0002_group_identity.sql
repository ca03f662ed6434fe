-- Group identity: every source's record of a group or software is kept
-- (object_records) and points at the one object it was merged into, with
-- the rule and evidence; record_xrefs hold the keys a record has and the
-- links it makes (the merge evidence); merges is the merge log;
-- merge_blocks keep an analyst's split from being undone.

ALTER TABLE objects ADD COLUMN sectors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE objects ADD COLUMN victim_countries TEXT NOT NULL DEFAULT '[]';
ALTER TABLE objects ADD COLUMN motivations TEXT NOT NULL DEFAULT '[]';

CREATE TABLE object_records (
	record_key  TEXT PRIMARY KEY,         -- the import key: STIX ID, misp-galaxy:<uuid>, object:<id>
	object_id   INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	source_id   INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	is_primary  INTEGER NOT NULL DEFAULT 0, -- the record whose name and text the object shows
	names       TEXT NOT NULL DEFAULT '[]', -- name then aliases, as the source gives them
	data        TEXT NOT NULL DEFAULT '{}', -- country, sectors, victim countries, motivations
	rule        TEXT NOT NULL,
	evidence    TEXT NOT NULL DEFAULT '',
	manual      INTEGER NOT NULL DEFAULT 0, -- placed by an analyst
	import_hash TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
);
CREATE INDEX object_records_object ON object_records (object_id);

CREATE TABLE record_xrefs (
	record_key TEXT NOT NULL REFERENCES object_records (record_key) ON DELETE CASCADE,
	xref       TEXT NOT NULL,  -- attack:G0007, uuid:<uuid>
	type       TEXT NOT NULL,  -- 'holds', or a link type (similar, synonym-of)
	PRIMARY KEY (record_key, xref, type)
);
CREATE INDEX record_xrefs_xref ON record_xrefs (xref);

-- merges outlives the objects it names, like audit.
CREATE TABLE merges (
	id         INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,
	object_id  INTEGER NOT NULL,
	other_id   INTEGER NOT NULL DEFAULT 0,
	record_key TEXT NOT NULL DEFAULT '',
	source_id  INTEGER NOT NULL DEFAULT 0,
	rule       TEXT NOT NULL,
	evidence   TEXT NOT NULL DEFAULT '',
	user_id    INTEGER NOT NULL DEFAULT 0,
	login      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX merges_object ON merges (object_id, id);

CREATE TABLE merge_blocks (
	record_key TEXT NOT NULL,
	object_id  INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	PRIMARY KEY (record_key, object_id)
);

-- Objects stored before this migration become their own primary record.
INSERT INTO object_records (record_key, object_id, source_id, is_primary, names, data, rule, import_hash, created_at)
SELECT COALESCE(stix_id, 'object:' || id), id, source_id, 1,
	'[' || json_quote(name) || CASE WHEN aliases = '[]' THEN '' ELSE ',' || substr(aliases, 2, length(aliases) - 2) END || ']',
	json_object('country', country), 'new', import_hash, updated_at
FROM objects;
INSERT INTO record_xrefs (record_key, xref, type)
SELECT stix_id, 'uuid:' || substr(stix_id, instr(stix_id, '--') + 2), 'holds' FROM objects WHERE stix_id LIKE '%--%';
INSERT INTO record_xrefs (record_key, xref, type)
SELECT COALESCE(stix_id, 'object:' || id), 'attack:' || upper(external_id), 'holds' FROM objects
WHERE kind IN ('group', 'software') AND upper(external_id) GLOB '[GS][0-9][0-9][0-9][0-9]';
