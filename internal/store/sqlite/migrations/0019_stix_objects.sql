-- STIX objects kept whole: every object of a bundle that spoor does not
-- hold in its own model (identities, locations, vulnerabilities,
-- infrastructure, observed data, notes, opinions, groupings,
-- cyber-observables, marking and extension definitions, custom x-
-- objects, relationships to any of them) and the objects it models only
-- in part (indicators with their patterns, reports, sightings). raw is
-- the object's JSON as the source wrote it; exports write it again.
--
-- source_ref and target_ref are a relationship's ends (a sighting's
-- sighting_of_ref in source_ref), kept as STIX IDs and resolved when
-- read, like the other STIX links.
CREATE TABLE stix_objects (
	id           INTEGER PRIMARY KEY,
	stix_id      TEXT NOT NULL UNIQUE,
	type         TEXT NOT NULL,
	spec_version TEXT NOT NULL DEFAULT '',
	name         TEXT NOT NULL DEFAULT '',
	created      INTEGER NOT NULL DEFAULT 0,
	modified     INTEGER NOT NULL DEFAULT 0,
	source_ref   TEXT NOT NULL DEFAULT '',
	target_ref   TEXT NOT NULL DEFAULT '',
	pattern      TEXT NOT NULL DEFAULT '',
	pattern_type TEXT NOT NULL DEFAULT '',
	pattern_tree TEXT NOT NULL DEFAULT '',
	flags        TEXT NOT NULL DEFAULT '[]',
	modelled     TEXT NOT NULL DEFAULT '',
	raw          TEXT NOT NULL,
	source_id    INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	import_hash  TEXT NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX stix_objects_type ON stix_objects (type, stix_id);
CREATE INDEX stix_objects_source_ref ON stix_objects (source_ref);
CREATE INDEX stix_objects_target_ref ON stix_objects (target_ref);

-- The values a kept object is found by (a pattern's literals, an
-- observable's value), lower-cased.
CREATE TABLE stix_object_values (
	value          TEXT NOT NULL,
	stix_object_id INTEGER NOT NULL REFERENCES stix_objects (id) ON DELETE CASCADE,
	PRIMARY KEY (value, stix_object_id)
);
CREATE INDEX stix_object_values_object ON stix_object_values (stix_object_id);
