package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/web"
)

// slowStore is a store whose counts and search never come back on their
// own: they wait until the request's context ends, as a query stuck on a
// huge scan would, and fail with the context's error.
type slowStore struct {
	web.Store
	entered chan struct{} // receives once per call that started waiting
	// hold, when set, is waited for instead of the context: a query that
	// does not notice the context ending holds its slot past the limit.
	hold chan struct{}
}

func (s *slowStore) wait(ctx context.Context) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	if s.hold != nil {
		<-s.hold
	}
	<-ctx.Done()
	return fmt.Errorf("store: counts: %w", ctx.Err())
}

func (s *slowStore) Counts(ctx context.Context) (intel.Counts, error) {
	return nil, s.wait(ctx)
}

func (s *slowStore) Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error) {
	return nil, s.wait(ctx)
}

func newSlowEnv(t *testing.T, maxReads int, limit time.Duration) (*testEnv, *slowStore) {
	slow := &slowStore{entered: make(chan struct{}, 1)}
	e := newEnvWith(t, func(d *web.Deps) {
		slow.Store = d.Store
		d.Store = slow
		d.ReadTimeout = limit
		d.MaxReads = maxReads
	})
	return e, slow
}

// TestReadTimeLimit: a read whose query does not finish is stopped at the
// time limit and answers 503 with the timeout code, as a JSON error under
// /api and as an error page otherwise; the server logs the stop.
func TestReadTimeLimit(t *testing.T) {
	// The limit leaves the group page, a read of thirty queries that is
	// not stuck, time to answer under the race detector on a loaded machine.
	e, _ := newSlowEnv(t, 4, 500*time.Millisecond)
	runScenarios(t, e, []scenario{
		{Name: "API counts", As: "reader", URL: "/api/v1/counts", ExpectedStatus: http.StatusServiceUnavailable,
			ExpectedContent: []string{`"code":"timeout"`, "took longer than its time limit of 500ms"}},
		{Name: "API search", Bearer: "reader", URL: "/api/v1/search?q=com", ExpectedStatus: http.StatusServiceUnavailable,
			ExpectedContent: []string{`"code":"timeout"`, "took longer than its time limit"}},
		{Name: "dashboard", As: "reader", URL: "/", ExpectedStatus: http.StatusServiceUnavailable,
			ExpectedContent: []string{"took longer than its time limit of 500ms"}},
		{Name: "search page", As: "reader", URL: "/search?q=com", ExpectedStatus: http.StatusServiceUnavailable,
			ExpectedContent: []string{"took longer than its time limit"}},
		// Reads that need neither answer as before.
		{Name: "group page", As: "reader", URL: fmt.Sprintf("/groups/%d", e.Group.ID), ExpectedStatus: http.StatusOK},
	})
	if log := e.Log.String(); !strings.Contains(log, "read stopped at its time limit") || !strings.Contains(log, "path=/api/v1/counts") {
		t.Errorf("the server did not log the stopped reads:\n%s", log)
	}
	if strings.Contains(e.Log.String(), "count notifications") {
		t.Errorf("the timeout page asked for the notification count past the limit:\n%s", e.Log.String())
	}
}

// TestReadSlots: with one read slot taken by a read that does not finish,
// the next read waits its turn until its own limit, then answers 503
// saying the server was busy; once the slot is given back reads answer.
func TestReadSlots(t *testing.T) {
	e, slow := newSlowEnv(t, 1, 50*time.Millisecond)
	slow.hold = make(chan struct{})
	var wg sync.WaitGroup
	var first *httptest.ResponseRecorder
	wg.Go(func() {
		first = scenario{As: "reader", URL: "/api/v1/counts"}.run(t, e)
	})
	<-slow.entered // the first read holds the only slot
	second := scenario{As: "reader", URL: "/api/v1/groups"}.run(t, e)
	close(slow.hold)
	wg.Wait()
	for _, tt := range []struct {
		name string
		w    *httptest.ResponseRecorder
		want string
	}{
		{"the read holding the slot", first, "took longer than its time limit"},
		{"the read waiting for it", second, "the server is busy: this request waited 50ms, its time limit, for one of the 1 reads"},
	} {
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(tt.w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v in %q", tt.name, err, tt.w.Body.String())
		}
		if tt.w.Code != http.StatusServiceUnavailable || body.Error.Code != "timeout" || !strings.Contains(body.Error.Message, tt.want) {
			t.Errorf("%s: %d %+v, want 503 timeout %q", tt.name, tt.w.Code, body.Error, tt.want)
		}
	}
	if second.Header().Get("Retry-After") == "" {
		t.Error("the busy answer has no Retry-After")
	}
	// The slot is free again: a read that needs no slow query answers.
	scenario{As: "reader", URL: "/api/v1/groups", ExpectedStatus: http.StatusOK}.run(t, e)
}

// TestGroupViewKept: the group page's view is kept between reads and
// built again after any write, whoever makes it (here the store itself,
// as another replica or the CLI would): the page and the API show the
// change at once.
func TestGroupViewKept(t *testing.T) {
	e := newEnv(t)
	page := fmt.Sprintf("/groups/%d", e.Group.ID)
	api := fmt.Sprintf("/api/v1/groups/%d", e.Group.ID)
	runScenarios(t, e, []scenario{
		{Name: "page", As: "reader", URL: page, ExpectedStatus: http.StatusOK, NotExpectedContent: []string{"Renamed by a later write"}},
		{Name: "API", Bearer: "reader", URL: api, ExpectedStatus: http.StatusOK, NotExpectedContent: []string{"Renamed by a later write"}},
	})
	desc := "Renamed by a later write"
	if _, err := e.Store.UpdateObject(context.Background(), e.Group.ID, intel.ObjectUpdate{Description: &desc}); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "page after the write", As: "reader", URL: page, ExpectedStatus: http.StatusOK, ExpectedContent: []string{desc}},
		{Name: "API after the write", Bearer: "reader", URL: api, ExpectedStatus: http.StatusOK, ExpectedContent: []string{desc}},
	})
	// A deleted group is gone from both, not served from the kept view.
	if err := e.Store.DeleteObject(context.Background(), e.Group.ID); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "page after delete", As: "reader", URL: page, ExpectedStatus: http.StatusNotFound},
		{Name: "API after delete", Bearer: "reader", URL: api, ExpectedStatus: http.StatusNotFound},
	})
}

// TestSearchesHaveTheirOwnSlots: with every search slot held by searches
// that do not finish, a cheap read is served at once, and another search
// waits its turn and says so.
func TestSearchesHaveTheirOwnSlots(t *testing.T) {
	e, slow := newSlowEnv(t, 4, 50*time.Millisecond) // one search slot, three for the rest
	slow.hold = make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { scenario{As: "reader", URL: "/api/v1/search?q=com"}.run(t, e) })
	<-slow.entered // the search holds the one search slot
	scenario{As: "reader", URL: "/api/v1/groups", ExpectedStatus: http.StatusOK}.run(t, e)
	scenario{As: "reader", URL: "/api/v1/search?q=net", ExpectedStatus: http.StatusServiceUnavailable,
		ExpectedContent: []string{"for one of the 1 reads of its kind"}}.run(t, e)
	close(slow.hold)
	wg.Wait()
}
