-- Group fingerprints are stored, not recomputed on each page view: a
-- rebuild (after a collection that changed something, or by hand with
-- `spoor analyze fingerprints`) replaces every row in one transaction and
-- records itself in fingerprint_builds, whose newest ID tells a replica's
-- pages whether what they hold in memory is current.
CREATE TABLE fingerprint_builds (
	id       BIGSERIAL PRIMARY KEY,
	built_at BIGINT NOT NULL,
	group_count INTEGER NOT NULL,
	took_ms  BIGINT NOT NULL
);
CREATE TABLE group_fingerprints (
	group_id BIGINT PRIMARY KEY REFERENCES objects (id) ON DELETE CASCADE,
	build_id BIGINT NOT NULL REFERENCES fingerprint_builds (id),
	events   INTEGER NOT NULL,
	profile  BYTEA NOT NULL
);
