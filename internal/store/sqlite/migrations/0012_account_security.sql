-- Sessions remember when their user last entered the password (sign-in or
-- re-authentication): creating an API token needs a recent one.
ALTER TABLE sessions ADD COLUMN reauth_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET reauth_at = created_at;

-- API tokens get a scope (read, write, admin) and an expiry. Tokens made
-- before keep what they could do (the scope of their owner's role) and
-- expire 90 days after this migration, like a new token.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read';
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET
	scope = CASE (SELECT u.role FROM users u WHERE u.id = api_tokens.user_id)
		WHEN 'admin' THEN 'admin' WHEN 'analyst' THEN 'write' ELSE 'read' END,
	expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 7776000000;

-- The audit log records the client address of web requests.
ALTER TABLE audit ADD COLUMN addr TEXT NOT NULL DEFAULT '';
