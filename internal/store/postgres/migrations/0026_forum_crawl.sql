-- What a forum crawl knows of each thread (its last page read, that page's
-- validators, the listing's marker once the thread was read to its end),
-- written in the same transaction as the posts of the page, so that a
-- crawl stopped at any point resumes where it stopped; and every version
-- of a post the crawl saw, so that an edit keeps what was written before.
CREATE TABLE forum_crawl_threads (
	forum_id    BIGINT NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	thread_key  TEXT NOT NULL,
	state       TEXT NOT NULL,
	updated_at  BIGINT NOT NULL,
	PRIMARY KEY (forum_id, thread_key)
);
CREATE TABLE forum_post_versions (
	forum_id    BIGINT NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
	post_key    TEXT NOT NULL,
	version     TEXT NOT NULL,
	text        TEXT NOT NULL,
	edited      INTEGER NOT NULL DEFAULT 0,
	seen_at     BIGINT NOT NULL,
	PRIMARY KEY (forum_id, post_key, version)
);
