-- Trained models (attribution, reputation, NER) are versioned blobs in the
-- store, so that every replica loads the same one. Each row keeps what
-- made it: the model kind, the version of the encoding it reads, its
-- parameters, a summary of the training data and its evaluation.
CREATE TABLE models (
	id         BIGSERIAL PRIMARY KEY,
	kind       TEXT NOT NULL,
	version    INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	params     TEXT NOT NULL DEFAULT '{}',
	summary    TEXT NOT NULL DEFAULT '{}',
	evaluation TEXT NOT NULL DEFAULT '{}',
	data       TEXT NOT NULL
);
CREATE INDEX models_kind ON models (kind, id);
