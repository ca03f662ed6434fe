package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
)

func userCmd() *command {
	return &command{
		name:  "user",
		usage: "add|list|enable|disable|role|passwd [flags] [LOGIN]",
		short: "manage users: add, list, enable, disable, change role or password",
		long: `User manages who may sign in, with the same rules as the web users page:
  spoor user add LOGIN [--role reader|analyst|admin] [--password-stdin]
  spoor user list
  spoor user enable LOGIN
  spoor user disable LOGIN
  spoor user role LOGIN ROLE
  spoor user passwd LOGIN [--password-stdin] [--revoke-tokens]
Without --password-stdin, add and passwd generate a password and print it once.
A new password signs the user out everywhere; --revoke-tokens also revokes
all their API tokens.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			role := fs.String("role", "reader", "role of a new user: reader, analyst or admin")
			pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
			revoke := fs.Bool("revoke-tokens", false, "passwd: revoke all the user's API tokens too")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor user add|list|enable|disable|role|passwd [LOGIN]")
				}
				verb, rest := e.args[0], e.args[1:]
				want := map[string]int{"add": 1, "list": 0, "enable": 1, "disable": 1, "role": 2, "passwd": 1}
				n, ok := want[verb]
				if !ok {
					return usagef("unknown user command %q: use add, list, enable, disable, role or passwd", verb)
				}
				if len(rest) != n {
					return usagef("usage: spoor user %s%s", verb, strings.Repeat(" ARG", n))
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				svc := authService(st)
				password := func() (string, bool, error) {
					if !*pwStdin {
						return auth.GeneratePassword(), true, nil
					}
					line, err := bufio.NewReader(e.stdin).ReadString('\n')
					if err != nil && line == "" {
						return "", false, intel.Errorf(intel.CodeInvalid, "no password on stdin")
					}
					return strings.TrimRight(line, "\r\n"), false, nil
				}
				var u *intel.User
				switch verb {
				case "list":
					users, err := svc.ListUsers(ctx)
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						return printJSON(e.stdout, users)
					}
					t := newTable(e.stdout, "LOGIN", "ROLE", "ENABLED", "JOINED", "LAST LOGIN")
					for _, u := range users {
						t.row(u.Login, string(u.Role), fmt.Sprint(u.Enabled), day(u.CreatedAt), day(u.LastLoginAt))
					}
					return t.flush()
				case "add", "passwd":
					pw, generated, err := password()
					if err != nil {
						return err
					}
					if verb == "add" {
						u, err = svc.CreateUser(ctx, rest[0], intel.Role(*role), pw)
					} else {
						u, err = svc.SetPassword(ctx, rest[0], pw, auth.PasswordOptions{RevokeTokens: *revoke})
					}
					if err != nil {
						return err
					}
					if generated {
						fmt.Fprintf(e.stdout, "password for %s (shown once): %s\n", u.Login, pw)
					}
				case "enable", "disable":
					u, err = svc.SetEnabled(ctx, rest[0], verb == "enable")
				case "role":
					u, err = svc.SetRole(ctx, rest[0], intel.Role(rest[1]))
				}
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, u)
				}
				fmt.Fprintf(e.stdout, "%s: role %s, enabled %v\n", u.Login, u.Role, u.Enabled)
				return nil
			}
		},
	}
}
