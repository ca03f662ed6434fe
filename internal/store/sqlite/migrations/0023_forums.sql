-- Hacker forums: a forum is an import target or a crawl configuration
-- (engine preset, start URLs, rate limit, proxy, a sealed session
-- cookie); its posts are kept exactly as collected, keyed by (forum, post
-- key), so a dump imported twice or a page crawled again adds nothing.
-- Authors are per forum: the same handle elsewhere is another author.
CREATE TABLE forums (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	engine      TEXT NOT NULL DEFAULT '',
	start_urls  TEXT NOT NULL DEFAULT '[]',
	rate_ms     INTEGER NOT NULL DEFAULT 0,
	proxy       TEXT NOT NULL DEFAULT '',
	cookie      TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
-- Every import or crawl save is a run: what it read and what it added.
CREATE TABLE forum_imports (
	id          INTEGER PRIMARY KEY,
	forum_id    INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	source      TEXT NOT NULL,
	format      TEXT NOT NULL,
	started_at  INTEGER NOT NULL,
	seen        INTEGER NOT NULL,
	added       INTEGER NOT NULL,
	skipped     INTEGER NOT NULL
);
CREATE TABLE forum_sections (
	id          INTEGER PRIMARY KEY,
	forum_id    INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	UNIQUE (forum_id, name)
);
CREATE TABLE forum_threads (
	id          INTEGER PRIMARY KEY,
	forum_id    INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	section_id  INTEGER NOT NULL REFERENCES forum_sections (id) ON DELETE CASCADE,
	thread_key  TEXT NOT NULL,
	title       TEXT NOT NULL,
	UNIQUE (forum_id, thread_key)
);
CREATE TABLE forum_authors (
	id          INTEGER PRIMARY KEY,
	forum_id    INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	handle      TEXT NOT NULL,
	title       TEXT NOT NULL DEFAULT '',
	UNIQUE (forum_id, handle)
);
CREATE INDEX forum_authors_handle ON forum_authors (handle);
CREATE TABLE forum_posts (
	id          INTEGER PRIMARY KEY,
	forum_id    INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	thread_id   INTEGER NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
	author_id   INTEGER NOT NULL REFERENCES forum_authors (id) ON DELETE CASCADE,
	import_id   INTEGER NOT NULL REFERENCES forum_imports (id),
	post_key    TEXT NOT NULL,
	position    INTEGER NOT NULL,
	posted_at   INTEGER NOT NULL,
	precision   INTEGER NOT NULL,
	utc_offset  INTEGER,
	time_text   TEXT NOT NULL,
	author_title TEXT NOT NULL,
	text        TEXT NOT NULL,
	reply_to    TEXT NOT NULL,
	quotes      TEXT NOT NULL,
	url         TEXT NOT NULL,
	source      TEXT NOT NULL,
	UNIQUE (forum_id, post_key)
);
CREATE INDEX forum_posts_thread ON forum_posts (thread_id, position);
CREATE INDEX forum_posts_author ON forum_posts (author_id);
