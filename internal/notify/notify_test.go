package notify_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/notify"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
)

type fixture struct {
	st    *store.Store
	user  *intel.User
	group *intel.Object
	ind   *intel.Indicator // an indicator of the group, by an attributed event
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.UseSecrets(secret.NewBox(secret.NewKey()))
	ctx := intel.WithActor(context.Background(), intel.Actor{Login: "test"})
	u := &intel.User{Login: "ana", Role: intel.RoleAnalyst, Enabled: true, PasswordHash: "x", CreatedAt: time.Now()}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	g := &intel.Object{Kind: intel.KindGroup, Name: "APT28", Aliases: []string{"Fancy Bear"}, Confidence: 1}
	if err := st.CreateObject(ctx, g); err != nil {
		t.Fatal(err)
	}
	// An IOC list whose event names the group, as collections bring them.
	_, err = st.ImportIndicators(ctx, &intel.IndicatorBatch{
		Sources:    []intel.Source{{Name: "apt-iocs", Kind: intel.SourceIOCList, Credibility: 1}},
		Events:     []intel.EventRow{{Key: "wave-1", Title: "Phishing wave", GroupLabel: "APT28"}},
		Indicators: []intel.IndicatorRow{{Type: intel.IndicatorDomain, Value: "c2.fancy.example", Confidence: 0.9, Event: 1}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := st.FindIndicators(ctx, intel.IndicatorFilter{Value: "c2.fancy.example"})
	if err != nil || len(in.Items) != 1 {
		t.Fatalf("indicator %v, %v", in, err)
	}
	return &fixture{st: st, user: u, group: g, ind: in.Items[0], ctx: ctx}
}

// receiver is a webhook endpoint that checks signatures and fails the
// first fail requests.
type receiver struct {
	mu     sync.Mutex
	secret string
	fail   int
	got    []notify.Payload
	bad    []string
	calls  int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	body, _ := io.ReadAll(r.Body)
	ts, err := strconv.ParseInt(r.Header.Get(notify.HeaderTimestamp), 10, 64)
	want := notify.Sign(rc.secret, ts, body)
	if err != nil || !hmac.Equal([]byte(r.Header.Get(notify.HeaderSignature)), []byte(want)) {
		rc.bad = append(rc.bad, r.Header.Get(notify.HeaderSignature))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.fail > 0 {
		rc.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.bad = append(rc.bad, err.Error())
	}
	rc.got = append(rc.got, p)
}

func TestGroupWatchCollectionAndWebhook(t *testing.T) {
	f := newFixture(t)
	svc := notify.New(f.st, notify.Options{AllowPrivate: true, Backoff: time.Millisecond, Attempts: 3})
	rc := &receiver{fail: 1}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hook := &intel.Webhook{UserID: f.user.ID, Name: "soc", URL: srv.URL + "/hook"}
	plain, err := svc.AddWebhook(f.ctx, hook, "")
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = plain
	if !strings.HasPrefix(plain, "whsec_") || hook.Fingerprint != store.SecretFingerprint(plain) {
		t.Errorf("secret %q, fingerprint %q", plain, hook.Fingerprint)
	}
	hooks, err := f.st.FindWebhooks(f.ctx, f.user.ID)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks %v, %v", hooks, err)
	}
	js, _ := json.Marshal(hooks[0])
	if strings.Contains(string(js), plain) || strings.Contains(string(js), "enc:v1") {
		t.Errorf("a listed webhook shows its secret: %s", js)
	}

	w := &intel.Watch{UserID: f.user.ID, Kind: intel.WatchGroup, Target: "Fancy Bear"}
	if err := svc.AddWatch(f.ctx, w); err != nil {
		t.Fatal(err)
	}
	if w.ObjectID != f.group.ID || w.Target != "APT28" {
		t.Errorf("watch = %+v, want APT28 by its alias", w)
	}
	if err := svc.AddWatch(f.ctx, &intel.Watch{UserID: f.user.ID, Kind: intel.WatchGroup, Target: "APT28"}); intel.ErrorCode(err) != intel.CodeConflict {
		t.Errorf("the same watch again: %v, want conflict", err)
	}

	// A run that started after the indicator changed tells nothing.
	svc.Collected(f.ctx, &intel.CollectionRun{ID: 1, SourceName: "vendor", Status: intel.RunOK, StartedAt: time.Now().Add(time.Hour)})
	svc.Wait()
	if n, _ := f.st.CountUnread(f.ctx, f.user.ID); n != 0 {
		t.Fatalf("unread after an empty run = %d", n)
	}
	svc.Collected(f.ctx, &intel.CollectionRun{ID: 2, SourceName: "vendor", Status: intel.RunOK, StartedAt: time.Now().Add(-time.Hour)})
	svc.Wait()
	ns, err := f.st.FindNotifications(f.ctx, f.user.ID, 10)
	if err != nil || len(ns) != 1 {
		t.Fatalf("notifications %+v, %v; want one", ns, err)
	}
	if n := ns[0]; n.Title != "1 indicators of APT28 new or changed" || n.Link != "/groups/"+strconv.FormatInt(f.group.ID, 10) || n.Event != intel.NotifyCollection {
		t.Errorf("notification = %+v", n)
	}
	if len(rc.bad) > 0 || len(rc.got) != 1 || rc.got[0].ID != ns[0].ID || rc.calls != 2 {
		t.Fatalf("receiver: got %+v, bad %v, calls %d; want one signed delivery after one failure", rc.got, rc.bad, rc.calls)
	}
	ds, err := f.st.FindDeliveries(f.ctx, hook.ID, 10)
	if err != nil || len(ds) != 2 || ds[0].Status != intel.DeliveryOK || ds[1].Status != intel.DeliveryRetry || ds[1].HTTPStatus != 503 {
		t.Errorf("delivery log %+v, %v; want a retry (503) then delivered", ds, err)
	}
	if err := f.st.MarkNotificationsRead(f.ctx, f.user.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.st.CountUnread(f.ctx, f.user.ID); n != 0 {
		t.Errorf("unread after reading = %d", n)
	}
}

func TestSightingsNotifyTypeWatch(t *testing.T) {
	f := newFixture(t)
	svc := notify.New(f.st, notify.Options{})
	reader := &intel.User{Login: "rita", Role: intel.RoleReader, Enabled: true, PasswordHash: "x", CreatedAt: time.Now()}
	if err := f.st.CreateUser(f.ctx, reader); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*intel.Watch{
		{UserID: f.user.ID, Kind: intel.WatchType, Target: "Domain"},
		{UserID: reader.ID, Kind: intel.WatchType, Target: "domain"},
		{UserID: f.user.ID, Kind: intel.WatchType, Target: "ipv4"},
	} {
		if err := svc.AddWatch(f.ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	red := &intel.Indicator{Type: intel.IndicatorDomain, Value: "red.fancy.example", Confidence: 0.9, TLP: intel.TLPRed}
	if err := f.st.CreateIndicator(f.ctx, red); err != nil {
		t.Fatal(err)
	}
	sg := &intel.Sighting{IndicatorID: red.ID, Count: 2, Sensor: "proxy-1", SeenAt: time.Now()}
	if err := f.st.RecordSightings(f.ctx, []*intel.Sighting{sg}); err != nil {
		t.Fatal(err)
	}
	svc.Sighted(f.ctx, []*intel.Sighting{sg})
	mine, _ := f.st.FindNotifications(f.ctx, f.user.ID, 10)
	if len(mine) != 1 || mine[0].Title != "domain red.fancy.example seen on proxy-1" || mine[0].Event != intel.NotifySighting {
		t.Errorf("analyst's notifications = %+v", mine)
	}
	if theirs, _ := f.st.FindNotifications(f.ctx, reader.ID, 10); len(theirs) != 0 {
		t.Errorf("a reader was told of a TLP:RED sighting: %+v", theirs)
	}
}

func TestSearchWatchTellsOnlyNewHits(t *testing.T) {
	f := newFixture(t)
	svc := notify.New(f.st, notify.Options{})
	if err := svc.AddWatch(f.ctx, &intel.Watch{UserID: f.user.ID, Kind: intel.WatchSearch, Target: "fancy"}); err != nil {
		t.Fatal(err)
	}
	run := &intel.CollectionRun{ID: 1, SourceName: "blog", Status: intel.RunOK, StartedAt: time.Now()}
	svc.Collected(f.ctx, run)
	if n, _ := f.st.CountUnread(f.ctx, f.user.ID); n != 0 {
		t.Fatalf("hits known when the watch was made notified: %d", n)
	}
	if err := f.st.CreateDocument(f.ctx, &intel.Document{Title: "Fancy new lure", Text: "The fancy lure came by mail."}); err != nil {
		t.Fatal(err)
	}
	svc.Collected(f.ctx, run)
	svc.Collected(f.ctx, run) // told once
	ns, _ := f.st.FindNotifications(f.ctx, f.user.ID, 10)
	if len(ns) != 1 || ns[0].Hits != 1 || !strings.Contains(ns[0].Detail, "Fancy new lure") || ns[0].Link != "/search?q=fancy" {
		t.Errorf("notifications = %+v", ns)
	}
}

func TestWebhookTargets(t *testing.T) {
	f := newFixture(t)
	strict := notify.New(f.st, notify.Options{Backoff: time.Millisecond, Attempts: 3})
	for _, u := range []string{"http://127.0.0.1:9/hook", "http://[::1]/x", "http://169.254.169.254/latest", "http://localhost/x",
		"ftp://example.com/x", "http://user:pw@example.com/", "not a url"} {
		if _, err := strict.AddWebhook(f.ctx, &intel.Webhook{UserID: f.user.ID, Name: "x", URL: u}, ""); intel.ErrorCode(err) != intel.CodeInvalid {
			t.Errorf("webhook %q: err = %v, want invalid", u, err)
		}
	}
	if _, err := strict.AddWebhook(f.ctx, &intel.Webhook{UserID: f.user.ID, Name: "x", URL: "https://hooks.example.com/x"}, "short"); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("short secret: %v, want invalid", err)
	}

	// A name that resolves to a private address passes the form but is
	// refused when dialled: one attempt, logged as failed, no retries.
	rc := &receiver{secret: "0123456789abcdef-secret"}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	h := &intel.Webhook{UserID: f.user.ID, Name: "sneaky", URL: "http://localtest.invalid" + port + "/hook"}
	lenient := notify.New(f.st, notify.Options{AllowPrivate: true})
	if _, err := lenient.AddWebhook(f.ctx, h, rc.secret); err != nil {
		t.Fatal(err)
	}
	// Point it at the loopback receiver by address, for the strict
	// service: the dial guard must refuse it.
	if _, err := f.st.DB().ExecContext(f.ctx, `UPDATE webhooks SET url = ? WHERE id = ?`, srv.URL+"/hook", h.ID); err != nil {
		t.Fatal(err)
	}
	if err := strict.AddWatch(f.ctx, &intel.Watch{UserID: f.user.ID, Kind: intel.WatchType, Target: "domain"}); err != nil {
		t.Fatal(err)
	}
	strict.Collected(f.ctx, &intel.CollectionRun{ID: 1, SourceName: "v", Status: intel.RunOK, StartedAt: time.Now().Add(-time.Hour)})
	strict.Wait()
	ds, _ := f.st.FindDeliveries(f.ctx, h.ID, 10)
	if len(ds) != 1 || ds[0].Status != intel.DeliveryFailed || !strings.Contains(ds[0].Error, "private") || rc.calls != 0 {
		t.Errorf("delivery to a private address: log %+v, receiver calls %d; want one refused attempt", ds, rc.calls)
	}

	// A receiver that always fails: every attempt is logged, the last as
	// failed.
	fails := &receiver{secret: rc.secret, fail: 100}
	srv2 := httptest.NewServer(fails)
	defer srv2.Close()
	h2 := &intel.Webhook{UserID: f.user.ID, Name: "down", URL: srv2.URL}
	retrying := notify.New(f.st, notify.Options{AllowPrivate: true, Backoff: time.Millisecond, Attempts: 3})
	if _, err := retrying.AddWebhook(f.ctx, h2, rc.secret); err != nil {
		t.Fatal(err)
	}
	retrying.Collected(f.ctx, &intel.CollectionRun{ID: 2, SourceName: "v", Status: intel.RunOK, StartedAt: time.Now().Add(-time.Hour)})
	retrying.Wait()
	ds, _ = f.st.FindDeliveries(f.ctx, h2.ID, 10)
	if len(ds) != 3 || ds[0].Status != intel.DeliveryFailed || ds[0].Attempt != 3 || ds[1].Status != intel.DeliveryRetry || fails.calls != 3 {
		t.Errorf("failing receiver: log %+v, calls %d; want 3 attempts, the last failed", ds, fails.calls)
	}
}

// Sightings a collection imported (STIX sighting objects, MISP
// sightings) notify the watchers of their indicators' groups.
func TestCollectedSightings(t *testing.T) {
	f := newFixture(t)
	svc := notify.New(f.st, notify.Options{})
	if err := svc.AddWatch(f.ctx, &intel.Watch{UserID: f.user.ID, Kind: intel.WatchGroup, Target: "APT28"}); err != nil {
		t.Fatal(err)
	}
	started := time.Now().Add(-time.Minute)
	sg := &intel.Sighting{IndicatorID: f.ind.ID, Count: 4, SeenAt: time.Now(), Origin: intel.SightingSTIX}
	if err := f.st.RecordSightings(f.ctx, []*intel.Sighting{sg}); err != nil {
		t.Fatal(err)
	}
	svc.Collected(f.ctx, &intel.CollectionRun{ID: 3, SourceName: "partner TAXII", Status: intel.RunOK, StartedAt: started})
	ns, _ := f.st.FindNotifications(f.ctx, f.user.ID, 10)
	var events []string
	for _, n := range ns {
		events = append(events, n.Event+": "+n.Title+" ("+n.Detail+")")
	}
	want := []string{
		"sighting: domain c2.fancy.example seen (imported from partner TAXII)",
		"collection: 1 indicators of APT28 new or changed (collected from partner TAXII)",
	}
	if strings.Join(events, "\n") != strings.Join(want, "\n") {
		t.Errorf("notifications:\n%s\nwant:\n%s", strings.Join(events, "\n"), strings.Join(want, "\n"))
	}
}

// Close gives up the retries that wait, logging them as failed.
func TestCloseGivesUpRetries(t *testing.T) {
	f := newFixture(t)
	svc := notify.New(f.st, notify.Options{AllowPrivate: true, Backoff: time.Hour, Attempts: 5})
	rc := &receiver{secret: "0123456789abcdef-secret", fail: 100}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := &intel.Webhook{UserID: f.user.ID, Name: "down", URL: srv.URL}
	if _, err := svc.AddWebhook(f.ctx, h, rc.secret); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddWatch(f.ctx, &intel.Watch{UserID: f.user.ID, Kind: intel.WatchType, Target: "domain"}); err != nil {
		t.Fatal(err)
	}
	svc.Collected(f.ctx, &intel.CollectionRun{ID: 1, SourceName: "v", Status: intel.RunOK, StartedAt: time.Now().Add(-time.Hour)})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ds, _ := f.st.FindDeliveries(f.ctx, h.ID, 10); len(ds) > 0 {
			break
		}
	}
	done := make(chan struct{})
	go func() { svc.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited out an hour's backoff")
	}
	ds, _ := f.st.FindDeliveries(f.ctx, h.ID, 10)
	if len(ds) != 2 || ds[0].Status != intel.DeliveryFailed || !strings.Contains(ds[0].Error, "stopped") || ds[1].Status != intel.DeliveryRetry {
		t.Errorf("delivery log %+v; want a retry, then a failure for the stop", ds)
	}
}
