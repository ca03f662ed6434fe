// Package taxii pulls STIX objects from a TAXII 2.1 server: discovery,
// API roots, collections, and the objects endpoint page by page, with
// incremental pulls that start after the newest object of the previous
// pull. The pages form one STIX object stream that collect/stix reads into
// an intel.Bundle and its links, written through a Sink.
//
// Every failure is one error line that names the request and, for HTTP
// failures, the status and the server's TAXII error message.
package taxii

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
)

// MediaType is the TAXII 2.1 media type the client asks for.
const MediaType = "application/taxii+json;version=2.1"

// Defaults of Config.
const (
	DefaultPageSize    = 1000
	DefaultTimeout     = 60 * time.Second
	DefaultMaxResponse = 64 << 20
	DefaultMaxPages    = 100000
)

// Config says how to reach one TAXII collection and as which source its
// objects are stored.
type Config struct {
	// Source is the spoor source the objects come from; its Name keys the
	// pull state.
	Source intel.Source
	// URL is the discovery endpoint (https://host/taxii2/) or, when
	// APIRoot is empty and the URL has no discovery document, an API root.
	URL string
	// APIRoot is the API root URL; empty means the discovery's default
	// (or its only) API root.
	APIRoot string
	// Collection is the collection's ID or title; empty is allowed when
	// the API root has exactly one readable collection.
	Collection string
	// Username and Password are sent with basic authentication; Token,
	// when set, as a bearer token instead.
	Username, Password, Token string
	// PageSize is the limit asked per page (DefaultPageSize).
	PageSize int
	// Timeout bounds each request (DefaultTimeout).
	Timeout time.Duration
	// MaxResponse bounds the bytes of one response (DefaultMaxResponse).
	MaxResponse int64
	// MaxPages bounds the pages of one pull (DefaultMaxPages), so that a
	// server that always says "more" cannot keep the pull going forever.
	MaxPages int
}

// ConfigFromSource reads a TAXII configuration from a source: Location is
// the URL, and Options may set api_root, collection, username, password,
// token and page_size. The store keeps password and token sealed: reveal
// returns the plain value of such an option, and is asked only for them,
// only here, where the client needs them.
func ConfigFromSource(src intel.Source, reveal func(option string) (string, error)) (Config, error) {
	c := Config{Source: src, URL: src.Location, APIRoot: src.Options["api_root"], Collection: src.Options["collection"],
		Username: src.Options["username"]}
	for _, o := range []struct {
		name string
		to   *string
	}{{"password", &c.Password}, {"token", &c.Token}} {
		if src.Options[o.name] == "" {
			continue
		}
		v, err := reveal(o.name)
		if err != nil {
			return c, err
		}
		*o.to = v
	}
	if v := src.Options["page_size"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return c, intel.Errorf(intel.CodeInvalid, "source %q: page_size %q is not a positive number", src.Name, v)
		}
		c.PageSize = n
	}
	return c, c.check()
}

func (c *Config) check() error {
	if c.Source.Name == "" {
		return intel.Errorf(intel.CodeInvalid, "taxii: the source needs a name")
	}
	for _, u := range []string{c.URL, c.APIRoot} {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return intel.Errorf(intel.CodeInvalid, "taxii: %q is not an http(s) URL", u)
		}
	}
	if c.URL == "" && c.APIRoot == "" {
		return intel.Errorf(intel.CodeInvalid, "taxii: source %q needs a discovery or API root URL", c.Source.Name)
	}
	return nil
}

func (c *Config) defaults() {
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxResponse <= 0 {
		c.MaxResponse = DefaultMaxResponse
	}
	if c.MaxPages <= 0 {
		c.MaxPages = DefaultMaxPages
	}
}

// Sink is where pulled intelligence goes (the store): the bundle, then
// the links that need its rows.
type Sink interface {
	ImportBundle(ctx context.Context, b *intel.Bundle, progress func(done, total int)) (*intel.ImportStats, error)
	ImportLinks(ctx context.Context, l *intel.BundleLinks) (*intel.ImportStats, error)
}

// StateStore keeps where the pulls of each source and collection stopped.
type StateStore interface {
	FindTAXIIState(ctx context.Context, source, collection string) (*intel.TAXIIState, error)
	SaveTAXIIState(ctx context.Context, st *intel.TAXIIState) error
}

// Stats is what one pull did.
type Stats struct {
	APIRoot    string             `json:"api_root"`
	Collection string             `json:"collection"` // its ID
	Pages      int                `json:"pages"`
	Objects    int                `json:"objects"`              // distinct objects pulled
	AddedAfter time.Time          `json:"added_after,omitzero"` // where this pull started
	Newest     time.Time          `json:"newest,omitzero"`      // where the next one starts
	Import     *intel.ImportStats `json:"import,omitempty"`     // ImportBundle
	Links      *intel.ImportStats `json:"links,omitempty"`      // ImportLinks
	Ignored    map[string]int     `json:"ignored,omitempty"`    // pattern comparisons without a value
	Notes      []string           `json:"notes,omitempty"`      // why, with values
	Warnings   []string           `json:"warnings,omitempty"`   // of both imports
	Author     string             `json:"author,omitempty"`     // the bundle's main identity
	State      *intel.TAXIIState  `json:"state,omitempty"`      // as saved
	Elapsed    time.Duration      `json:"elapsed_ns,omitempty"` // wall time
}

// Pull reads the objects added to the configured collection since the
// previous pull, imports them, and saves the new state. client may be nil
// (a plain http.Client; each request has cfg.Timeout). progress, if not
// nil, sees (objects so far, 0) while pages arrive and then the import's
// (done, total).
//
// Ordering: ImportBundle (one transaction), then ImportLinks (a second
// one), then SaveTAXIIState. A failure in between leaves the state where
// it was, so the next pull fetches the same objects again; both imports
// are idempotent, so nothing is doubled.
func Pull(ctx context.Context, client *http.Client, cfg Config, sink Sink, state StateStore, progress func(done, total int)) (*Stats, error) {
	start := time.Now()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.defaults()
	if client == nil {
		client = &http.Client{}
	}
	c := &conn{client: client, cfg: cfg}
	root, err := c.apiRoot(ctx)
	if err != nil {
		return nil, err
	}
	coll, err := c.collection(ctx, root)
	if err != nil {
		return nil, err
	}
	st, err := state.FindTAXIIState(ctx, cfg.Source.Name, coll.ID)
	if err != nil {
		return nil, fmt.Errorf("taxii: state of %s: %w", coll.ID, err)
	}
	stats := &Stats{APIRoot: root, Collection: coll.ID, AddedAfter: st.AddedAfter}
	col := stix.NewCollector()
	newest, err := c.objects(ctx, root, coll.ID, st.AddedAfter, col, stats, progress)
	if err != nil {
		return nil, err
	}
	stats.Objects = col.Len()
	if col.Len() > 0 {
		res := col.Result(cfg.Source)
		stats.Ignored, stats.Notes, stats.Author = res.Ignored, res.Notes, res.Author
		if stats.Import, err = sink.ImportBundle(ctx, res.Bundle, progress); err != nil {
			return nil, fmt.Errorf("taxii: import %s: %w", coll.ID, err)
		}
		stats.Import.Types = res.Types
		if stats.Links, err = sink.ImportLinks(ctx, res.Links); err != nil {
			return nil, fmt.Errorf("taxii: import links of %s: %w", coll.ID, err)
		}
		stats.Warnings = append(append(stats.Warnings, stats.Import.Warnings...), stats.Links.Warnings...)
	}
	// Without a date from the server the pull keeps its old start: the
	// next pull repeats, which is safe, rather than skipping objects.
	if newest.Before(st.AddedAfter) {
		newest = st.AddedAfter
	}
	stats.Newest = newest
	st.AddedAfter, st.LastPull = newest, time.Now().UTC()
	st.ObjectsTotal += int64(col.Len())
	if err := state.SaveTAXIIState(ctx, st); err != nil {
		return nil, fmt.Errorf("taxii: save state of %s: %w", coll.ID, err)
	}
	stats.State = st
	stats.Elapsed = time.Since(start)
	return stats, nil
}

type conn struct {
	client *http.Client
	cfg    Config
}

// get fetches u and hands the body (bounded by MaxResponse) to read. A
// non-2xx answer becomes one error with the status and TAXII message.
func (c *conn) get(ctx context.Context, u string, read func(body io.Reader, h http.Header) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "taxii: bad URL %q: %v", u, err)
	}
	req.Header.Set("Accept", MediaType)
	req.Header.Set("User-Agent", "spoor")
	switch {
	case c.cfg.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	case c.cfg.Username != "":
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return intel.Errorf(intel.CodeInvalid, "taxii: GET %s: no answer within %v", u, c.cfg.Timeout)
		}
		return &intel.Error{Code: intel.CodeInvalid, Message: fmt.Sprintf("taxii: GET %s: %v", u, unwrapURLError(err)), Err: err}
	}
	defer resp.Body.Close()
	body := &limitReader{r: resp.Body, n: c.cfg.MaxResponse}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return intel.Errorf(intel.CodeInvalid, "taxii: GET %s: %s%s", u, resp.Status, taxiiMessage(body))
	}
	if err := read(body, resp.Header); err != nil {
		if body.over {
			return intel.Errorf(intel.CodeInvalid, "taxii: GET %s: the response is larger than %d bytes", u, c.cfg.MaxResponse)
		}
		return err
	}
	return nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// taxiiMessage reads a TAXII error message from an error body: ": title:
// description", or "" when the body is not a TAXII error.
func taxiiMessage(r io.Reader) string {
	var e struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	if json.Unmarshal(b, &e) != nil || e.Title == "" {
		return ""
	}
	msg := ": " + oneLine(e.Title)
	if e.Description != "" {
		msg += ": " + oneLine(e.Description)
	}
	return msg
}

// oneLine keeps a server's text on one short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// limitReader fails once more than n bytes are read, so an oversized
// response is an error rather than a silently cut document.
type limitReader struct {
	r    io.Reader
	n    int64
	over bool
}

var errTooLarge = errors.New("response too large")

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		l.over = true
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		l.over = true
		return n, errTooLarge
	}
	return n, err
}

func (c *conn) getJSON(ctx context.Context, u string, v any) error {
	return c.get(ctx, u, func(body io.Reader, _ http.Header) error {
		if err := json.NewDecoder(body).Decode(v); err != nil {
			if errors.Is(err, errTooLarge) {
				return err
			}
			return intel.Errorf(intel.CodeInvalid, "taxii: GET %s: malformed response: %v", u, err)
		}
		return nil
	})
}

// resolve turns a possibly relative URL of a TAXII document into an
// absolute one with a trailing slash, as TAXII URLs end.
func resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	u := b.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q is not an http(s) URL", ref)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}

// apiRoot returns the API root URL: the configured one, or the
// discovery's default, or its only root.
func (c *conn) apiRoot(ctx context.Context) (string, error) {
	if c.cfg.APIRoot != "" {
		return resolve(c.cfg.APIRoot, "")
	}
	disc, err := resolve(c.cfg.URL, "")
	if err != nil {
		return "", intel.Errorf(intel.CodeInvalid, "taxii: bad URL %q: %v", c.cfg.URL, err)
	}
	var d struct {
		Title    string   `json:"title"`
		Default  string   `json:"default"`
		APIRoots []string `json:"api_roots"`
	}
	if err := c.getJSON(ctx, disc, &d); err != nil {
		return "", err
	}
	pick := d.Default
	if pick == "" {
		if len(d.APIRoots) != 1 {
			return "", intel.Errorf(intel.CodeInvalid, "taxii: %s lists %d API roots and no default: set the API root", disc, len(d.APIRoots))
		}
		pick = d.APIRoots[0]
	}
	root, err := resolve(disc, pick)
	if err != nil {
		return "", intel.Errorf(intel.CodeInvalid, "taxii: %s: bad API root %q: %v", disc, pick, err)
	}
	return root, nil
}

type collection struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	CanRead bool   `json:"can_read"`
}

func (c *conn) collection(ctx context.Context, root string) (*collection, error) {
	u := root + "collections/"
	var list struct {
		Collections []collection `json:"collections"`
	}
	if err := c.getJSON(ctx, u, &list); err != nil {
		return nil, err
	}
	var readable []collection
	for _, col := range list.Collections {
		if col.CanRead {
			readable = append(readable, col)
		}
		if c.cfg.Collection != "" && (col.ID == c.cfg.Collection || col.Title == c.cfg.Collection) {
			if !col.CanRead {
				return nil, intel.Errorf(intel.CodeInvalid, "taxii: collection %q at %s cannot be read with these credentials", c.cfg.Collection, root)
			}
			return &col, nil
		}
	}
	if c.cfg.Collection != "" {
		return nil, intel.Errorf(intel.CodeInvalid, "taxii: no collection %q at %s", c.cfg.Collection, root)
	}
	if len(readable) != 1 {
		return nil, intel.Errorf(intel.CodeInvalid, "taxii: %s has %d readable collections: name one", root, len(readable))
	}
	return &readable[0], nil
}

// objects fetches the pages of a collection's objects added after
// addedAfter into col, and returns the newest date_added the server
// reported (X-TAXII-Date-Added-Last).
func (c *conn) objects(ctx context.Context, root, id string, addedAfter time.Time, col *stix.Collector, stats *Stats,
	progress func(done, total int)) (time.Time, error) {
	newest := addedAfter
	next := ""
	after := addedAfter
	for page := 1; ; page++ {
		if page > c.cfg.MaxPages {
			return newest, intel.Errorf(intel.CodeInvalid, "taxii: collection %s: more than %d pages", id, c.cfg.MaxPages)
		}
		q := url.Values{}
		q.Set("limit", strconv.Itoa(c.cfg.PageSize))
		if !after.IsZero() {
			q.Set("added_after", after.UTC().Format(time.RFC3339Nano))
		}
		if next != "" {
			q.Set("next", next)
		}
		u := root + "collections/" + url.PathEscape(id) + "/objects/?" + q.Encode()
		var env stix.Envelope
		var last time.Time
		err := c.get(ctx, u, func(body io.Reader, h http.Header) error {
			var err error
			env, err = col.AddEnvelope(body, fmt.Sprintf("%s page %d", id, page))
			if err != nil {
				return err
			}
			if v := h.Get("X-TAXII-Date-Added-Last"); v != "" {
				if last, err = time.Parse(time.RFC3339Nano, v); err != nil {
					return intel.Errorf(intel.CodeInvalid, "taxii: GET %s: X-TAXII-Date-Added-Last %q is not a timestamp", u, v)
				}
			}
			return nil
		})
		if err != nil {
			return newest, err
		}
		stats.Pages++
		if last.After(newest) {
			newest = last
		}
		if progress != nil {
			progress(col.Len(), 0)
		}
		if !env.More {
			return newest, nil
		}
		switch {
		case env.Next != "":
			next = env.Next
		case last.After(after):
			// A server that pages by date rather than by token: ask for
			// what was added after this page.
			after, next = last, ""
		default:
			return newest, intel.Errorf(intel.CodeInvalid, "taxii: collection %s page %d says more but gives no next and no newer date", id, page)
		}
	}
}
