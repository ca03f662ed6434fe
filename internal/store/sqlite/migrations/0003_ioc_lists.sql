-- IOC-list imports: per-source provenance of indicators, warninglist flags,
-- and events keyed within their source, linked to the indicators they hold.

ALTER TABLE indicators ADD COLUMN warninglist TEXT NOT NULL DEFAULT '';

-- One row per (indicator, source) that reported it: who said it, when it
-- was seen, and how much that source is believed (credibility × the row's
-- own confidence). indicators.confidence is the maximum over these rows.
CREATE TABLE indicator_sources (
	indicator_id INTEGER NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
	source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	first_seen   INTEGER NOT NULL DEFAULT 0,
	last_seen    INTEGER NOT NULL DEFAULT 0,
	confidence   REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (indicator_id, source_id)
) WITHOUT ROWID;
CREATE INDEX indicator_sources_source ON indicator_sources (source_id);

ALTER TABLE events ADD COLUMN group_label TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN event_key TEXT;  -- NULL for events made by hand
ALTER TABLE events ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX events_source_key ON events (source_id, event_key);
CREATE INDEX events_group_label ON events (group_label, id);

CREATE TABLE event_indicators (
	event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	indicator_id INTEGER NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
	PRIMARY KEY (event_id, indicator_id)
) WITHOUT ROWID;
CREATE INDEX event_indicators_indicator ON event_indicators (indicator_id);
