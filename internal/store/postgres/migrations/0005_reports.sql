-- Reports: the objects a document mentions, the indicators its text gives,
-- and the HTTP validators of fetched URLs for conditional GET.

CREATE TABLE document_mentions (
	document_id  BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	object_id    BIGINT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	name         TEXT NOT NULL DEFAULT '',  -- as first written in the text
	count        BIGINT NOT NULL DEFAULT 1,
	first_offset BIGINT NOT NULL DEFAULT 0, -- byte offset in documents.text
	PRIMARY KEY (document_id, object_id)
);
-- "Reports that mention this group", newest first.
CREATE INDEX document_mentions_object ON document_mentions (object_id, document_id);

CREATE TABLE document_indicators (
	document_id  BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	indicator_id BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
	count        BIGINT NOT NULL DEFAULT 1,
	first_offset BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (document_id, indicator_id)
);
CREATE INDEX document_indicators_indicator ON document_indicators (indicator_id, document_id);

-- A report re-imported from another URL is found by its text.
CREATE INDEX documents_content_hash ON documents (content_hash) WHERE content_hash <> '';

CREATE TABLE fetch_state (
	url           TEXT PRIMARY KEY,
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	content_hash  TEXT NOT NULL DEFAULT '',
	fetched_at    BIGINT NOT NULL DEFAULT 0
);
