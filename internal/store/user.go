package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

const userCols = `u.id, u.login, u.role, u.enabled, u.password_hash, u.created_at, u.last_login_at`

func scanUser(r scanner) (*intel.User, error) {
	var u intel.User
	var enabled int
	var created, last int64
	if err := r.Scan(&u.ID, &u.Login, &u.Role, &enabled, &u.PasswordHash, &created, &last); err != nil {
		return nil, err
	}
	u.Enabled = enabled != 0
	u.CreatedAt, u.LastLoginAt = fromMS(created), fromMS(last)
	return &u, nil
}

// loginKey folds a login for the unique index: "Alice" and "alice" are
// one user on both engines without a case-insensitive collation.
func loginKey(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// CreateUser stores a user and sets u.ID; a taken login gives CodeConflict.
func (s *Store) CreateUser(ctx context.Context, u *intel.User) error {
	u.Login = strings.TrimSpace(u.Login)
	if u.Login == "" {
		return s.wrap("create user", intel.Errorf(intel.CodeInvalid, "login is required"))
	}
	if !u.Role.Valid() {
		return s.wrap("create user", intel.Errorf(intel.CodeInvalid, "unknown role %q", u.Role))
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now()
	}
	u.CreatedAt, u.LastLoginAt = truncMS(u.CreatedAt), truncMS(u.LastLoginAt)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.queryRow(ctx, tx, `INSERT INTO users (login, login_norm, role, enabled, password_hash, created_at, last_login_at)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.Login, loginKey(u.Login), u.Role, b2i(u.Enabled), u.PasswordHash,
			ms(u.CreatedAt), ms(u.LastLoginAt)).Scan(&u.ID)
		if err != nil {
			if intel.ErrorCode(s.d.MapError(err)) == intel.CodeConflict {
				return &intel.Error{Code: intel.CodeConflict, Message: fmt.Sprintf("login %q is taken", u.Login), Err: err}
			}
			return err
		}
		return s.audit(ctx, tx, "user.create", "user", u.ID, u.Login+" ("+string(u.Role)+")")
	})
	return s.wrap("create user", err)
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, s.rdb, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, s.wrap("count users", err)
}

// FindUserByID returns one user, or CodeNotFound.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*intel.User, error) {
	u, err := s.findUserByID(ctx, s.rdb, id)
	return u, s.wrap("find user", err)
}

func (s *Store) findUserByID(ctx context.Context, q querier, id int64) (*intel.User, error) {
	u, err := scanUser(s.queryRow(ctx, q, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("user", id)
	}
	return u, err
}

// FindUserByLogin returns one user (login compared case-insensitively), or CodeNotFound.
func (s *Store) FindUserByLogin(ctx context.Context, login string) (*intel.User, error) {
	u, err := scanUser(s.queryRow(ctx, s.rdb, `SELECT `+userCols+` FROM users u WHERE u.login_norm = ?`, loginKey(login)))
	if err == sql.ErrNoRows {
		return nil, s.wrap("find user", notFound("user", fmt.Sprintf("%q", login)))
	}
	return u, s.wrap("find user", err)
}

// FindUsers returns all users ordered by login.
func (s *Store) FindUsers(ctx context.Context) ([]*intel.User, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+userCols+` FROM users u ORDER BY u.login_norm, u.id`)
	if err != nil {
		return nil, s.wrap("find users", err)
	}
	defer rows.Close()
	var out []*intel.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.wrap("find users", err)
		}
		out = append(out, u)
	}
	return out, s.wrap("find users", rows.Err())
}

// UpdateUser changes a user and returns it. Disabling a user also deletes
// their sessions, in the same transaction. An update that only records a
// sign-in time is not audited: the web layer audits the sign-in itself.
func (s *Store) UpdateUser(ctx context.Context, id int64, u intel.UserUpdate) (*intel.User, error) {
	uu := u
	var user *intel.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if user, err = s.findUserByID(ctx, tx, id); err != nil {
			return err
		}
		var changed []string
		if uu.Role != nil {
			if !uu.Role.Valid() {
				return intel.Errorf(intel.CodeInvalid, "unknown role %q", *uu.Role)
			}
			user.Role = *uu.Role
			changed = append(changed, "role "+string(user.Role))
		}
		if uu.Enabled != nil {
			user.Enabled = *uu.Enabled
			changed = append(changed, fmt.Sprintf("enabled %t", user.Enabled))
		}
		if uu.PasswordHash != nil {
			user.PasswordHash = *uu.PasswordHash
			changed = append(changed, "password")
		}
		if uu.LastLoginAt != nil {
			user.LastLoginAt = truncMS(*uu.LastLoginAt)
		}
		if _, err := s.exec(ctx, tx, `UPDATE users SET role = ?, enabled = ?, password_hash = ?, last_login_at = ? WHERE id = ?`,
			user.Role, b2i(user.Enabled), user.PasswordHash, ms(user.LastLoginAt), id); err != nil {
			return err
		}
		if !user.Enabled {
			if _, err := s.exec(ctx, tx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		if len(changed) == 0 {
			return nil
		}
		return s.audit(ctx, tx, "user.update", "user", id, user.Login+": "+strings.Join(changed, ", "))
	})
	if err != nil {
		return nil, s.wrap("update user", err)
	}
	return user, nil
}

// Sessions.

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess *intel.Session) error {
	if sess.TokenHash == "" || sess.UserID == 0 {
		return s.wrap("create session", intel.Errorf(intel.CodeInvalid, "session needs a token hash and a user"))
	}
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = s.now()
	}
	sess.CreatedAt, sess.ExpiresAt = truncMS(sess.CreatedAt), truncMS(sess.ExpiresAt)
	_, err := s.exec(ctx, s.db, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
VALUES (?, ?, ?, ?, ?)`, sess.TokenHash, sess.UserID, sess.CSRFToken, ms(sess.CreatedAt), ms(sess.ExpiresAt))
	return s.wrap("create session", err)
}

func unauthorized() error { return intel.Errorf(intel.CodeUnauthorized, "not signed in") }

// FindSession returns the unexpired session with that token hash and its
// user, or CodeUnauthorized when the session is missing or expired or the
// user is disabled.
func (s *Store) FindSession(ctx context.Context, tokenHash string, now time.Time) (*intel.Session, *intel.User, error) {
	var sess intel.Session
	var created, expires int64
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return s.queryRow(ctx, s.rdb, `SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, `+userCols+`
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ?`, tokenHash).Scan(append([]any{&sess.TokenHash, &sess.UserID, &sess.CSRFToken, &created, &expires}, dest...)...)
	}))
	if err == sql.ErrNoRows {
		return nil, nil, s.wrap("find session", unauthorized())
	}
	if err != nil {
		return nil, nil, s.wrap("find session", err)
	}
	sess.CreatedAt, sess.ExpiresAt = fromMS(created), fromMS(expires)
	if !now.Before(sess.ExpiresAt) || !u.Enabled {
		return nil, nil, s.wrap("find session", unauthorized())
	}
	return &sess, u, nil
}

// DeleteSession removes a session (sign-out). A missing session is not
// an error: signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, s.db, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return s.wrap("delete session", err)
}

// DeleteExpiredSessions removes sessions that expired before now and
// returns how many; run it now and then so the table does not grow.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM sessions WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, s.wrap("delete expired sessions", err)
	}
	n, err := res.RowsAffected()
	return n, s.wrap("delete expired sessions", err)
}

// API tokens.

const tokenCols = `t.id, t.user_id, t.name, t.prefix, t.hash, t.created_at, t.last_used_at, t.revoked_at`

func scanToken(r scanner) (*intel.APIToken, error) {
	var t intel.APIToken
	var created, used, revoked int64
	if err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Hash, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromMS(used), fromMS(revoked)
	return &t, nil
}

// CreateAPIToken stores a token and sets t.ID.
func (s *Store) CreateAPIToken(ctx context.Context, t *intel.APIToken) error {
	if t.Hash == "" || t.UserID == 0 {
		return s.wrap("create token", intel.Errorf(intel.CodeInvalid, "token needs a hash and a user"))
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = truncMS(t.CreatedAt), truncMS(t.LastUsedAt), truncMS(t.RevokedAt)
	return s.wrap("create token", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.queryRow(ctx, tx, `INSERT INTO api_tokens (user_id, name, prefix, hash, created_at, last_used_at, revoked_at)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, t.Prefix, t.Hash, ms(t.CreatedAt), ms(t.LastUsedAt),
			ms(t.RevokedAt)).Scan(&t.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "token.create", "token", t.ID, t.Name+" ("+t.Prefix+")")
	}))
}

// FindAPIToken returns the unrevoked token with that hash and its user,
// and records its use, or CodeUnauthorized when the token is missing or
// revoked or its user disabled.
func (s *Store) FindAPIToken(ctx context.Context, hash string, now time.Time) (*intel.APIToken, *intel.User, error) {
	var t *intel.APIToken
	var u *intel.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(scanFunc(func(dest ...any) error {
			return s.queryRow(ctx, tx, `SELECT `+tokenCols+`, `+userCols+`
FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash).Scan(append(tokenDest(&t), dest...)...)
		}))
		if err == sql.ErrNoRows {
			return unauthorized()
		}
		if err != nil {
			return err
		}
		if !t.RevokedAt.IsZero() || !u.Enabled {
			return unauthorized()
		}
		t.LastUsedAt = truncMS(now)
		_, err = s.exec(ctx, tx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ms(t.LastUsedAt), t.ID)
		return err
	})
	if err != nil {
		return nil, nil, s.wrap("find token", err)
	}
	return t, u, nil
}

// tokenDest makes *t a fresh token and returns scan destinations for
// tokenCols; msDest converts the times while scanning.
func tokenDest(t **intel.APIToken) []any {
	var tk intel.APIToken
	*t = &tk
	return []any{&tk.ID, &tk.UserID, &tk.Name, &tk.Prefix, &tk.Hash,
		msDest(&tk.CreatedAt), msDest(&tk.LastUsedAt), msDest(&tk.RevokedAt)}
}

// msTime scans a milliseconds column straight into a time.Time.
type msTime struct{ t *time.Time }

func msDest(t *time.Time) *msTime { return &msTime{t} }

// Scan implements sql.Scanner.
func (m *msTime) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*m.t = fromMS(x)
	case int32:
		*m.t = fromMS(int64(x))
	case nil:
		*m.t = time.Time{}
	default:
		return fmt.Errorf("time column holds %T", v)
	}
	return nil
}

// FindAPITokens returns a user's tokens, newest first.
func (s *Store) FindAPITokens(ctx context.Context, userID int64) ([]*intel.APIToken, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.user_id = ? ORDER BY t.id DESC`, userID)
	if err != nil {
		return nil, s.wrap("find tokens", err)
	}
	defer rows.Close()
	var out []*intel.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.wrap("find tokens", err)
		}
		out = append(out, t)
	}
	return out, s.wrap("find tokens", rows.Err())
}

// RevokeAPIToken marks a token revoked, or gives CodeNotFound.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64) error {
	return s.wrap("revoke token", s.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		var revoked int64
		err := s.queryRow(ctx, tx, `SELECT name, revoked_at FROM api_tokens WHERE id = ?`, id).Scan(&name, &revoked)
		if err == sql.ErrNoRows {
			return notFound("token", id)
		}
		if err != nil {
			return err
		}
		if revoked != 0 {
			return nil // already revoked: keep the first time
		}
		if _, err := s.exec(ctx, tx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, ms(s.now()), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "token.revoke", "token", id, name)
	}))
}
