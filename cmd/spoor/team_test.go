package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/testenv"
)

// TestTeamDeployment runs the team deployment for real: the spoor binary,
// two `spoor serve` replicas and two `spoor worker`s on one PostgreSQL
// database, and shows that
//   - sources due at once, raced for by every scheduler, are each
//     collected exactly once per due time;
//   - a session made on one replica works on the other;
//   - a user disabled through one replica is refused by the other at once;
//   - an import killed with SIGKILL on a worker leaves nothing of itself,
//     spoor doctor names the run it left, and the next run succeeds.
func TestTeamDeployment(t *testing.T) {
	pg := pgDatabase(t)
	built := time.Now()
	bin := buildSpoor(t)
	t.Logf("built spoor in %.1fs", time.Since(built).Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()

	feeds := newFeedServer(t)
	st, err := openDB(ctx, pg) // migrates the new database once, before anyone races to
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := auth.NewService(st, auth.Options{Hash: auth.HashParams{Memory: 256, Time: 1, Threads: 1}})
	for _, u := range []struct {
		login string
		role  intel.Role
	}{{"boss", intel.RoleAdmin}, {"alice", intel.RoleAnalyst}} {
		if _, err := svc.CreateUser(ctx, u.login, u.role, u.login+"-password-123"); err != nil {
			t.Fatal(err)
		}
	}
	const nFeeds = 6
	var feedIDs []int64
	for i := range nFeeds {
		src := &intel.Source{Name: fmt.Sprintf("feed-%d", i), Kind: intel.SourceIOCList, Format: "trail",
			Location: feeds.url(fmt.Sprintf("/feed-%d.txt", i)), AllowPrivate: true, Interval: intel.Duration(time.Hour), Enabled: true}
		if err := st.UpsertSource(ctx, src); err != nil {
			t.Fatal(err)
		}
		feedIDs = append(feedIDs, src.ID)
	}
	big := &intel.Source{Name: "big-list", Kind: intel.SourceIOCList, Format: "trail", Location: feeds.url("/big.txt"),
		AllowPrivate: true, Interval: intel.Duration(time.Hour), Enabled: true, NextRunAt: time.Now().AddDate(10, 0, 0)}
	if err := st.UpsertSource(ctx, big); err != nil {
		t.Fatal(err)
	}

	// Every source is due as the four schedulers start: the replicas'
	// first pass and the workers' passes race for them.
	procs := &team{t: t, bin: bin, db: pg}
	defer procs.stop()
	a, b := procs.serve(ctx, "a"), procs.serve(ctx, "b")
	procs.worker(ctx, "w1")
	procs.worker(ctx, "w2")
	a.waitReady(ctx)
	b.waitReady(ctx)
	t0 := time.Now()
	phase := func(what string) { t.Logf("%6.1fs %s", time.Since(t0).Seconds(), what) }
	phase("two replicas ready")

	// 1. Scheduled collections: each due time is collected once.
	for round := 1; round <= 3; round++ {
		if round > 1 {
			if _, err := st.DB().ExecContext(ctx, `UPDATE sources SET next_run_at = 0 WHERE name LIKE 'feed-%'`); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(ctx, t, fmt.Sprintf("round %d of collections", round), func() bool {
			return finishedRuns(t, st, feedIDs) == nFeeds*round
		})
		time.Sleep(time.Second) // time for a second claim of the same due time, if one were possible
		runs := runsBySource(t, st)
		for i, id := range feedIDs {
			if got := runs[id]; got != strings.Repeat("ok ", round) {
				t.Errorf("round %d: feed-%d has runs %q, want %d ok", round, i, got, round)
			}
			if got := feeds.hits(fmt.Sprintf("/feed-%d.txt", i)); got != round {
				t.Errorf("round %d: feed-%d was fetched %d times, want %d", round, i, got, round)
			}
		}
	}
	phase("three rounds of collections")
	owners := runOwners(t, st)
	t.Logf("collections were run by %d processes: %v", len(owners), owners)

	// 2. A session made on one replica works on the other; a user
	// disabled on one is refused on the other at once.
	boss := a.login(ctx, "boss", "boss-password-123")
	alice := a.login(ctx, "alice", "alice-password-123")
	b.wantStatus(ctx, boss, "/api/v1/counts", 200)
	b.wantStatus(ctx, alice, "/api/v1/counts", 200)
	aliceUser, err := svc.FindUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	a.disable(ctx, boss, aliceUser.ID)
	b.wantStatus(ctx, alice, "/api/v1/counts", 401)
	a.wantStatus(ctx, alice, "/api/v1/counts", 401)
	if b.tryLogin(ctx, "alice", "alice-password-123") {
		t.Error("a disabled user signed in on the other replica")
	}
	b.wantStatus(ctx, boss, "/api/v1/counts", 200)

	phase("sessions across replicas")

	// 3. An import killed with SIGKILL on a worker leaves nothing half
	// written. The big list is made due; once its import has held its
	// transaction open for a while, the process that runs it is killed.
	if _, err := st.DB().ExecContext(ctx, `UPDATE sources SET next_run_at = 0 WHERE id = $1`, big.ID); err != nil {
		t.Fatal(err)
	}
	// Once the run is recorded, everything before the import's own
	// transaction (the source's record, the run) is committed.
	var owner string
	waitFor(ctx, t, "the big list's run", func() bool { owner = runningOwner(t, st, big.ID); return owner != "" })
	before := tableMap(t, st)
	waitFor(ctx, t, "the big import's transaction", func() bool { return longTransaction(t, st) })
	victim := procs.byOwner(owner)
	if victim == nil {
		t.Fatalf("no process of the test owns the run (%s)", owner)
	}
	if !strings.HasPrefix(victim.name, "w") {
		t.Logf("a serve replica (%s) took the big list; killing it instead of a worker", victim.name)
	}
	phase("the big import runs; killing " + victim.name)
	victim.kill()
	waitFor(ctx, t, "the killed import's transaction to end", func() bool { return !longTransaction(t, st) })
	after := tableMap(t, st)
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("a killed import changed the base (-before +after):\n%s", d)
	}
	out, err := exec.CommandContext(ctx, bin, "doctor", "--db", pg).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "big-list") || !strings.Contains(string(out), "is marked running but its process is gone") {
		t.Errorf("doctor after the kill (%v):\n%s", err, out)
	}

	// The next run of the source succeeds, on the worker left.
	if _, err := st.DB().ExecContext(ctx, `UPDATE sources SET next_run_at = 0 WHERE id = $1`, big.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the big list's next run", func() bool { return strings.HasPrefix(runsBySource(t, st)[big.ID], "ok") })
	if got := runsBySource(t, st)[big.ID]; got != "ok failed " {
		t.Errorf("big-list runs %q, want the new run ok and the killed one failed (interrupted)", got)
	}
	phase("the next run of the big list succeeded")
	final := tableMap(t, st)
	if got := final["indicators"] - after["indicators"]; got != bigListSize {
		t.Errorf("the next run added %d indicators, want %d", got, bigListSize)
	}
	if out, err := exec.CommandContext(ctx, bin, "doctor", "--db", pg).CombinedOutput(); err != nil {
		t.Errorf("doctor at the end: %v\n%s", err, out)
	}
	if t.Failed() {
		procs.dumpLogs()
	}
}

// buildSpoor builds the spoor binary into a temporary directory.
func buildSpoor(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spoor")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	// The flags of this test binary, so that the build reuses the
	// packages already compiled for it.
	args := []string{"build", "-o", bin}
	if testenv.Race {
		args = append(args, "-race")
	}
	cmd := exec.Command(goBin, append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// bigListSize is how many indicators the killed import reads: enough to
// keep its transaction open for a good fraction of a second.
const bigListSize = 60000

// feedServer serves the IOC lists the sources collect, on loopback, and
// counts the fetches of each.
type feedServer struct {
	srv   *http.Server
	base  string
	mu    sync.Mutex
	count map[string]int
	big   []byte
}

func newFeedServer(t *testing.T) *feedServer {
	t.Helper()
	f := &feedServer{count: map[string]int{}}
	var b bytes.Buffer
	for i := range bigListSize {
		fmt.Fprintf(&b, "bulk-%06d.big-list.example.net\n", i)
	}
	f.big = b.Bytes()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.base = "http://" + ln.Addr().String()
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 5 * time.Second}
	go f.srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { f.srv.Close() })
	return f
}

func (f *feedServer) url(path string) string { return f.base + path }

func (f *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.count[r.URL.Path]++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	if r.URL.Path == "/big.txt" {
		w.Write(f.big) //nolint:errcheck // the collector reports a short read
		return
	}
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".txt")
	for i := range 20 {
		fmt.Fprintf(w, "%s-%02d.team-feed.example.org\n", name, i)
	}
}

func (f *feedServer) hits(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count[path]
}

// team is the processes of the deployment.
type team struct {
	t     *testing.T
	bin   string
	db    string
	mu    sync.Mutex
	procs []*proc
}

type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	log    *syncBuffer
	addr   chan string
	base   string
	client *http.Client
	done   chan struct{}
}

func (tm *team) start(ctx context.Context, name string, args ...string) *proc {
	tm.t.Helper()
	cmd := exec.Command(tm.bin, args...)
	cmd.Env = append(os.Environ(), "SPOOR_DB="+tm.db, "SPOOR_LOG_LEVEL=warn")
	p := &proc{t: tm.t, name: name, cmd: cmd, log: &syncBuffer{}, addr: make(chan string, 1), done: make(chan struct{})}
	cmd.Stderr = p.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tm.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tm.t.Fatal(err)
	}
	go func() {
		listening := regexp.MustCompile(`listening on (http://\S+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(p.log, sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				p.addr <- m[1]
			}
		}
		cmd.Wait() //nolint:errcheck // a killed process is expected
		close(p.done)
	}()
	tm.mu.Lock()
	tm.procs = append(tm.procs, p)
	tm.mu.Unlock()
	return p
}

func (tm *team) serve(ctx context.Context, name string) *proc {
	return tm.start(ctx, name, "serve", "--addr", "127.0.0.1:0")
}

func (tm *team) worker(ctx context.Context, name string) *proc {
	return tm.start(ctx, name, "worker", "--every", "200ms")
}

// byOwner finds the process whose PID a run's owner ("host:pid …") names.
func (tm *team) byOwner(owner string) *proc {
	m := regexp.MustCompile(`^[^ ]*:(\d+)`).FindStringSubmatch(owner)
	if m == nil {
		return nil
	}
	pid, _ := strconv.Atoi(m[1])
	tm.mu.Lock()
	defer tm.mu.Unlock()
	for _, p := range tm.procs {
		if p.cmd.Process.Pid == pid {
			return p
		}
	}
	return nil
}

// stop ends every process: SIGTERM, then SIGKILL for one that lingers.
func (tm *team) stop() {
	tm.mu.Lock()
	procs := tm.procs
	tm.mu.Unlock()
	for _, p := range procs {
		p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have ended
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill() //nolint:errcheck // last resort
			<-p.done
		}
	}
}

func (tm *team) dumpLogs() {
	for _, p := range tm.procs {
		tm.t.Logf("--- %s output:\n%s", p.name, p.log.String())
	}
}

func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("kill %s: %v", p.name, err)
	}
	<-p.done
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		p.t.Fatalf("%s ended with %v, want killed by SIGKILL", p.name, p.cmd.ProcessState)
	}
}

// waitReady waits for a replica's address and a 200 from its /readyz.
func (p *proc) waitReady(ctx context.Context) {
	p.t.Helper()
	select {
	case p.base = <-p.addr:
	case <-p.done:
		p.t.Fatalf("%s ended before it listened:\n%s", p.name, p.log)
	case <-ctx.Done():
		p.t.Fatalf("%s did not listen:\n%s", p.name, p.log)
	}
	p.client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	waitFor(ctx, p.t, p.name+" ready", func() bool {
		resp, err := p.client.Get(p.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// tryLogin signs in through the login form and returns whether it worked.
func (p *proc) tryLogin(ctx context.Context, login, password string) bool {
	_, ok := p.session(ctx, login, password)
	return ok
}

func (p *proc) login(ctx context.Context, login, password string) *http.Cookie {
	p.t.Helper()
	c, ok := p.session(ctx, login, password)
	if !ok {
		p.t.Fatalf("%s: %s cannot sign in", p.name, login)
	}
	return c
}

func (p *proc) session(ctx context.Context, login, password string) (*http.Cookie, bool) {
	p.t.Helper()
	form := url.Values{"login": {login}, "password": {password}}
	req, _ := http.NewRequestWithContext(ctx, "POST", p.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "spoor_session" && c.Value != "" && resp.StatusCode == http.StatusSeeOther {
			return c, true
		}
	}
	return nil, false
}

func (p *proc) get(ctx context.Context, c *http.Cookie, path string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.base+path, nil)
	req.AddCookie(c)
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (p *proc) wantStatus(ctx context.Context, c *http.Cookie, path string, want int) {
	p.t.Helper()
	if got, body := p.get(ctx, c, path); got != want {
		p.t.Errorf("%s GET %s: %d, want %d: %.200s", p.name, path, got, want, body)
	}
}

// disable disables a user through the API, as an admin's browser would:
// session cookie and the CSRF token of its pages.
func (p *proc) disable(ctx context.Context, admin *http.Cookie, userID int64) {
	p.t.Helper()
	_, page := p.get(ctx, admin, "/users")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		p.t.Fatalf("%s: no CSRF token on /users", p.name)
	}
	body, _ := json.Marshal(map[string]bool{"enabled": false})
	req, _ := http.NewRequestWithContext(ctx, "PATCH", fmt.Sprintf("%s/api/v1/users/%d", p.base, userID), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", m[1])
	req.AddCookie(admin)
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		p.t.Fatalf("%s: disable user %d: %d %s", p.name, userID, resp.StatusCode, b)
	}
}

// waitFor polls cond until it holds, or fails the test when ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// finishedRuns counts the finished runs of the sources.
func finishedRuns(t *testing.T, st *store.Store, ids []int64) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM collection_runs WHERE source_id = ANY($1) AND status <> 'running'`, ids).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// runsBySource lists each source's run statuses, newest first ("ok ok ").
func runsBySource(t *testing.T, st *store.Store) map[int64]string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT source_id, status FROM collection_runs ORDER BY id DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var status string
		if err := rows.Scan(&id, &status); err != nil {
			t.Fatal(err)
		}
		out[id] += status + " "
	}
	return out
}

func runOwners(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT DISTINCT owner FROM collection_runs ORDER BY owner`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

func runningOwner(t *testing.T, st *store.Store, sourceID int64) string {
	t.Helper()
	var owner string
	err := st.DB().QueryRow(`SELECT owner FROM collection_runs WHERE source_id = $1 AND status = 'running'`, sourceID).Scan(&owner)
	if err != nil {
		return ""
	}
	return owner
}

// longTransaction reports whether another session of this database has
// held a transaction that wrote something for over half a second: only
// an import does.
func longTransaction(t *testing.T, st *store.Store) bool {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
	AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL AND now() - xact_start > interval '500 milliseconds'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func tableMap(t *testing.T, st *store.Store) map[string]int64 {
	t.Helper()
	counts, err := st.TableCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, c := range counts {
		m[c.Table] = c.Rows
	}
	return m
}
