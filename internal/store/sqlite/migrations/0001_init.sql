-- spoor schema, SQLite flavour. Times are UTC unix milliseconds (0 = unknown),
-- booleans 0/1, lists JSON text: the store shares one query text with PostgreSQL.

CREATE TABLE sources (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL DEFAULT '',
	url         TEXT NOT NULL DEFAULT '',
	credibility REAL NOT NULL DEFAULT 0,
	tlp         TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
);

CREATE TABLE objects (
	id               INTEGER PRIMARY KEY,
	kind             TEXT NOT NULL CHECK (kind IN ('group', 'technique', 'software', 'campaign')),
	stix_id          TEXT UNIQUE,            -- NULL for objects typed in by hand
	external_id      TEXT NOT NULL DEFAULT '',
	external_id_norm TEXT NOT NULL DEFAULT '',
	name             TEXT NOT NULL,
	name_norm        TEXT NOT NULL,          -- intel.NormalizeName(name): lookup and list order
	aliases          TEXT NOT NULL DEFAULT '[]', -- JSON copy of the aliases rows, for reads and FTS
	description      TEXT NOT NULL DEFAULT '',
	url              TEXT NOT NULL DEFAULT '',
	refs             TEXT NOT NULL DEFAULT '[]',
	country          TEXT NOT NULL DEFAULT '',
	tactics          TEXT NOT NULL DEFAULT '[]',
	is_sub           INTEGER NOT NULL DEFAULT 0,
	platforms        TEXT NOT NULL DEFAULT '[]',
	software_type    TEXT NOT NULL DEFAULT '',
	first_seen       INTEGER NOT NULL DEFAULT 0,
	last_seen        INTEGER NOT NULL DEFAULT 0,
	revoked          INTEGER NOT NULL DEFAULT 0,
	deprecated       INTEGER NOT NULL DEFAULT 0,
	created          INTEGER NOT NULL DEFAULT 0,
	modified         INTEGER NOT NULL DEFAULT 0,
	source_id        INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	confidence       REAL NOT NULL DEFAULT 0,
	tlp              TEXT NOT NULL DEFAULT '',
	import_hash      TEXT NOT NULL DEFAULT '', -- digest of the last imported version; '' after a hand edit
	updated_at       INTEGER NOT NULL
);
CREATE INDEX objects_kind_name ON objects (kind, name_norm, id);
CREATE INDEX objects_name ON objects (name_norm, id);
CREATE INDEX objects_external_id ON objects (external_id_norm);

CREATE TABLE aliases (
	object_id  INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	alias      TEXT NOT NULL,
	alias_norm TEXT NOT NULL,
	source_id  INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	PRIMARY KEY (object_id, alias_norm)
);
CREATE INDEX aliases_norm ON aliases (alias_norm);

CREATE TABLE relationships (
	id          INTEGER PRIMARY KEY,
	stix_id     TEXT UNIQUE,
	type        TEXT NOT NULL,
	source_ref  INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	target_ref  INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	description TEXT NOT NULL DEFAULT '',
	refs        TEXT NOT NULL DEFAULT '[]',
	revoked     INTEGER NOT NULL DEFAULT 0,
	deprecated  INTEGER NOT NULL DEFAULT 0,
	created     INTEGER NOT NULL DEFAULT 0,
	modified    INTEGER NOT NULL DEFAULT 0,
	source_id   INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	confidence  REAL NOT NULL DEFAULT 0,
	import_hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX relationships_source ON relationships (source_ref);
CREATE INDEX relationships_target ON relationships (target_ref);

CREATE TABLE documents (
	id           INTEGER PRIMARY KEY,
	source_id    INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	title        TEXT NOT NULL,
	url          TEXT NOT NULL DEFAULT '',
	published    INTEGER NOT NULL DEFAULT 0,
	text         TEXT NOT NULL DEFAULT '',
	citation     TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL DEFAULT '',
	tlp          TEXT NOT NULL DEFAULT '',
	-- dedupe_key makes re-imported citations reuse their document:
	-- 'url:<url>' when there is a URL, else 'cite:<source name>'.
	dedupe_key   TEXT UNIQUE,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX documents_source ON documents (source_id, id);

CREATE TABLE object_citations (
	object_id   INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	PRIMARY KEY (object_id, document_id)
);
CREATE INDEX object_citations_document ON object_citations (document_id);

CREATE TABLE relationship_citations (
	relationship_id INTEGER NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
	document_id     INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	PRIMARY KEY (relationship_id, document_id)
);
CREATE INDEX relationship_citations_document ON relationship_citations (document_id);

CREATE TABLE indicators (
	id          INTEGER PRIMARY KEY,
	type        TEXT NOT NULL,
	value       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	tags        TEXT NOT NULL DEFAULT '[]',
	first_seen  INTEGER NOT NULL DEFAULT 0,
	last_seen   INTEGER NOT NULL DEFAULT 0,
	confidence  REAL NOT NULL DEFAULT 0,
	tlp         TEXT NOT NULL DEFAULT '',
	source_id   INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (type, value)
);

CREATE TABLE events (
	id               INTEGER PRIMARY KEY,
	title            TEXT NOT NULL,
	group_id         INTEGER REFERENCES objects (id) ON DELETE SET NULL,
	document_id      INTEGER REFERENCES documents (id) ON DELETE SET NULL,
	source_id        INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	first_seen       INTEGER NOT NULL DEFAULT 0,
	last_seen        INTEGER NOT NULL DEFAULT 0,
	times            TEXT NOT NULL DEFAULT '[]',
	techniques       TEXT NOT NULL DEFAULT '[]',
	software         TEXT NOT NULL DEFAULT '[]',
	indicator_ids    TEXT NOT NULL DEFAULT '[]',
	sectors          TEXT NOT NULL DEFAULT '[]',
	purpose          TEXT NOT NULL DEFAULT '',
	victim_countries TEXT NOT NULL DEFAULT '[]',
	confidence       REAL NOT NULL DEFAULT 0,
	tlp              TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL
);
CREATE INDEX events_group ON events (group_id);

CREATE TABLE sightings (
	id           INTEGER PRIMARY KEY,
	indicator_id INTEGER NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
	seen_at      INTEGER NOT NULL,
	count        INTEGER NOT NULL DEFAULT 1,
	source_id    INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sightings_indicator ON sightings (indicator_id, seen_at);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	login         TEXT NOT NULL,
	login_norm    TEXT NOT NULL UNIQUE, -- lower(login): logins are unique whatever their case
	role          TEXT NOT NULL,
	enabled       INTEGER NOT NULL DEFAULT 1,
	password_hash TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	last_login_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL DEFAULT '',
	prefix       TEXT NOT NULL DEFAULT '',
	hash         TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL DEFAULT 0,
	revoked_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- audit keeps login and user_id without a foreign key: the trail outlives users.
CREATE TABLE audit (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	user_id     INTEGER NOT NULL DEFAULT 0,
	login       TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	object_kind TEXT NOT NULL DEFAULT '',
	object_id   INTEGER NOT NULL DEFAULT 0,
	detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_user ON audit (user_id, id);

-- Full-text search: FTS5 external-content tables (the text lives once, in
-- the base tables), kept in sync by triggers in the writer's transaction.
CREATE VIRTUAL TABLE documents_fts USING fts5 (
	title, text, content = 'documents', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
	INSERT INTO documents_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
	INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, text ON documents BEGIN
	INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
	INSERT INTO documents_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;

CREATE VIRTUAL TABLE objects_fts USING fts5 (
	name, aliases, external_id, description, content = 'objects', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER objects_fts_insert AFTER INSERT ON objects BEGIN
	INSERT INTO objects_fts (rowid, name, aliases, external_id, description)
	VALUES (new.id, new.name, new.aliases, new.external_id, new.description);
END;
CREATE TRIGGER objects_fts_delete AFTER DELETE ON objects BEGIN
	INSERT INTO objects_fts (objects_fts, rowid, name, aliases, external_id, description)
	VALUES ('delete', old.id, old.name, old.aliases, old.external_id, old.description);
END;
CREATE TRIGGER objects_fts_update AFTER UPDATE OF name, aliases, external_id, description ON objects BEGIN
	INSERT INTO objects_fts (objects_fts, rowid, name, aliases, external_id, description)
	VALUES ('delete', old.id, old.name, old.aliases, old.external_id, old.description);
	INSERT INTO objects_fts (rowid, name, aliases, external_id, description)
	VALUES (new.id, new.name, new.aliases, new.external_id, new.description);
END;

CREATE VIRTUAL TABLE indicators_fts USING fts5 (
	value, description, tags, content = 'indicators', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER indicators_fts_insert AFTER INSERT ON indicators BEGIN
	INSERT INTO indicators_fts (rowid, value, description, tags) VALUES (new.id, new.value, new.description, new.tags);
END;
CREATE TRIGGER indicators_fts_delete AFTER DELETE ON indicators BEGIN
	INSERT INTO indicators_fts (indicators_fts, rowid, value, description, tags)
	VALUES ('delete', old.id, old.value, old.description, old.tags);
END;
CREATE TRIGGER indicators_fts_update AFTER UPDATE OF value, description, tags ON indicators BEGIN
	INSERT INTO indicators_fts (indicators_fts, rowid, value, description, tags)
	VALUES ('delete', old.id, old.value, old.description, old.tags);
	INSERT INTO indicators_fts (rowid, value, description, tags) VALUES (new.id, new.value, new.description, new.tags);
END;
