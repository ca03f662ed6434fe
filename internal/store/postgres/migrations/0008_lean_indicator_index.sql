-- Leaner secondary structures for indicators. No query reads provenance
-- by source (reads go by indicator, the primary key); the index only made
-- every provenance row cost a second B-tree insert. Deleting a source
-- scans the table instead, which is rare. (SQLite's 0008 also drops the
-- docsize table of its indicator FTS index; PostgreSQL's generated
-- tsvector column has no counterpart.)
DROP INDEX indicator_sources_source;
