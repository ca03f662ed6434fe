-- Leaner secondary structures for indicators, which bulk imports write by
-- the hundred thousand.
--
-- indicators_fts without its docsize table (columnsize=0): the table held
-- one row per indicator with its column sizes, and writing it was about
-- half of the cost of indexing an imported list. bm25() still works: FTS5
-- then counts the tokens of the matched rows from the content table.
-- Triggers on indicators name the FTS table and keep working once it is
-- recreated under the same name.
DROP TABLE indicators_fts;
CREATE VIRTUAL TABLE indicators_fts USING fts5 (
	value, description, tags, content = 'indicators', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2', columnsize = 0);
INSERT INTO indicators_fts (indicators_fts) VALUES ('rebuild');

-- No query reads provenance by source (reads go by indicator, the primary
-- key); the index only made every provenance row cost a second B-tree
-- insert. Deleting a source scans the table instead, which is rare.
DROP INDEX indicator_sources_source;
