-- Bulk indicator imports. SQLite's 0007 lets an import pause the FTS
-- insert trigger of indicators; PostgreSQL computes indicators.search as
-- a generated column and needs no change. The version exists so that both
-- engines list the same migrations.
SELECT 1;
