package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/secret/keyfile"
	"github.com/spoor/spoor/internal/store"
)

func secretsCmd() *command {
	return &command{
		name:  "secrets",
		usage: "status|rotate|new-key",
		short: "the key that seals source credentials: status, rotation",
		long: `Secrets manages the key that seals what sources keep as credentials
(TAXII passwords and tokens, API keys): the database holds them encrypted.
  spoor secrets status    how many secrets, under which key id, any plain or not opening
  spoor secrets rotate    seal every secret under a new key: a new key file, or the
                          first of several keys in SPOOR_SECRET_KEY (NEW,OLD)
  spoor secrets new-key   print a new random key for SPOOR_SECRET_KEY or a key file
The key is SPOOR_SECRET_KEY when set, else --secret-key-file, else the file beside
a SQLite database (spoor.db → spoor.key, mode 0600, made when the first secret is
stored). A PostgreSQL store needs SPOOR_SECRET_KEY or --secret-key-file.
Without the key the secrets cannot be read: keep it, apart from database backups.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor secrets status|rotate|new-key")
				}
				switch e.args[0] {
				case "new-key":
					fmt.Fprintln(e.stdout, keyfile.NewKeyText())
					return nil
				case "status":
					st, err := e.openStoreWithKeys(ctx)
					if err != nil {
						return err
					}
					defer st.Close()
					return secretsStatus(ctx, e, st)
				case "rotate":
					st, err := e.openStoreWithKeys(ctx)
					if err != nil {
						return err
					}
					defer st.Close()
					rot, err := e.keys.Rotate(ctx, st.FindSecrets, func(ctx context.Context, box *secret.Box) (int, error) {
						return st.ResealSecrets(ctx, box)
					})
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						return printJSON(e.stdout, rot)
					}
					old := strings.Join(rot.Old, ", ")
					if old == "" {
						old = "none"
					}
					fmt.Fprintf(e.stdout, "%d secrets sealed under key %s (%s); old key %s no longer needed\n",
						rot.Resealed, rot.New, e.keys.Source(), old)
					if e.cfg.SecretKey != "" {
						fmt.Fprintf(e.stdout, "remove the old keys from %s once every process runs with the new one first\n", keyfile.EnvVar)
					}
					return nil
				}
				return usagef("unknown secrets command %q: use status, rotate or new-key", e.args[0])
			}
		},
	}
}

// secretStatus is what spoor secrets status reports.
type secretStatus struct {
	Key    string   `json:"key"`               // where the key comes from
	KeyIDs []string `json:"key_ids,omitempty"` // the sealing key first
	KeyErr string   `json:"key_error,omitempty"`
	secret.Report
}

// secretsStatus reports the store's secrets; it fails when one does not
// open, so a script notices.
func secretsStatus(ctx context.Context, e *env, st *store.Store) error {
	stored, err := st.FindSecrets(ctx)
	if err != nil {
		return err
	}
	s := secretStatus{Key: e.keys.Source(), Report: secret.Inspect(e.keys, stored)}
	if s.KeyIDs, err = e.keys.KeyIDs(); err != nil {
		s.KeyErr = err.Error()
		if errors.Is(err, secret.ErrNoKey) && s.Total == s.Plain && !e.cfg.IsPostgres() && e.cfg.SecretKeyFile == "" {
			s.KeyErr = "none yet: made beside the database when the first secret is stored"
		}
	}
	if e.cfg.Format == "json" {
		if err := printJSON(e.stdout, s); err != nil {
			return err
		}
	} else {
		t := newTable(e.stdout, "key", s.Key)
		switch {
		case s.KeyErr != "":
			t.row("key id", s.KeyErr)
		case len(s.KeyIDs) > 1:
			t.row("key id", s.KeyIDs[0]+" (also opens "+strings.Join(s.KeyIDs[1:], ", ")+")")
		default:
			t.row("key id", s.KeyIDs[0])
		}
		t.row("secrets", strconv.Itoa(s.Total))
		for _, id := range s.Report.KeyIDs() {
			t.row("  under "+id, strconv.Itoa(s.ByKey[id]))
		}
		t.row("  plain", strconv.Itoa(s.Plain))
		for _, f := range s.Failed {
			t.row("  does not open", f)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if n := len(s.Failed); n > 0 {
		return intel.Errorf(intel.CodeInvalid, "%d of %d secrets do not open", n, s.Total)
	}
	return nil
}
