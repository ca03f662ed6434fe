package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
)

// Secrets seals the values the store must keep but never show and opens
// them again: to tell a resubmitted value from a new one, and to re-seal.
// cmd/spoor passes keyfile.Keys; tests a *secret.Box.
type Secrets interface {
	secret.Sealer
	secret.Opener
}

// UseSecrets sets what seals secret source options (intel.SecretOption)
// before they are written. Without it a source with a secret option is
// refused rather than stored in plain text. Call it before the store is
// shared.
func (s *Store) UseSecrets(sec Secrets) { s.secrets = sec }

// sealOptions returns the options to store for the source named name:
// every non-empty secret value sealed for its place. old are the stored
// options. A value equal to the stored one is kept as it is, and so is a
// plain value the stored seal opens to, so an unchanged source stays
// unchanged; a value given sealed must open for its place, so that a
// ciphertext cannot be moved here from another source or option.
func (s *Store) sealOptions(name string, old, next intel.SourceOptions) (intel.SourceOptions, error) {
	if next == nil {
		return nil, nil
	}
	out := make(intel.SourceOptions, len(next))
	for k, v := range next {
		out[k] = v
		if v == "" || !intel.SecretOption(k) || (v == old[k] && secret.IsSealed(v)) {
			continue
		}
		place := secret.SourceOption(name, k)
		if s.secrets == nil {
			return nil, &intel.Error{Code: intel.CodeInvalid, Err: secret.ErrNoKey,
				Message: fmt.Sprintf("cannot encrypt %s: the store has no secret key", place.What)}
		}
		if secret.IsSealed(v) {
			if _, err := place.Reveal(s.secrets, v); err != nil {
				return nil, intel.Errorf(intel.CodeInvalid, "%s is given sealed and does not open here (%v): give the value itself", place.What, unwrapPlace(err))
			}
			continue
		}
		if was := old[k]; secret.IsSealed(was) {
			if plain, err := place.Reveal(s.secrets, was); err == nil && plain == v {
				out[k] = was
				continue
			}
		}
		sealed, err := place.Seal(s.secrets, v)
		if err != nil {
			// What the operator must fix (no key, a key file that cannot
			// be written), said to whoever saves the source.
			return nil, &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
		}
		out[k] = sealed
	}
	return out, nil
}

// unwrapPlace drops Reveal's "cannot decrypt …:" for a message that names
// the place itself.
func unwrapPlace(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}

// FindSecrets returns every non-empty secret a source keeps, as stored
// (sealed, or plain from before sealing), ordered by source and option.
func (s *Store) FindSecrets(ctx context.Context) ([]secret.Stored, error) {
	var out []secret.Stored
	err := s.eachSourceOptions(ctx, s.rdb, func(_ int64, name string, opts intel.SourceOptions) error {
		for _, k := range slices.Sorted(maps.Keys(opts)) {
			if v := opts[k]; v != "" && intel.SecretOption(k) {
				out = append(out, secret.Stored{Place: secret.SourceOption(name, k), Value: v})
			}
		}
		return nil
	})
	if err == nil {
		err = s.eachForumCookie(ctx, s.rdb, func(_ int64, name, cookie string) error {
			out = append(out, secret.Stored{Place: secret.ForumCookie(name), Value: cookie})
			return nil
		})
	}
	if err != nil {
		return nil, s.wrap("find secrets", err)
	}
	hooks, err := s.webhookSecrets(ctx, s.rdb)
	for _, h := range hooks {
		out = append(out, secret.Stored{Place: secret.WebhookSecret(h.login, h.name), Value: h.sealed})
	}
	return out, s.wrap("find secrets", err)
}

// storedWebhookSecret is a webhook's sealed secret with what names its place.
type storedWebhookSecret struct {
	id                  int64
	login, name, sealed string
}

// webhookSecrets reads every webhook's stored secret, by owner and name.
func (s *Store) webhookSecrets(ctx context.Context, q querier) ([]storedWebhookSecret, error) {
	rows, err := s.query(ctx, q, `SELECT h.id, u.login, h.name, h.secret FROM webhooks h JOIN users u ON u.id = h.user_id
ORDER BY u.login, h.name, h.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedWebhookSecret
	for rows.Next() {
		var h storedWebhookSecret
		if err := rows.Scan(&h.id, &h.login, &h.name, &h.sealed); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// eachForumCookie calls fn with every forum that keeps a session cookie,
// by name; the rows are read before fn runs, so fn may write.
func (s *Store) eachForumCookie(ctx context.Context, q querier, fn func(id int64, name, cookie string) error) error {
	rows, err := s.query(ctx, q, `SELECT id, name, cookie FROM forums WHERE cookie <> '' ORDER BY name`)
	if err != nil {
		return err
	}
	type row struct {
		id           int64
		name, cookie string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.cookie); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		if err := fn(r.id, r.name, r.cookie); err != nil {
			return err
		}
	}
	return nil
}

// SealPlainSecrets seals, with the store's Secrets, the secret options
// stored in plain text before sealing existed, in one transaction, and
// returns how many it sealed. Sealed values are left as they are.
func (s *Store) SealPlainSecrets(ctx context.Context) (int, error) {
	n, err := s.reseal(ctx, s.secrets, false)
	return n, s.wrap("seal plain secrets", err)
}

// ResealSecrets opens every secret option with sec and seals it again
// under sec's sealing key (plain ones too), in one transaction: the
// database half of a key rotation. If one does not open nothing changes.
func (s *Store) ResealSecrets(ctx context.Context, sec Secrets) (int, error) {
	n, err := s.reseal(ctx, sec, true)
	return n, s.wrap("reseal secrets", err)
}

func (s *Store) reseal(ctx context.Context, sec Secrets, all bool) (int, error) {
	n := 0
	keyID := ""
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		type change struct {
			id   int64
			opts intel.SourceOptions
		}
		var changes []change
		err := s.eachSourceOptions(ctx, tx, func(id int64, name string, opts intel.SourceOptions) error {
			changed := false
			for _, k := range slices.Sorted(maps.Keys(opts)) {
				v := opts[k]
				if v == "" || !intel.SecretOption(k) || (!all && secret.IsSealed(v)) {
					continue
				}
				if sec == nil {
					return fmt.Errorf("cannot encrypt %s: %w", secret.SourceOption(name, k).What, secret.ErrNoKey)
				}
				place := secret.SourceOption(name, k)
				plain, err := place.Reveal(sec, v)
				if err != nil {
					return &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
				}
				if opts[k], err = place.Seal(sec, plain); err != nil {
					return err
				}
				keyID, _ = secret.KeyID(opts[k])
				changed = true
				n++
			}
			if changed {
				changes = append(changes, change{id, opts})
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Forum session cookies are sealed the same way.
		err = s.eachForumCookie(ctx, tx, func(id int64, name, cookie string) error {
			if !all && secret.IsSealed(cookie) {
				return nil
			}
			place := secret.ForumCookie(name)
			if sec == nil {
				return fmt.Errorf("cannot encrypt %s: %w", place.What, secret.ErrNoKey)
			}
			plain, err := place.Reveal(sec, cookie)
			if err != nil {
				return &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
			}
			sealed, err := place.Seal(sec, plain)
			if err != nil {
				return err
			}
			keyID, _ = secret.KeyID(sealed)
			n++
			_, err = s.exec(ctx, tx, `UPDATE forums SET cookie = ? WHERE id = ?`, sealed, id)
			return err
		})
		if err != nil {
			return err
		}
		// Webhook secrets are sealed when stored; a rotation seals them
		// again under the new key.
		if all {
			hooks, err := s.webhookSecrets(ctx, tx)
			if err != nil {
				return err
			}
			for _, h := range hooks {
				if sec == nil {
					return fmt.Errorf("cannot encrypt %s: %w", secret.WebhookSecret(h.login, h.name).What, secret.ErrNoKey)
				}
				place := secret.WebhookSecret(h.login, h.name)
				plain, err := place.Reveal(sec, h.sealed)
				if err != nil {
					return &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
				}
				sealed, err := place.Seal(sec, plain)
				if err != nil {
					return err
				}
				if _, err := s.exec(ctx, tx, `UPDATE webhooks SET secret = ? WHERE id = ?`, sealed, h.id); err != nil {
					return err
				}
				keyID, _ = secret.KeyID(sealed)
				n++
			}
		}
		if n == 0 {
			return nil
		}
		for _, c := range changes {
			if _, err := s.exec(ctx, tx, `UPDATE sources SET options = ? WHERE id = ?`, optionsText(c.opts), c.id); err != nil {
				return err
			}
		}
		action := "secrets.seal"
		if all {
			action = "secrets.reseal"
		}
		return s.audit(ctx, tx, action, "secret", 0, fmt.Sprintf("%d secrets sealed under key %s", n, keyID))
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// eachSourceOptions calls fn with every source that has options, in
// name order; the rows are read before fn runs, so fn may write.
func (s *Store) eachSourceOptions(ctx context.Context, q querier, fn func(id int64, name string, opts intel.SourceOptions) error) error {
	rows, err := s.query(ctx, q, `SELECT id, name, options FROM sources WHERE options <> '{}' ORDER BY name, id`)
	if err != nil {
		return err
	}
	type row struct {
		id         int64
		name, opts string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.opts); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		var opts intel.SourceOptions
		if err := json.Unmarshal([]byte(r.opts), &opts); err != nil {
			return fmt.Errorf("source %q: options: %w", r.name, err)
		}
		if err := fn(r.id, r.name, opts); err != nil {
			return err
		}
	}
	return nil
}
