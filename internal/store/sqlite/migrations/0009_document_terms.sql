-- The countries and sectors a document's text names: kind is 'country'
-- (key: ISO 3166 alpha-2) or 'sector' (key: a sector of the vocabulary).
CREATE TABLE document_terms (
	document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	kind         TEXT NOT NULL CHECK (kind IN ('country', 'sector')),
	key          TEXT NOT NULL,
	name         TEXT NOT NULL DEFAULT '',  -- as first written in the text
	count        INTEGER NOT NULL DEFAULT 1,
	first_offset INTEGER NOT NULL DEFAULT 0, -- byte offset in documents.text
	PRIMARY KEY (document_id, kind, key)
) WITHOUT ROWID;
-- "Reports that name Ukraine", "reports about the energy sector".
CREATE INDEX document_terms_key ON document_terms (kind, key, document_id);
