-- Domain reputation: the whitelist analysts keep (applied before the
-- model; who added an entry and why; additions and removals are audited),
-- and the VirusTotal v3 domain reports imported with spoor import
-- vt-domain (the features reputation reads, and the report's attributes
-- as imported).
CREATE TABLE reputation_whitelist (
	id       BIGSERIAL PRIMARY KEY,
	domain   TEXT NOT NULL UNIQUE,
	reason   TEXT NOT NULL,
	added_by TEXT NOT NULL DEFAULT '',
	added_at BIGINT NOT NULL
);
CREATE TABLE domain_reports (
	domain      TEXT PRIMARY KEY,
	analysed_at BIGINT NOT NULL,
	imported_at BIGINT NOT NULL,
	features    TEXT NOT NULL,
	report      TEXT NOT NULL
);
