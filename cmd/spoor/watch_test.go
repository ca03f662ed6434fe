package main

import (
	"crypto/hmac"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/notify"
	"github.com/spoor/spoor/internal/store/sqlite"
)

func TestWatchCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json", "--credibility", "1")
	c.ok("user", "add", "--role", "analyst", "alice")

	out := c.ok("watch", "add", "alice", "--group", "Fancy Bear")
	if !regexp.MustCompile(`^watch \d+: alice watches group APT28\n$`).MatchString(out) {
		t.Errorf("watch add = %q", out)
	}
	c.ok("watch", "add", "alice", "--type", "domain")
	for _, args := range [][]string{
		{"watch", "add", "alice"},
		{"watch", "add", "alice", "--type", "ipv4", "--group", "APT28"},
		{"watch", "remove", "x"},
		{"watch", "fly"},
	} {
		var ue *usageError
		if _, _, err := c.run("", args...); err == nil || !asUsage(err, &ue) {
			t.Errorf("spoor %s: err = %v, want a usage error", strings.Join(args, " "), err)
		}
	}
	if _, _, err := c.run("", "watch", "add", "alice", "--group", "Nobody"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("unknown group: %v", err)
	}
	if _, _, err := c.run("", "watch", "hook", "alice", "http://127.0.0.1:8080/x", "--name", "local"); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("loopback webhook: %v, want invalid", err)
	}
	ws := decode[[]intel.Watch](t, c.ok("watch", "list", "--format", "json"))
	if len(ws) != 2 || ws[0].Target != "APT28" || ws[1].Kind != intel.WatchType {
		t.Fatalf("watch list = %+v", ws)
	}
	c.ok("watch", "remove", strconv.FormatInt(ws[1].ID, 10))
	if ws := decode[[]intel.Watch](t, c.ok("watch", "list", "alice", "--format", "json")); len(ws) != 1 {
		t.Errorf("after remove: %+v", ws)
	}
	hook := c.ok("watch", "hook", "alice", "https://hooks.example.com/spoor", "--name", "soc")
	m := regexp.MustCompile(`secret fingerprint ([0-9a-f]{16})\nsigning secret \(shown once\): (whsec_\S+)\n`).FindStringSubmatch(hook)
	if m == nil {
		t.Fatalf("watch hook = %q", hook)
	}
	hooks := c.ok("watch", "hooks", "alice")
	if !strings.Contains(hooks, m[1]) || strings.Contains(hooks, m[2]) {
		t.Errorf("watch hooks shows %q; want the fingerprint, never the secret", hooks)
	}
}

func asUsage(err error, ue **usageError) bool {
	u, ok := err.(*usageError)
	*ue = u
	return ok
}

// TestImportNotifiesWatchers imports an IOC list with indicators of a
// watched group: the watcher gets a notification, and the delivery to
// their webhook is attempted (and logged) before the command returns.
func TestImportNotifiesWatchers(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json", "--credibility", "1")
	c.ok("user", "add", "--role", "analyst", "alice")
	c.ok("watch", "add", "alice", "--group", "APT28")

	var mu sync.Mutex
	var bodies []string
	secret := "a-signing-secret-for-the-test"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(notify.HeaderTimestamp), 10, 64)
		if !hmac.Equal([]byte(r.Header.Get(notify.HeaderSignature)), []byte(notify.Sign(secret, ts, body))) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		bodies = append(bodies, string(body))
		mu.Unlock()
	}))
	defer srv.Close()
	// The CLI refuses loopback targets; the test adds its receiver
	// through a lenient service on the same database.
	cfg, err := config.FromEnv(c.getenv)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{cfg: cfg, getenv: c.getenv, stdout: io.Discard, stderr: io.Discard}
	st, err := e.openStore(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.FindUserByLogin(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := notify.New(st, notify.Options{AllowPrivate: true}).AddWebhook(t.Context(), &intel.Webhook{UserID: u.ID, Name: "test", URL: srv.URL}, secret); err != nil {
		t.Fatal(err)
	}
	st.Close()

	c.ok("import", "stix", hostileBundle(t, t.TempDir()), "--credibility", "1")
	c.ok("import", "apt-iocs", "../../internal/collect/ioclist/testdata/apt-iocs.csv", "--credibility", "1")
	st, err = sqlite.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ns, err := st.FindNotifications(t.Context(), u.ID, 10)
	if err != nil || len(ns) != 1 || !strings.Contains(ns[0].Title, "indicators of APT28 new or changed") || !strings.Contains(ns[0].Detail, "apt-iocs") {
		t.Fatalf("notifications %+v, %v; want one for the IOC list's APT28 indicators", ns[0], err)
	}
	hooks, _ := st.FindWebhooks(t.Context(), u.ID)
	ds, _ := st.FindDeliveries(t.Context(), hooks[0].ID, 10)
	mu.Lock()
	defer mu.Unlock()
	// The command's notifier keeps the crawler's guard: the loopback
	// receiver is refused on the socket, once, and the refusal is logged.
	if len(bodies) != 0 || len(ds) != 1 || ds[0].Status != intel.DeliveryFailed || !strings.Contains(ds[0].Error, "private") {
		t.Errorf("webhook got %q, delivery log %+v; want one refused attempt", bodies, ds)
	}
}
