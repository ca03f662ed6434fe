package main

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

func TestTokenCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "add", "--role", "analyst", "alice")
	c.ok("user", "add", "--role", "reader", "rita")

	out := c.ok("token", "add", "alice", "--scope", "write", "--expires", "30d", "--name", "firewall")
	m := regexp.MustCompile(`token (\d+) for alice, scope write, expires (\S+) \(shown once\):\n(spoor_\S+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("token add output = %q", out)
	}
	exp, _ := time.Parse(time.DateOnly, m[2])
	if d := time.Until(exp); d < 28*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("expires %s, want in 30 days", m[2])
	}
	plain := m[3]

	tests := []struct {
		args []string
		code string
	}{
		{[]string{"token", "add", "rita", "--scope", "write"}, intel.CodeForbidden}, // above the role
		{[]string{"token", "add", "alice", "--scope", "root"}, intel.CodeInvalid},
		{[]string{"token", "add", "alice", "--expires", "400d"}, intel.CodeInvalid},
		{[]string{"token", "add", "alice", "--expires", "soon"}, intel.CodeInvalid},
		{[]string{"token", "add", "nobody"}, intel.CodeNotFound},
		{[]string{"token", "revoke", "999"}, intel.CodeNotFound},
	}
	for _, tt := range tests {
		if _, _, err := c.run("", tt.args...); intel.ErrorCode(err) != tt.code {
			t.Errorf("spoor %s: err = %v, want %s", strings.Join(tt.args, " "), err, tt.code)
		}
	}
	var ue *usageError
	if _, _, err := c.run("", "token", "frobnicate"); !errors.As(err, &ue) {
		t.Errorf("unknown verb: err = %v, want a usage error", err)
	}

	c.ok("token", "add", "rita")
	list := decode[[]auth.HostToken](t, c.ok("token", "list", "--format", "json"))
	if len(list) != 2 {
		t.Fatalf("token list = %+v, want 2 tokens", list)
	}
	byLogin := map[string]auth.HostToken{}
	for _, tk := range list {
		byLogin[tk.Login] = tk
	}
	if a := byLogin["alice"]; a.Name != "firewall" || a.Scope != intel.ScopeWrite || a.Status != "active" || !strings.HasPrefix(plain, a.Prefix) {
		t.Errorf("alice's token = %+v", a)
	}
	if r := byLogin["rita"]; r.Scope != intel.ScopeRead || r.Name != "spoor token add" {
		t.Errorf("rita's token = %+v, want read scope and the default name", r)
	}
	if only := decode[[]auth.HostToken](t, c.ok("token", "list", "rita", "--format", "json")); len(only) != 1 || only[0].Login != "rita" {
		t.Errorf("token list rita = %+v", only)
	}

	// The printed token authenticates, and no longer once revoked.
	st, err := sqlite.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := auth.NewService(st, auth.Options{})
	if _, u, err := svc.TokenUser(t.Context(), plain); err != nil || u.Login != "alice" || u.Role != intel.RoleAnalyst {
		t.Fatalf("TokenUser = %v, %v; want alice acting as analyst", u, err)
	}
	c.ok("token", "revoke", m[1])
	if _, _, err := svc.TokenUser(t.Context(), plain); intel.ErrorCode(err) != intel.CodeUnauthorized {
		t.Errorf("revoked token: err = %v, want unauthorized", err)
	}
	text := c.ok("token", "list")
	if !regexp.MustCompile(`(?m)^` + m[1] + `\s+alice\s+firewall\s+\S+\s+write\s+revoked`).MatchString(text) {
		t.Errorf("token list after revoke:\n%s", text)
	}
}
