-- What the text-reading models (internal/nlp) found in a report's text:
-- entities with their byte offsets in documents.text, and ATT&CK techniques
-- with the sentence that supports each. model names the model and its
-- version; a re-import replaces a document's rows when they differ.
CREATE TABLE document_entities (
	document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	start_offset INTEGER NOT NULL,
	end_offset   INTEGER NOT NULL,
	type         TEXT NOT NULL,
	text         TEXT NOT NULL,
	confidence   REAL NOT NULL DEFAULT 0,
	model        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (document_id, start_offset, type)
) WITHOUT ROWID;
-- "Reports that name this entity text", by type.
CREATE INDEX document_entities_type ON document_entities (type, text);

CREATE TABLE document_techniques (
	document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	technique    TEXT NOT NULL, -- ATT&CK ID
	score        REAL NOT NULL DEFAULT 0,
	method       TEXT NOT NULL CHECK (method IN ('id', 'name', 'classifier')),
	sentence     TEXT NOT NULL DEFAULT '',
	start_offset INTEGER NOT NULL DEFAULT 0,
	end_offset   INTEGER NOT NULL DEFAULT 0,
	model        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (document_id, technique)
) WITHOUT ROWID;
CREATE INDEX document_techniques_technique ON document_techniques (technique, document_id);
