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

// UpdateUser changes a user and returns it, in one transaction that also
// does what the change implies: disabling a user ends their sessions; a
// new password ends every session of theirs but u.KeepSession;
// u.RevokeTokens revokes all their API tokens. The last enabled admin can
// be neither demoted nor disabled (CodeConflict): the check reads the
// admins with their rows locked, so two concurrent demotions of the last
// two admins cannot both pass it. Each change is audited on its own.
func (s *Store) UpdateUser(ctx context.Context, id int64, u intel.UserUpdate) (*intel.User, error) {
	uu := u
	var user *intel.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Lock first, then read the user, so that what is checked below
		// is what is committed.
		admins, err := s.enabledAdmins(ctx, tx)
		if err != nil {
			return err
		}
		if user, err = s.findUserByID(ctx, tx, id); err != nil {
			return err
		}
		wasAdmin := user.Enabled && user.Role == intel.RoleAdmin
		type change struct{ action, detail string }
		var changes []change
		if uu.Role != nil && !uu.Role.Valid() {
			return intel.Errorf(intel.CodeInvalid, "unknown role %q", *uu.Role)
		}
		if uu.Role != nil && *uu.Role != user.Role {
			changes = append(changes, change{"user.role", fmt.Sprintf("%s: %s → %s", user.Login, user.Role, *uu.Role)})
			user.Role = *uu.Role
		}
		if uu.Enabled != nil && *uu.Enabled != user.Enabled {
			user.Enabled = *uu.Enabled
			action := "user.disable"
			if user.Enabled {
				action = "user.enable"
			}
			changes = append(changes, change{action, user.Login})
		}
		if wasAdmin && !(user.Enabled && user.Role == intel.RoleAdmin) {
			others := 0
			for _, a := range admins {
				if a != id {
					others++
				}
			}
			if others == 0 {
				return intel.Errorf(intel.CodeConflict, "cannot remove the last enabled admin")
			}
		}
		if uu.PasswordHash != nil {
			user.PasswordHash = *uu.PasswordHash
		}
		if _, err := s.exec(ctx, tx, `UPDATE users SET role = ?, enabled = ?, password_hash = ? WHERE id = ?`,
			user.Role, b2i(user.Enabled), user.PasswordHash, id); err != nil {
			return err
		}
		if !user.Enabled {
			if _, err := s.exec(ctx, tx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		if uu.PasswordHash != nil {
			res, err := s.exec(ctx, tx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, id, uu.KeepSession)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			changes = append(changes, change{"user.password", fmt.Sprintf("%s: %d other sessions ended", user.Login, n)})
		}
		if uu.RevokeTokens {
			res, err := s.exec(ctx, tx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0`, ms(s.now()), id)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			changes = append(changes, change{"token.revoke_all", fmt.Sprintf("%s: %d tokens", user.Login, n)})
		}
		for _, c := range changes {
			if err := s.audit(ctx, tx, c.action, "user", id, c.detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap("update user", err)
	}
	return user, nil
}

// enabledAdmins returns the IDs of the enabled admins, locking their rows
// for the rest of tx.
func (s *Store) enabledAdmins(ctx context.Context, tx *sql.Tx) ([]int64, error) {
	rows, err := s.query(ctx, tx, `SELECT id FROM users WHERE role = ? AND enabled = 1 ORDER BY id`+s.d.LockRows(), intel.RoleAdmin)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Sessions.

// CreateSession records a sign-in: it stores the session, sets the user's
// last sign-in time to its creation and audits user.login, in one
// transaction.
func (s *Store) CreateSession(ctx context.Context, sess *intel.Session) error {
	if sess.TokenHash == "" || sess.UserID == 0 {
		return s.wrap("create session", intel.Errorf(intel.CodeInvalid, "session needs a token hash and a user"))
	}
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = s.now()
	}
	if sess.ReauthAt.IsZero() {
		sess.ReauthAt = sess.CreatedAt
	}
	sess.CreatedAt, sess.ExpiresAt, sess.ReauthAt = truncMS(sess.CreatedAt), truncMS(sess.ExpiresAt), truncMS(sess.ReauthAt)
	return s.wrap("create session", s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, reauth_at)
VALUES (?, ?, ?, ?, ?, ?)`, sess.TokenHash, sess.UserID, sess.CSRFToken, ms(sess.CreatedAt), ms(sess.ExpiresAt), ms(sess.ReauthAt)); err != nil {
			return err
		}
		var login string
		if err := s.queryRow(ctx, tx, `UPDATE users SET last_login_at = ? WHERE id = ? RETURNING login`,
			ms(sess.CreatedAt), sess.UserID).Scan(&login); err != nil {
			return err
		}
		return s.audit(ctx, tx, "user.login", "user", sess.UserID, login)
	}))
}

func unauthorized() error { return intel.Errorf(intel.CodeUnauthorized, "not signed in") }

// FindSession returns the unexpired session with that token hash and its
// user, or CodeUnauthorized when the session is missing or expired or the
// user is disabled.
func (s *Store) FindSession(ctx context.Context, tokenHash string, now time.Time) (*intel.Session, *intel.User, error) {
	var sess intel.Session
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return s.queryRow(ctx, s.rdb, `SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.reauth_at, `+userCols+`
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ?`, tokenHash).Scan(append([]any{&sess.TokenHash, &sess.UserID, &sess.CSRFToken,
			msDest(&sess.CreatedAt), msDest(&sess.ExpiresAt), msDest(&sess.ReauthAt)}, dest...)...)
	}))
	if err == sql.ErrNoRows {
		return nil, nil, s.wrap("find session", unauthorized())
	}
	if err != nil {
		return nil, nil, s.wrap("find session", err)
	}
	if !now.Before(sess.ExpiresAt) || !u.Enabled {
		return nil, nil, s.wrap("find session", unauthorized())
	}
	return &sess, u, nil
}

// ReauthSession records that the user of a session entered their password
// again at the time given; a missing session gives CodeUnauthorized.
func (s *Store) ReauthSession(ctx context.Context, tokenHash string, at time.Time) error {
	res, err := s.exec(ctx, s.db, `UPDATE sessions SET reauth_at = ? WHERE token_hash = ?`, ms(at), tokenHash)
	if err != nil {
		return s.wrap("reauthenticate session", err)
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = unauthorized()
	}
	return s.wrap("reauthenticate session", err)
}

// DeleteSession removes a session (sign-out) and audits user.logout. A
// missing session is not an error: signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.wrap("delete session", s.inTx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := s.queryRow(ctx, tx, `DELETE FROM sessions WHERE token_hash = ? RETURNING user_id`, tokenHash).Scan(&userID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "user.logout", "user", userID, "")
	}))
}

// DeleteExpiredSessions removes sessions that expired before now and
// returns how many; spoor serve runs it on a schedule so the table does
// not grow.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM sessions WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, s.wrap("delete expired sessions", err)
	}
	n, err := res.RowsAffected()
	return n, s.wrap("delete expired sessions", err)
}

// API tokens.

const tokenCols = `t.id, t.user_id, t.name, t.prefix, t.hash, t.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`

func scanToken(r scanner) (*intel.APIToken, error) {
	var t *intel.APIToken
	if err := r.Scan(tokenDest(&t)...); err != nil {
		return nil, err
	}
	return t, nil
}

// CreateAPIToken stores a token and sets t.ID.
func (s *Store) CreateAPIToken(ctx context.Context, t *intel.APIToken) error {
	if t.Hash == "" || t.UserID == 0 {
		return s.wrap("create token", intel.Errorf(intel.CodeInvalid, "token needs a hash and a user"))
	}
	if !t.Scope.Valid() {
		return s.wrap("create token", intel.Errorf(intel.CodeInvalid, "unknown token scope %q", t.Scope))
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	t.CreatedAt, t.ExpiresAt = truncMS(t.CreatedAt), truncMS(t.ExpiresAt)
	t.LastUsedAt, t.RevokedAt = truncMS(t.LastUsedAt), truncMS(t.RevokedAt)
	return s.wrap("create token", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.queryRow(ctx, tx, `INSERT INTO api_tokens (user_id, name, prefix, hash, scope, created_at, expires_at, last_used_at, revoked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, t.Prefix, t.Hash, t.Scope, ms(t.CreatedAt), ms(t.ExpiresAt),
			ms(t.LastUsedAt), ms(t.RevokedAt)).Scan(&t.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "token.create", "token", t.ID,
			fmt.Sprintf("%s (%s): scope %s, expires %s", t.Name, t.Prefix, t.Scope, t.ExpiresAt.Format(time.DateOnly)))
	}))
}

// FindAPIToken returns the token with that hash and its user, whatever
// their state (revoked, expired, disabled: the caller decides), or
// CodeUnauthorized when no token has that hash. It only reads: recording
// a token's use is RecordTokenUse's job.
func (s *Store) FindAPIToken(ctx context.Context, hash string) (*intel.APIToken, *intel.User, error) {
	var t *intel.APIToken
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return s.queryRow(ctx, s.rdb, `SELECT `+tokenCols+`, `+userCols+`
FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash).Scan(append(tokenDest(&t), dest...)...)
	}))
	if err == sql.ErrNoRows {
		return nil, nil, s.wrap("find token", unauthorized())
	}
	if err != nil {
		return nil, nil, s.wrap("find token", err)
	}
	return t, u, nil
}

// RecordTokenUse sets the last-used time of tokens (ID → time) in one
// transaction; a time never moves back, so replicas may flush in any order.
func (s *Store) RecordTokenUse(ctx context.Context, uses map[int64]time.Time) error {
	if len(uses) == 0 {
		return nil
	}
	return s.wrap("record token use", s.inTx(ctx, func(tx *sql.Tx) error {
		for id, at := range uses {
			if _, err := s.exec(ctx, tx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?`,
				ms(at), id, ms(at)); err != nil {
				return err
			}
		}
		return nil
	}))
}

// tokenDest makes *t a fresh token and returns scan destinations for
// tokenCols; msDest converts the times while scanning.
func tokenDest(t **intel.APIToken) []any {
	var tk intel.APIToken
	*t = &tk
	return []any{&tk.ID, &tk.UserID, &tk.Name, &tk.Prefix, &tk.Hash, &tk.Scope,
		msDest(&tk.CreatedAt), msDest(&tk.ExpiresAt), msDest(&tk.LastUsedAt), msDest(&tk.RevokedAt)}
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
