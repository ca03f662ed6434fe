package collect_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// headerLog records the Authorization header of each request a test
// server saw.
type headerLog struct {
	mu   sync.Mutex
	seen []string
}

func (h *headerLog) add(v string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, v)
}

func (h *headerLog) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

// The store keeps credentials sealed; the collector opens them only where
// it sends them (a MISP feed's authkey, a TAXII token), and a key that
// does not open them fails the run with one line naming the source and
// option, before any request, leaving the ciphertext as it was.
func TestCollectorOpensSecretsWhereItUsesThem(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box := secret.NewBox(secret.NewKey())
	st.UseSecrets(box)

	dir := copyFeed(t)
	feed := &headerLog{}
	misp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feed.add(r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "misp-authkey-123" {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(misp.Close)
	taxiiLog := &headerLog{}
	taxii := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		taxiiLog.add(r.Header.Get("Authorization"))
		http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
	}))
	t.Cleanup(taxii.Close)

	c := collect.NewCollector(st, nil)
	c.Secrets = box
	mispSrc := &intel.Source{Name: "partner feed", Format: "misp-feed", Location: misp.URL + "/feeds/", AllowPrivate: true,
		Options: intel.SourceOptions{"authkey": "misp-authkey-123"}}
	taxiiSrc := &intel.Source{Name: "partner taxii", Format: "taxii", Location: taxii.URL + "/taxii2/", AllowPrivate: true,
		Options: intel.SourceOptions{"collection": "c1", "token": "taxii-token-456"}}
	for _, src := range []*intel.Source{mispSrc, taxiiSrc} {
		if err := c.Define(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	stored := func(name, option string) string {
		src, err := st.FindSourceByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return src.Options[option]
	}
	sealedKey, sealedToken := stored("partner feed", "authkey"), stored("partner taxii", "token")
	if !secret.IsSealed(sealedKey) || !secret.IsSealed(sealedToken) {
		t.Fatalf("credentials stored as %q, %q; want them sealed", sealedKey, sealedToken)
	}

	// The scheduler's path: the source as the store returns it, sealed.
	src, _ := st.FindSourceByName(ctx, "partner feed")
	if d := documents(collectFeed(t, c, src)); d.Created != 2 {
		t.Errorf("feed with its authkey: documents %+v, want 2 created", d)
	}
	if got := feed.all(); len(got) == 0 || strings.Join(got, ",") != strings.Repeat("misp-authkey-123,", len(got)-1)+"misp-authkey-123" {
		t.Errorf("the feed server saw Authorization %q; want the plain authkey on every request", got)
	}
	src, _ = st.FindSourceByName(ctx, "partner taxii")
	run, _ := c.Collect(ctx, src, collect.Options{Trigger: "test"})
	if got := taxiiLog.all(); run == nil || len(got) == 0 || got[0] != "Bearer taxii-token-456" {
		t.Errorf("the TAXII server saw Authorization %q (run %+v); want the plain token", got, run)
	}

	// Another key, or none: the run fails naming source, option and key,
	// nothing is sent, and the stored ciphertext stays.
	other := secret.NewBox(secret.NewKey())
	for _, tt := range []struct {
		name string
		keys secret.Opener
		want string
	}{
		{"wrong key", other, `cannot decrypt option authkey of source "partner feed": wrong key (sealed under key id ` + box.KeyID() + "; the key loaded is " + other.KeyID() + ")"},
		{"no key", nil, `cannot decrypt option authkey of source "partner feed": no secret key`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(feed.all())
			c := collect.NewCollector(st, nil)
			c.Secrets = tt.keys
			src, _ := st.FindSourceByName(ctx, "partner feed")
			run, err := c.Collect(ctx, src, collect.Options{Trigger: "test", Full: true})
			if err == nil || run == nil || run.Status != intel.RunFailed || run.Error != tt.want {
				t.Errorf("run %+v, %v; want failed with %q", run, err, tt.want)
			}
			if n := len(feed.all()) - before; n != 0 {
				t.Errorf("%d requests reached the server without the credential", n)
			}
			if got := stored("partner feed", "authkey"); got != sealedKey {
				t.Errorf("the stored authkey changed to %q", got)
			}
		})
	}
}
