package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/notify"
)

func watchCmd() *command {
	return &command{
		name:  "watch",
		usage: "add USER --group G|--search WORDS|--type T | list [USER] | remove ID | hook USER URL --name N | hooks USER",
		short: "watch groups, saved searches and indicator types; webhooks that receive the notifications",
		long: `Watch manages what users are told about, as the Watches page does:
  spoor watch add USER --group APT28        indicators of a group (name, alias or ATT&CK ID)
  spoor watch add USER --search "cobalt"    new results of a saved search
  spoor watch add USER --type ipv4          indicators of a type
  spoor watch list [USER] [--format json]
  spoor watch remove ID
  spoor watch hook USER URL --name N [--secret-stdin]
  spoor watch hooks USER [--format json]    webhooks with their latest deliveries
After a collection that adds matching intelligence, or a sighting of a
matching indicator, the user gets a notification (the page and the count in
the header), and each of their webhooks is sent it as JSON signed with
HMAC-SHA256 (docs/security.md). A webhook must point at a public address;
its secret is generated and printed once unless given on stdin, and is
stored sealed: only its fingerprint is shown again.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			group := fs.String("group", "", "add: watch this group")
			search := fs.String("search", "", "add: watch the results of these search words")
			typ := fs.String("type", "", "add: watch indicators of this type")
			name := fs.String("name", "", "hook: the webhook's name")
			secretStdin := fs.Bool("secret-stdin", false, "hook: read the signing secret from the first line of stdin")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor watch add|list|remove|hook|hooks …")
				}
				verb, rest := e.args[0], e.args[1:]
				want := map[string][2]int{"add": {1, 1}, "list": {0, 1}, "remove": {1, 1}, "hook": {2, 2}, "hooks": {1, 1}}
				n, ok := want[verb]
				if !ok {
					return usagef("unknown watch command %q: use add, list, remove, hook or hooks", verb)
				}
				if len(rest) < n[0] || len(rest) > n[1] {
					return usagef("usage: spoor watch %s", map[string]string{"add": "add USER --group G|--search WORDS|--type T",
						"list": "list [USER]", "remove": "remove ID", "hook": "hook USER URL --name N", "hooks": "hooks USER"}[verb])
				}
				var w *intel.Watch
				if verb == "add" {
					set := 0
					for k, v := range map[intel.WatchKind]string{intel.WatchGroup: *group, intel.WatchSearch: *search, intel.WatchType: *typ} {
						if v != "" {
							set++
							w = &intel.Watch{Kind: k, Target: v}
						}
					}
					if set != 1 {
						return usagef("spoor watch add needs one of --group, --search or --type")
					}
				}
				var id int64
				if verb == "remove" {
					var err error
					if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil || id < 1 {
						return usagef("watch ID %q is not a number (spoor watch list shows them)", rest[0])
					}
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				svc := notify.New(st, notify.Options{Sync: true, Logger: e.logger()})
				userID := func(login string) (int64, error) {
					u, err := st.FindUserByLogin(ctx, login)
					if err != nil {
						return 0, err
					}
					return u.ID, nil
				}
				switch verb {
				case "add":
					if w.UserID, err = userID(rest[0]); err != nil {
						return err
					}
					if err := svc.AddWatch(ctx, w); err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						return printJSON(e.stdout, w)
					}
					fmt.Fprintf(e.stdout, "watch %d: %s watches %s %s\n", w.ID, rest[0], w.Kind, oneLine(w.Target))
				case "list":
					var uid int64
					if len(rest) == 1 {
						if uid, err = userID(rest[0]); err != nil {
							return err
						}
					}
					ws, err := st.FindWatches(ctx, uid)
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						if ws == nil {
							ws = []*intel.Watch{}
						}
						return printJSON(e.stdout, ws)
					}
					t := newTable(e.stdout, "ID", "USER", "KIND", "TARGET", "SINCE")
					for _, w := range ws {
						t.row(strconv.FormatInt(w.ID, 10), w.Login, string(w.Kind), w.Target, day(w.CreatedAt))
					}
					return t.flush()
				case "remove":
					if err := st.DeleteWatch(ctx, 0, id); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "watch %d removed\n", id)
				case "hook":
					h := &intel.Webhook{Name: *name, URL: rest[1]}
					if h.UserID, err = userID(rest[0]); err != nil {
						return err
					}
					given := ""
					if *secretStdin {
						line, err := bufio.NewReader(e.stdin).ReadString('\n')
						if err != nil && line == "" {
							return intel.Errorf(intel.CodeInvalid, "no secret on stdin")
						}
						given = strings.TrimRight(line, "\r\n")
						if given == "" {
							return intel.Errorf(intel.CodeInvalid, "no secret on stdin")
						}
					}
					plain, err := svc.AddWebhook(ctx, h, given)
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						out := map[string]any{"webhook": h}
						if given == "" {
							out["secret"] = plain
						}
						return printJSON(e.stdout, out)
					}
					fmt.Fprintf(e.stdout, "webhook %d %q for %s → %s, secret fingerprint %s\n", h.ID, h.Name, rest[0], h.URL, h.Fingerprint)
					if given == "" {
						fmt.Fprintf(e.stdout, "signing secret (shown once): %s\n", plain)
					}
				case "hooks":
					uid, err := userID(rest[0])
					if err != nil {
						return err
					}
					hooks, err := st.FindWebhooks(ctx, uid)
					if err != nil {
						return err
					}
					type row struct {
						*intel.Webhook
						Deliveries []intel.WebhookDelivery `json:"deliveries"`
					}
					rows := []row{}
					for _, h := range hooks {
						ds, err := st.FindDeliveries(ctx, h.ID, 10)
						if err != nil {
							return err
						}
						rows = append(rows, row{h, ds})
					}
					if e.cfg.Format == "json" {
						return printJSON(e.stdout, rows)
					}
					t := newTable(e.stdout, "ID", "NAME", "URL", "SECRET", "LAST DELIVERY")
					for _, r := range rows {
						last := "-"
						if len(r.Deliveries) > 0 {
							d := r.Deliveries[0]
							last = fmt.Sprintf("%s (attempt %d) %s", d.Status, d.Attempt, d.At.UTC().Format("2006-01-02 15:04"))
						}
						t.row(strconv.FormatInt(r.ID, 10), r.Name, r.URL, r.Fingerprint, last)
					}
					return t.flush()
				}
				return nil
			}
		},
	}
}
