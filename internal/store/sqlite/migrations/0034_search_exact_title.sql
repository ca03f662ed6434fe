-- A search lifts the documents whose title is the query, lower-cased,
-- above the rest, wherever they rank. This index finds them: the full-text
-- index could only list every document holding the query's first word in
-- its title (every title holding "com") and compare each.
CREATE INDEX documents_title_lower ON documents (lower(title));
