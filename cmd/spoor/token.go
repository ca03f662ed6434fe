package main

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
)

func tokenCmd() *command {
	return &command{
		name:  "token",
		usage: "add USER [--scope read|write|admin] [--expires 90d] [--name N] | list [USER] | revoke ID",
		short: "manage API tokens from the server host: for feeds, TAXII clients and scripts",
		long: `Token manages API tokens at the server host, so that a feed, a TAXII client or
a script can be set up without the web page:
  spoor token add USER [--scope read|write|admin] [--expires 90d] [--name N]
  spoor token list [USER] [--format json]
  spoor token revoke ID
add prints the token once; it is stored only as a hash. The scope is at most
the user's role (read by default) and the token acts with the lesser of
the two. --expires is an age: 12h, 30d, 2w (1 hour to 366 days; 90d by
default). Whoever can run spoor here holds the database already, so unlike
the web page no password is asked; every creation and revocation is
audited.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			scope := fs.String("scope", "read", "add: read, write or admin (at most the user's role)")
			expires := fs.String("expires", "90d", "add: how long the token lives: 12h, 30d, 2w")
			name := fs.String("name", "", "add: a name to tell the token apart (default: spoor token add)")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor token add|list|revoke …")
				}
				verb, rest := e.args[0], e.args[1:]
				switch {
				case verb == "add" && len(rest) == 1, verb == "list" && len(rest) <= 1, verb == "revoke" && len(rest) == 1:
				case verb == "add" || verb == "list" || verb == "revoke":
					return usagef("usage: spoor token %s", map[string]string{"add": "add USER [flags]", "list": "list [USER]", "revoke": "revoke ID"}[verb])
				default:
					return usagef("unknown token command %q: use add, list or revoke", verb)
				}
				var ttl time.Duration
				var id int64
				var err error
				switch verb {
				case "add":
					if ttl, err = parseLife(*expires); err != nil {
						return err
					}
				case "revoke":
					if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil || id < 1 {
						return usagef("token ID %q is not a number (spoor token list shows them)", rest[0])
					}
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				svc := authService(st)
				switch verb {
				case "add":
					plain, t, err := svc.IssueHostToken(ctx, rest[0], auth.TokenRequest{Name: *name, Scope: intel.TokenScope(*scope), TTL: ttl})
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						return printJSON(e.stdout, map[string]any{"token": plain, "api_token": t})
					}
					fmt.Fprintf(e.stdout, "token %d for %s, scope %s, expires %s (shown once):\n%s\n",
						t.ID, rest[0], t.Scope, t.ExpiresAt.Format(time.DateOnly), plain)
					return nil
				case "list":
					login := ""
					if len(rest) == 1 {
						login = rest[0]
					}
					tokens, err := svc.ListHostTokens(ctx, login)
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						if tokens == nil {
							tokens = []auth.HostToken{}
						}
						return printJSON(e.stdout, tokens)
					}
					t := newTable(e.stdout, "ID", "USER", "NAME", "PREFIX", "SCOPE", "STATUS", "CREATED", "EXPIRES", "LAST USED")
					for _, tk := range tokens {
						t.row(strconv.FormatInt(tk.ID, 10), tk.Login, tk.Name, tk.Prefix, string(tk.Scope), tk.Status,
							day(tk.CreatedAt), day(tk.ExpiresAt), day(tk.LastUsedAt))
					}
					return t.flush()
				default:
					if err := svc.RevokeHostToken(ctx, id); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "token %d revoked\n", id)
					return nil
				}
			}
		},
	}
}

var lifeRE = regexp.MustCompile(`^(\d{1,6})([hdw])$`)

// parseLife reads a token's life: a number of hours, days or weeks.
func parseLife(s string) (time.Duration, error) {
	m := lifeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, intel.Errorf(intel.CodeInvalid, "expires %q: use an age such as 12h, 30d or 2w", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}
