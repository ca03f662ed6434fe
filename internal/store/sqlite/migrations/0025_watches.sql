-- Watches: a user watches a group, a saved search or an indicator type;
-- a collection that adds matching intelligence, or a sighting of a
-- matching indicator, records a notification for the user, and each of
-- the user's webhooks is sent it. A search watch keeps the hits it has
-- told of (seen, JSON list of kind:id) so that only new hits notify.
CREATE TABLE watches (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	target     TEXT NOT NULL,
	object_id  INTEGER REFERENCES objects (id) ON DELETE CASCADE,
	seen       TEXT NOT NULL DEFAULT '[]',
	created_at INTEGER NOT NULL,
	UNIQUE (user_id, kind, target)
);
CREATE INDEX watches_object ON watches (object_id);

CREATE TABLE notifications (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	watch_id   INTEGER REFERENCES watches (id) ON DELETE SET NULL,
	event      TEXT NOT NULL,
	title      TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT '',
	link       TEXT NOT NULL DEFAULT '',
	hits       INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	read_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- A webhook's secret is sealed (internal/secret); fingerprint is the
-- first hex digits of its SHA-256, the only part ever shown.
CREATE TABLE webhooks (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	url         TEXT NOT NULL,
	secret      TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (user_id, name)
);

-- Every attempt to deliver a notification to a webhook.
CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY,
	webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	notification_id INTEGER REFERENCES notifications (id) ON DELETE SET NULL,
	attempt         INTEGER NOT NULL,
	status          TEXT NOT NULL,
	http_status     INTEGER NOT NULL DEFAULT 0,
	error           TEXT NOT NULL DEFAULT '',
	at              INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
