// Package web serves spoor's HTML pages and its JSON API (/api/v1) from
// one http.Handler.
//
// Pages and API call the same store and auth code; routes.go maps the
// whole surface. Templates and static files are embedded and prepared
// once when the server is built; static URLs carry a content hash so
// browsers may cache them forever. Pages render in full, or only their
// content block when htmx asks (HX-Request), and work without JavaScript.
package web

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/ioc"
	"github.com/spoor/spoor/internal/reputation"
)

//go:embed templates static
var embedded embed.FS

// Deps are what the server needs; cmd/spoor fills them in.
type Deps struct {
	Store Store
	Auth  *auth.Service
	// Collector runs sources for the Sources page and API; nil leaves
	// sources read-only.
	Collector Collector
	// Notifier adds watches and webhooks and hears of sightings
	// (*notify.Service); nil leaves watches read-only.
	Notifier Notifier
	Logger   *slog.Logger // slog.Default() when nil
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Dev, when set, is a directory holding templates/ and static/ (for
	// example os.DirFS("internal/web")) that is re-read on every request,
	// so template and CSS edits show without a rebuild.
	Dev fs.FS
	// Version is shown in the page footer and the OpenAPI document.
	Version string
	// SecureCookies marks the session cookie Secure: set it whenever the
	// server is reached over HTTPS.
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose Forwarded and
	// X-Forwarded-For headers name the client (and whose X-Request-Id is
	// kept); from any other peer those headers are ignored.
	TrustedProxies []netip.Prefix
	// AllowedHosts are the host names the server answers to (HostsFor);
	// a request for any other gets 421. Empty allows every host.
	AllowedHosts []string
	// Reputation rates domains (the CLI's service, with its whitelist
	// file); nil builds one over Store.
	Reputation *reputation.Service
	// ReadTimeout bounds a read request (a page or API GET), from its
	// arrival to its answer, waiting included: past it the request's
	// context ends, its queries stop and it answers 503 (reads.go).
	// DefaultReadTimeout when 0; negative turns the limit off.
	ReadTimeout time.Duration
	// MaxReads is how many read requests run at once, searches in a
	// quarter of them; the others wait their turn in arrival order
	// (reads.go). Set it to the store's read pool size; DefaultMaxReads
	// when 0.
	MaxReads int
}

// Server is spoor's web front: pages, static files and the JSON API.
type Server struct {
	store     Store
	auth      *auth.Service
	collector Collector // nil: sources are read-only
	notifier  Notifier  // nil: watches are read-only
	// cred scores the site a pasted text came from; warninglists flag
	// known-benign extracted values. Both are built once and only read.
	cred         *collect.Credibility
	warninglists []*ioc.Warninglist
	log          *slog.Logger
	now          func() time.Time
	version      string
	secure       bool
	dev          fs.FS
	allowedHosts []string

	// readTimeout and reads bound read requests (reads.go).
	readTimeout time.Duration
	reads       chan struct{} // the slots of every read but searches
	searchReads chan struct{} // the searches' own slots
	// groupViews are the group pages' views, kept until the next write.
	groupViews viewCache[int64, *groupView]

	assets  *assets // parsed templates and hashed static files
	mux     *http.ServeMux
	handler http.Handler
	// patterns are the registered mux patterns, for the OpenAPI test.
	patterns []string
	proxies  []netip.Prefix
	logins   *lockout
	// openAPIDoc is the OpenAPI document, built on first request: it
	// depends only on the route table and the version.
	openAPIDoc func() map[string]any
	// fingerprints holds the similarity index of the newest stored
	// fingerprint build (analysis.go).
	fingerprints analysisCache
	// attributor holds the newest attribution model (attribution.go).
	attributor *attribute.Attributor
	// reputation rates domains with the newest stored model (reputation.go).
	reputation *reputation.Service
	// forums holds the analyses of the forums last viewed (forums.go).
	forums forumCache
}

// New builds the server, parsing every template and hashing every static
// file up front, and reports what is wrong with them.
func New(deps Deps) (*Server, error) {
	if deps.Store == nil || deps.Auth == nil {
		return nil, fmt.Errorf("web: Store and Auth are required")
	}
	s := &Server{
		store:        deps.Store,
		auth:         deps.Auth,
		collector:    deps.Collector,
		notifier:     deps.Notifier,
		cred:         collect.DefaultCredibility(),
		warninglists: ioc.DefaultWarninglists(),
		log:          deps.Logger,
		now:          deps.Now,
		version:      deps.Version,
		secure:       deps.SecureCookies,
		dev:          deps.Dev,
		proxies:      deps.TrustedProxies,
		allowedHosts: deps.AllowedHosts,
		attributor:   &attribute.Attributor{Store: deps.Store},
		reputation:   deps.Reputation,
		readTimeout:  deps.ReadTimeout,
	}
	if s.readTimeout == 0 {
		s.readTimeout = DefaultReadTimeout
	}
	if deps.MaxReads <= 0 {
		deps.MaxReads = DefaultMaxReads
	}
	// Searches take a lane of their own, a quarter of the slots (at least
	// one, and one fewer than all), so that the cheap reads never queue
	// behind them: a search ranks thousands of matches, a group page or
	// a list page reads a few indexed rows.
	heavy := min(max(1, deps.MaxReads/4), max(deps.MaxReads-1, 1))
	light := max(deps.MaxReads-heavy, 1)
	s.reads, s.searchReads = make(chan struct{}, light), make(chan struct{}, heavy)
	s.groupViews.max = 256
	if s.reputation == nil {
		s.reputation = &reputation.Service{Store: deps.Store}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.version == "" {
		s.version = "dev"
	}
	var fsys fs.FS = embedded
	if s.dev != nil {
		fsys = s.dev
	}
	a, err := loadAssets(fsys)
	if err != nil {
		return nil, err
	}
	s.assets = a
	s.logins = newLockout(s.now)
	s.mux = http.NewServeMux()
	s.routes()
	s.openAPIDoc = sync.OnceValue(s.openAPI)
	s.handler = s.middleware(s.mux)
	return s, nil
}

// NewServer is New for callers that embed the templates: it panics when
// they do not parse, which tests catch before any release.
func NewServer(deps Deps) http.Handler {
	s, err := New(deps)
	if err != nil {
		panic(err)
	}
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// handle registers a mux pattern and remembers it.
func (s *Server) handle(pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, h)
}
