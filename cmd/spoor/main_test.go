package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// cli runs spoor commands against one database in a temp dir.
type cli struct {
	t  *testing.T
	db string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, db: filepath.Join(t.TempDir(), "spoor.db")}
}

func (c *cli) getenv(k string) string {
	if k == "SPOOR_DB" {
		return c.db
	}
	return ""
}

// run returns stdout, stderr and the error of one command.
func (c *cli) run(stdin string, args ...string) (string, string, error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, c.getenv, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run("", args...)
	if err != nil {
		c.t.Fatalf("spoor %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func (c *cli) counts() intel.Counts {
	c.t.Helper()
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Counts(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

func TestImportIsIdempotent(t *testing.T) {
	c := newCLI(t)
	first := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "stix", "testdata/attack-small.json"))
	wantActive := map[string]int{"group": 1, "technique": 2, "software": 2, "campaign": 1, "relationship": 4, "document": 2}
	for kind, n := range wantActive {
		got := first.Stats.Counts[kind]
		if got == nil || got.Active() != n || got.Created != n {
			t.Errorf("first import %s = %+v, want %d active, all created", kind, got, n)
		}
	}
	before := c.counts()
	second := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "stix", "testdata/attack-small.json"))
	for kind, n := range second.Stats.Counts {
		if n.Created != 0 || n.Updated != 0 {
			t.Errorf("second import changed %s: %+v", kind, n)
		}
	}
	if after := c.counts(); !equalCounts(before, after) {
		t.Errorf("counts changed by a re-import: before %v, after %v", before, after)
	}
	table := c.ok("import", "stix", "testdata/attack-small.json")
	if !regexp.MustCompile(`(?m)^group\s+1\s+0\s+0\s+1\s+1\s+0\s*$`).MatchString(table) {
		t.Errorf("summary table lacks the group row (1 active, 0 created, 0 updated, 1 unchanged, 1 inactive):\n%s", table)
	}
}

func equalCounts(a, b intel.Counts) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSearchAndGroupFindTheSameGroup(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")

	hits := decode[[]intel.SearchHit](t, c.ok("search", "--format", "json", "APT28"))
	if len(hits) == 0 || hits[0].Kind != "group" || hits[0].Title != "APT28" {
		t.Fatalf("search APT28: first hit %+v, want the group APT28", hits)
	}
	for _, name := range []string{"Fancy Bear", "sofacy", "G0007", "Group Old"} {
		p := decode[intel.Profile](t, c.ok("group", "--format", "json", name))
		if p.Object.ID != hits[0].ID {
			t.Errorf("group %q = %d %s, want %d APT28", name, p.Object.ID, p.Object.Name, hits[0].ID)
		}
		if len(p.Techniques) != 1 || p.Techniques[0].Other.ExternalID != "T1059.001" {
			t.Errorf("group %q techniques = %+v, want T1059.001", name, p.Techniques)
		}
		if len(p.Software) != 1 || p.Software[0].Other.Name != "CHOPSTICK" {
			t.Errorf("group %q software = %+v, want CHOPSTICK", name, p.Software)
		}
	}
	text := c.ok("group", "Fancy Bear")
	for _, want := range []string{"APT28 (G0007)", "aliases:    Sofacy, Fancy Bear, STRONTIUM", "T1059.001", "CHOPSTICK", "Kaspersky Sofacy"} {
		if !strings.Contains(text, want) {
			t.Errorf("group output lacks %q:\n%s", want, text)
		}
	}
	if _, _, err := c.run("", "group", "No Such Group"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("unknown group: err = %v, want not found", err)
	}
}

func TestBadBundleChangesNothing(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "--source", "fixture", "stix", "testdata/attack-small.json")
	before := c.counts()

	valid, err := os.ReadFile("testdata/attack-small.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.json")
	os.WriteFile(truncated, valid[:len(valid)*2/3], 0o600)
	// A bundle whose later object is broken: the earlier, valid objects
	// must not be stored either.
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"type":"bundle","id":"bundle--1","objects":[
{"type":"intrusion-set","id":"intrusion-set--00000000-0000-4000-8000-000000000001","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"New Group"},
{"type":"malware","id":"malware--00000000-0000-4000-8000-000000000002","created":"2020-01-01T00:00:00Z","modified":"not a time","name":"x"}]}`), 0o600)

	tests := []struct {
		file string
		want string
	}{
		{truncated, "truncated.json:"},
		{broken, `broken.json:3:1: $.objects[1] (malware--00000000-0000-4000-8000-000000000002): modified: "not a time" is not an RFC 3339 timestamp`},
	}
	for _, tt := range tests {
		_, _, err := c.run("", "import", "--source", "fixture", "stix", tt.file)
		if err == nil {
			t.Fatalf("import %s succeeded", tt.file)
		}
		line := errorLine(err)
		if !strings.Contains(line, tt.want) || strings.Contains(line, "\n") {
			t.Errorf("error line = %q, want one line containing %q", line, tt.want)
		}
		if exitCode(err) != 1 {
			t.Errorf("exit code = %d, want 1", exitCode(err))
		}
		if after := c.counts(); !equalCounts(before, after) {
			t.Errorf("import of %s changed the base: before %v, after %v", tt.file, before, after)
		}
	}
	// The failed attempts are not lost: each is a run of the source, with
	// its error.
	runs := c.runs("fixture")
	if len(runs) != 3 || runs[0].Status != intel.RunFailed || !strings.Contains(runs[0].Error, "broken.json:3:1") ||
		runs[1].Status != intel.RunFailed || runs[2].Status != intel.RunOK {
		t.Errorf("runs of the source: %+v", runs)
	}
}

func (c *cli) runs(source string) []*intel.CollectionRun {
	c.t.Helper()
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer st.Close()
	src, err := st.FindSourceByName(context.Background(), source)
	if err != nil {
		c.t.Fatal(err)
	}
	runs, err := st.FindRuns(context.Background(), src.ID, 10)
	if err != nil {
		c.t.Fatal(err)
	}
	return runs
}

func TestUserCommands(t *testing.T) {
	c := newCLI(t)
	out := c.ok("user", "add", "--role", "analyst", "alice")
	if !regexp.MustCompile(`password for alice \(shown once\): \S{20}`).MatchString(out) {
		t.Errorf("user add output = %q, want a generated password", out)
	}
	if _, _, err := c.run("", "user", "add", "alice"); intel.ErrorCode(err) != intel.CodeConflict {
		t.Errorf("second add: err = %v, want conflict", err)
	}
	if _, _, err := c.run("", "user", "add", "--role", "root", "bob"); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("bad role: err = %v, want invalid", err)
	}
	c.ok("user", "disable", "alice")
	users := decode[[]intel.User](t, c.ok("user", "list", "--format", "json"))
	if len(users) != 1 || users[0].Login != "alice" || users[0].Enabled || users[0].Role != intel.RoleAnalyst {
		t.Errorf("users = %+v, want alice, analyst, disabled", users)
	}
	if _, _, err := c.run("short\n", "user", "passwd", "--password-stdin", "alice"); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("short password: err = %v, want invalid", err)
	}
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"frobnicate"}, {"import", "nope", "x"}, {"search"}, {"import", "--bogus"}} {
		_, _, err := c.run("", args...)
		var ue *usageError
		if !errors.As(err, &ue) || exitCode(err) != 2 {
			t.Errorf("spoor %v: err = %v, want a usage error (exit 2)", args, err)
		}
	}
	out := c.ok("help")
	for _, name := range []string{"serve", "import", "search", "group", "user", "demo"} {
		if !strings.Contains(out, "  "+name) {
			t.Errorf("help lacks %s:\n%s", name, out)
		}
	}
	if _, errOut, err := c.run("", "import", "--help"); err != nil || !strings.Contains(errOut, "usage: spoor import FORMAT") {
		t.Errorf("import --help: err=%v stderr=%q", err, errOut)
	}
}

// syncBuffer lets the test read what the server goroutine writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeCreatesAdminAndStops(t *testing.T) {
	c := newCLI(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, c.getenv, strings.NewReader(""), &out, &errOut)
	}()
	addrRE := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start: %s %s", out.String(), errOut.String())
	}
	if !regexp.MustCompile(`sign in as admin with password \S{20} \(shown once\)`).MatchString(out.String()) {
		t.Errorf("first start did not print the admin password:\n%s", out.String())
	}
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login = %d, want 200", resp.StatusCode)
	}
	// On loopback, with no --allowed-host, only the loopback names are
	// served: a rebound attacker's name is not.
	req, err := http.NewRequest("GET", base+"/login", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "rebind.attacker.example"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("GET /login as Host rebind.attacker.example = %d, want 421", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after cancel", err)
	}
}

func TestUserPasswdEndsSessions(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "add", "--role", "analyst", "alice")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := auth.NewService(st, auth.Options{Hash: auth.HashParams{Memory: 256, Time: 1, Threads: 1}})
	if _, err := svc.SetPassword(ctx, "alice", "alice-password-123", auth.PasswordOptions{}); err != nil {
		t.Fatal(err)
	}
	token, sess, _, err := svc.Login(ctx, "alice", "alice-password-123")
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := svc.IssueToken(ctx, sess, "", auth.TokenRequest{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	c.ok("user", "passwd", "alice")
	if _, _, err := svc.SessionUser(ctx, token); intel.ErrorCode(err) != intel.CodeUnauthorized {
		t.Errorf("session after user passwd: %v, want unauthorized", err)
	}
	if _, _, err := svc.TokenUser(ctx, plain); err != nil {
		t.Errorf("token after user passwd: %v, want it kept", err)
	}
	c.ok("user", "passwd", "--revoke-tokens", "alice")
	if _, _, err := svc.TokenUser(ctx, plain); intel.ErrorCode(err) != intel.CodeUnauthorized {
		t.Errorf("token after user passwd --revoke-tokens: %v, want unauthorized", err)
	}
}

// TestMaintainPrunesOnTicks drives serve's upkeep loop with a tick
// channel: each tick writes token uses and prunes expired sessions.
func TestMaintainPrunesOnTicks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	u := &intel.User{Login: "bea", Role: intel.RoleReader, Enabled: true}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*intel.Session{
		{TokenHash: "old", UserID: u.ID, CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: now.Add(-time.Hour)},
		{TokenHash: "live", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var logBuf syncBuffer
	tick := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		maintain(ctx, authService(st), tick, slog.New(slog.NewTextHandler(&logBuf, nil)))
	}()
	tick <- now
	tick <- now // taken only once the first upkeep is over
	if _, _, err := st.FindSession(ctx, "old", now.Add(-2*time.Hour)); intel.ErrorCode(err) != intel.CodeUnauthorized {
		t.Errorf("expired session still stored after a tick: %v", err)
	}
	if _, _, err := st.FindSession(ctx, "live", now); err != nil {
		t.Errorf("live session: %v", err)
	}
	cancel()
	<-done
	if !strings.Contains(logBuf.String(), `msg="pruned expired sessions" sessions=1`) {
		t.Errorf("log = %q", logBuf.String())
	}
}

// TestFailedImportLeavesNoSource: a first import that fails stores
// nothing, not even its source row; a named source that already worked
// keeps its row and its failed run.
func TestFailedImportLeavesNoSource(t *testing.T) {
	c := newCLI(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := c.run("", "import", "stix", bad); err == nil || !strings.Contains(err.Error()+stderr, "truncated") {
		t.Fatalf("bad import: %v\n%s", err, stderr)
	}
	if n := c.counts()["source"]; n != 0 {
		t.Errorf("%d sources after a failed first import, want 0", n)
	}
	c.ok("import", "--source", "Vendor", "stix", "testdata/attack-small.json")
	if _, _, err := c.run("", "import", "--source", "Vendor", "stix", bad); err == nil {
		t.Fatal("the bad import succeeded")
	}
	list := c.ok("source", "list")
	if !strings.Contains(list, "Vendor") || !strings.Contains(list, "failed") {
		t.Errorf("the source that worked before is gone or shows no failed run:\n%s", list)
	}
}
