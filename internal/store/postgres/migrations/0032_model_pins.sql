-- A pinned model is the one of its kind in use, whatever newer ones are
-- stored: an analyst keeps the model whose evaluation they trust while a
-- retrained one is looked at. At most one per kind.
ALTER TABLE models ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX models_pinned ON models (kind) WHERE pinned = 1;
