-- The threat reading of a forum thread that became an event (the event
-- itself is in events): the thread, its opening post and author, the kind
-- of activity, the poster's role and the tactic with their scores, and
-- the entities found, as JSON with byte offsets into the opener's title
-- and text as the classifier read them (HTML entities decoded), which is
-- what a page highlights. One row per event and per thread.
CREATE TABLE forum_events (
	event_id    INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
	forum_id    INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	thread_id   INTEGER NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
	author_id   INTEGER REFERENCES forum_authors (id) ON DELETE SET NULL,
	post_key    TEXT NOT NULL,
	kind        TEXT NOT NULL,
	kind_score  REAL NOT NULL DEFAULT 0,
	role        TEXT NOT NULL DEFAULT '',
	role_score  REAL NOT NULL DEFAULT 0,
	tactic      TEXT NOT NULL DEFAULT '',
	entities    TEXT NOT NULL DEFAULT '[]',
	UNIQUE (forum_id, thread_id)
);
CREATE INDEX forum_events_kind ON forum_events (forum_id, kind);
CREATE INDEX forum_events_author ON forum_events (author_id);
