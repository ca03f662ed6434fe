-- STIX beyond the knowledge base: which indicators a STIX indicator
-- yielded, indicator → object links, what reports cover, victims,
-- sightings from STIX, and where incremental TAXII pulls stopped.
--
-- Links between STIX IDs are kept as STIX IDs and resolved when read,
-- so that an edge that arrives before one of its ends (another TAXII
-- page or pull) is not lost.

CREATE TABLE stix_indicators (
	stix_id      TEXT NOT NULL,
	indicator_id INTEGER NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
	source_id    INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	PRIMARY KEY (stix_id, indicator_id)
);
CREATE INDEX stix_indicators_indicator ON stix_indicators (indicator_id);

CREATE TABLE indicator_links (
	stix_id       TEXT PRIMARY KEY,      -- the relationship's ID
	type          TEXT NOT NULL,         -- 'indicates'
	indicator_ref TEXT NOT NULL,         -- STIX indicator ID (stix_indicators.stix_id)
	object_ref    TEXT NOT NULL,         -- STIX ID of an object (objects.stix_id)
	description   TEXT NOT NULL DEFAULT '',
	source_id     INTEGER REFERENCES sources (id) ON DELETE SET NULL
);
CREATE INDEX indicator_links_object ON indicator_links (object_ref);
CREATE INDEX indicator_links_indicator ON indicator_links (indicator_ref);

CREATE TABLE report_refs (
	document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	ref         TEXT NOT NULL,           -- STIX ID of an object or indicator
	source_id   INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	PRIMARY KEY (document_id, ref)
);
CREATE INDEX report_refs_ref ON report_refs (ref);

CREATE TABLE object_targets (
	object_ref TEXT NOT NULL,            -- STIX ID of the attacker (objects.stix_id)
	kind       TEXT NOT NULL,            -- sector, country, organization, region
	value      TEXT NOT NULL,
	stix_id    TEXT NOT NULL DEFAULT '', -- the targets relationship
	source_id  INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	PRIMARY KEY (object_ref, kind, value)
);

ALTER TABLE sightings ADD COLUMN stix_id TEXT;
ALTER TABLE sightings ADD COLUMN first_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sightings ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sightings ADD COLUMN where_sighted TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX sightings_stix ON sightings (stix_id, indicator_id) WHERE stix_id IS NOT NULL;

CREATE TABLE taxii_state (
	source        TEXT NOT NULL,         -- sources.name
	collection    TEXT NOT NULL,         -- the collection's ID
	added_after   INTEGER NOT NULL DEFAULT 0,
	last_pull     INTEGER NOT NULL DEFAULT 0,
	objects_total INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (source, collection)
);
