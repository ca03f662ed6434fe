// Command loadbench puts a running spoor server under concurrent read load
// on loopback and reports, per route, the latency percentiles, the errors
// (non-2xx answers, timeouts) and the server's resident memory peak.
//
//	loadbench -serve bin/spoor -db mirror.db            start the server as a child, with a user of its own
//	loadbench -url http://127.0.0.1:8080 -login u -password-stdin [-pid PID]
//	                                                    load a server already running
//
// The run is bounded both by request count (-n) and by time (-duration);
// -clients requests are in flight at any moment. The mix (-mix) names the
// routes and their weights; see routes in mix.go. The client runs on one
// core by default (-procs) so that it takes as little as it can from the
// server it measures when both share a small machine.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

type options struct {
	url, login, password, token string
	serve, db                   string
	serveArgs                   string
	pid                         int
	clients, n                  int
	duration, timeout           time.Duration
	mix, group, jsonOut         string
	procs                       int
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "", "base URL of a running server (without -serve)")
	fs.StringVar(&o.login, "login", "loadbench", "user to sign in as (with -serve: created as a reader, or given a new password)")
	pwStdin := fs.Bool("password-stdin", false, "read the user's password from the first line of stdin (without -serve)")
	fs.StringVar(&o.token, "token", "", "API token to send as Bearer instead of signing in (API routes only)")
	fs.StringVar(&o.serve, "serve", "", "spoor binary to start as `spoor serve --no-scheduler` on a free loopback port")
	fs.StringVar(&o.db, "db", "", "with -serve: the store to serve (SQLite file or postgres:// URL)")
	fs.StringVar(&o.serveArgs, "serve-args", "", "with -serve: more flags for spoor serve, space-separated")
	fs.IntVar(&o.pid, "pid", 0, "without -serve: the server's process ID, to read its memory from /proc")
	fs.IntVar(&o.clients, "clients", 50, "concurrent clients")
	fs.IntVar(&o.n, "n", 5000, "requests in all (the run ends at -n or -duration, whichever comes first)")
	fs.DurationVar(&o.duration, "duration", time.Minute, "longest run")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "a request taking longer counts as a timeout")
	fs.StringVar(&o.mix, "mix", defaultMix, "routes and weights: name=weight,… or name:/path=weight")
	fs.StringVar(&o.group, "group", "APT28", "the group whose page and API record {group} stands for")
	fs.StringVar(&o.jsonOut, "json", "", "also write the figures as JSON to this file")
	fs.IntVar(&o.procs, "procs", 1, "GOMAXPROCS of the load generator")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.clients < 1 || o.n < 1 || o.duration <= 0 || o.timeout <= 0 {
		return errors.New("-clients, -n, -duration and -timeout must be above 0")
	}
	ts, err := parseMix(o.mix)
	if err != nil {
		return err
	}
	runtime.GOMAXPROCS(o.procs)

	if o.serve != "" {
		if o.url != "" || o.pid != 0 {
			return errors.New("-serve starts its own server: leave out -url and -pid")
		}
		srv, err := startServer(ctx, o, stderr)
		if err != nil {
			return err
		}
		defer srv.stop()
		o.url, o.password, o.pid = srv.url, srv.password, srv.cmd.Process.Pid
	} else {
		if o.url == "" {
			return errors.New("give -serve BIN -db DB, or -url of a running server")
		}
		if *pwStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("no password on stdin")
			}
			o.password = strings.TrimRight(line, "\r\n")
		}
	}
	o.url = strings.TrimRight(o.url, "/")

	c, err := newClient(ctx, o)
	if err != nil {
		return err
	}
	if err := c.resolve(ctx, ts, o.group); err != nil {
		return err
	}
	// One untimed request per route first: caches that fill on first use
	// (the fingerprints behind the group page) are not what this measures.
	// A server with a tight time limit may answer the first of them 503
	// while it fills the cache: three tries each.
	for _, t := range ts {
		var out outcome
		for range 3 {
			if out = c.do(ctx, 0, t.Path, o.timeout); out.err == "" {
				break
			}
		}
		if out.err != "" {
			return fmt.Errorf("warm-up %s %s: %s", t.Name, t.Path, out.err)
		}
	}

	before := memory{}
	if o.pid != 0 {
		if before, err = readMemory(o.pid); err != nil {
			return err
		}
	}
	peak := newSampler(o.pid)
	start := time.Now()
	outs := c.load(ctx, ts, o)
	elapsed := time.Since(start)
	rssPeak, hwm := peak.stop()

	stats, all := summarise(ts, outs)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(stdout, "%d requests in %.1f s (%.1f requests/s), %d clients, %d errors; load average %s\n",
		all.Requests, elapsed.Seconds(), float64(all.Requests)/elapsed.Seconds(), o.clients, all.Errors, strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	if o.pid != 0 {
		fmt.Fprintf(stdout, "server RSS: %d MB before, %d MB peak during the run (sampled), VmHWM %d MB\n", before.RSS/1024, rssPeak/1024, hwm/1024)
	}
	writeTable(stdout, stats, all)
	if o.jsonOut != "" {
		b, err := json.MarshalIndent(map[string]any{
			"requests": all.Requests, "seconds": elapsed.Seconds(), "clients": o.clients,
			"routes": stats, "all": all, "rss_peak_kb": rssPeak, "vmhwm_kb": hwm,
		}, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// client holds the signed-in HTTP client.
type client struct {
	http  *http.Client
	base  string
	token string
}

func newClient(ctx context.Context, o options) (*client, error) {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConns: o.clients * 2, MaxIdleConnsPerHost: o.clients * 2, IdleConnTimeout: time.Minute}
	c := &client{
		http: &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect to /login is an error, not a page
		}},
		base: o.url, token: o.token,
	}
	if o.token != "" {
		return c, nil
	}
	if o.password == "" {
		return nil, errors.New("no password: give -password-stdin, -token, or -serve")
	}
	form := url.Values{"login": {o.login}, "password": {o.password}, "next": {"/"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	u, _ := url.Parse(c.base)
	if res.StatusCode != http.StatusSeeOther || len(jar.Cookies(u)) == 0 {
		return nil, fmt.Errorf("sign in as %s: status %d, no session cookie", o.login, res.StatusCode)
	}
	return c, nil
}

// resolve replaces {group} in the targets' paths with the group's ID.
func (c *client) resolve(ctx context.Context, ts []target, name string) error {
	need := false
	for _, t := range ts {
		need = need || strings.Contains(t.Path, "{group}")
	}
	if !need {
		return nil
	}
	var page struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := c.getJSON(ctx, "/api/v1/groups?prefix="+url.QueryEscape(name), &page); err != nil {
		return fmt.Errorf("find group %s: %w", name, err)
	}
	for _, g := range page.Items {
		if strings.EqualFold(g.Name, name) {
			for i := range ts {
				ts[i].Path = strings.ReplaceAll(ts[i].Path, "{group}", strconv.FormatInt(g.ID, 10))
			}
			return nil
		}
	}
	return fmt.Errorf("no group named %s in the served store", name)
}

func (c *client) getJSON(ctx context.Context, path string, v any) error {
	req, err := c.request(ctx, path)
	if err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

func (c *client) request(ctx context.Context, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// do makes one request and reads the whole answer: the time counted is
// until the last byte, as a browser would wait for it.
func (c *client) do(ctx context.Context, route int, path string, timeout time.Duration) outcome {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	o := outcome{route: route}
	start := time.Now()
	req, err := c.request(ctx, path)
	if err != nil {
		o.err = err.Error()
		return o
	}
	res, err := c.http.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		o.status = res.StatusCode
	}
	o.elapsed = time.Since(start)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		o.err = "timeout"
	case err != nil:
		o.err = "transport error"
	case o.status < 200 || o.status > 299:
		o.err = "status " + strconv.Itoa(o.status)
	}
	return o
}

// load runs the clients until n requests were made or the duration ran
// out, and returns every request's outcome. A request cut short by the
// end of the duration is not counted.
func (c *client) load(ctx context.Context, ts []target, o options) []outcome {
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	cycle := schedule(ts)
	var next atomic.Int64
	results := make([][]outcome, o.clients)
	var wg sync.WaitGroup
	for w := range o.clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(o.n) {
					return
				}
				r := cycle[i%int64(len(cycle))]
				out := c.do(ctx, r, ts[r].Path, o.timeout)
				if ctx.Err() != nil && out.err != "" {
					return // the run ended under it
				}
				results[w] = append(results[w], out)
			}
		})
	}
	wg.Wait()
	var all []outcome
	for _, r := range results {
		all = append(all, r...)
	}
	return all
}

// sampler reads a process's VmRSS every 100 ms and keeps the largest.
type sampler struct {
	pid  int
	done chan struct{}
	wg   sync.WaitGroup
	peak int64
	hwm  int64
}

func newSampler(pid int) *sampler {
	s := &sampler{pid: pid, done: make(chan struct{})}
	if pid == 0 {
		return s
	}
	s.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := readMemory(pid); err == nil {
				s.peak, s.hwm = max(s.peak, m.RSS), m.HWM
			}
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *sampler) stop() (peak, hwm int64) {
	close(s.done)
	s.wg.Wait()
	if s.pid != 0 {
		if m, err := readMemory(s.pid); err == nil {
			s.peak, s.hwm = max(s.peak, m.RSS), m.HWM
		}
	}
	return s.peak, s.hwm
}

// server is a spoor serve started by -serve.
type server struct {
	cmd      *exec.Cmd
	url      string
	password string
}

// startServer gives the -login user a fresh random password (adding it as
// a reader when it is missing), then starts spoor serve on a free loopback
// port and waits until it says where it listens.
func startServer(ctx context.Context, o options, stderr io.Writer) (*server, error) {
	if o.db == "" {
		return nil, errors.New("-serve needs -db")
	}
	b := make([]byte, 16)
	rand.Read(b)
	pw := hex.EncodeToString(b)
	user := func(args ...string) error {
		cmd := exec.CommandContext(ctx, o.serve, append(args, "--password-stdin", "--db", o.db)...)
		cmd.Stdin = strings.NewReader(pw + "\n")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %w: %s", o.serve, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := user("user", "add", o.login, "--role", "reader"); err != nil {
		if err2 := user("user", "passwd", o.login); err2 != nil {
			return nil, fmt.Errorf("%w; and then %w", err, err2)
		}
	}
	args := append([]string{"serve", "--db", o.db, "--addr", "127.0.0.1:0", "--no-scheduler"}, strings.Fields(o.serveArgs)...)
	cmd := exec.Command(o.serve, args...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.serve, err)
	}
	s := &server{cmd: cmd, password: pw}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, addr, ok := strings.Cut(sc.Text(), " listening on "); ok {
				select {
				case found <- strings.TrimSpace(addr):
				default:
				}
			}
		}
	}()
	select {
	case s.url = <-found:
		return s, nil
	case <-time.After(2 * time.Minute):
	case <-ctx.Done():
	}
	s.stop()
	return nil, fmt.Errorf("%s serve did not say where it listens within 2 minutes", o.serve)
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}
