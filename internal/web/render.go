package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/geo"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
)

// assets are the parsed templates and the hashed static files.
type assets struct {
	pages  map[string]*template.Template // by page name ("group", "search")
	static map[string]staticFile         // by hashed path under /static/
	urls   map[string]string             // logical name → hashed URL
}

type staticFile struct {
	body  []byte
	ctype string
}

// loadAssets reads templates/ and static/ from fsys: every page under
// templates/pages is parsed with the layout and partials, and every
// static file gets a URL with a hash of its content.
func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{pages: map[string]*template.Template{}, static: map[string]staticFile{}, urls: map[string]string{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.static[hashed] = staticFile{body: body, ctype: ctype}
		a.urls[name] = "/static/" + hashed
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}

	funcs := template.FuncMap{
		"static":    func(name string) string { return a.urls[name] },
		"highlight": highlight,
		"date":      formatDate,
		"datetime":  formatDateTime,
		"join":      strings.Join,
		// displayText decodes the character references forum engines
		// keep in post text; the result is escaped like any value.
		"displayText": forum.DisplayText,
		"pct":         func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		// confidence is shown on the scale it is entered on, in the forms
		// and the API alike: 0 to 1.
		"confidence":  func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
		"kindPath":    kindPath,
		"took":        took,
		"duration":    shortDuration,
		"dims":        func() []fingerprint.Dimension { return fingerprint.Dimensions },
		"inc":         func(i int) int { return i + 1 },
		"describe":    description,
		"describeUse": inlineDescription,
		"country":     geo.Name,
		"sortColumn":  sortColumn,
		// reviewForm gathers what a document page's Confirm, Reject and
		// Withdraw form needs: the page (for its CSRF token), the item and
		// its decision (Withdraw only when there is one).
		"reviewForm": func(page any, id int64, kind, typ, text, technique, decision string) map[string]any {
			return map[string]any{"Page": page, "ID": id, "Kind": kind, "Type": typ, "Text": text, "Technique": technique,
				"Decision": decision}
		},
	}
	tfs, err := fs.Sub(fsys, "templates")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(tfs, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages, err := fs.Glob(tfs, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	for _, p := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		if t, err = t.ParseFS(tfs, p); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p, err)
		}
		for _, block := range []string{"title", "content"} {
			if t.Lookup(block) == nil {
				return nil, fmt.Errorf("web: template %s defines no %q block", p, block)
			}
		}
		a.pages[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return a, nil
}

// view is what every page template gets: the signed-in user and what
// they may do, the CSRF token for forms, and the page's own Data.
type view struct {
	User      *intel.User
	CSRFToken string
	// HXHeaders is the JSON for hx-headers on <body>: htmx sends the CSRF
	// token with every request without any inline script.
	HXHeaders string
	CanWrite  bool
	IsAdmin   bool
	Version   string
	Query     string // the search box's text
	Unread    int    // the user's unread notifications, in the header
	Data      any
}

// render writes a page: the whole layout, or only the title and content
// when htmx asks (HX-Request), except for htmx's history restores, which
// need the full page. It renders into a buffer first, so a template
// failure becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	a := s.assets
	if s.dev != nil {
		var err error
		if a, err = loadAssets(s.dev); err != nil {
			s.log.ErrorContext(r.Context(), "dev templates", "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	t := a.pages[page]
	if t == nil {
		s.log.ErrorContext(r.Context(), "no such template", "page", page, "path", r.URL.Path)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := view{Version: s.version, Data: data}
	if r.URL.Path == "/search" {
		v.Query = r.URL.Query().Get("q")
	}
	if ai := authFrom(r); ai.User != nil {
		v.User = ai.User
		v.CanWrite = auth.Can(ai.User.Role, auth.WriteIntel)
		v.IsAdmin = auth.Can(ai.User.Role, auth.ManageUsers)
		// A request past its time limit (reads.go) shows its error page
		// without the count rather than fail again asking for it.
		if r.Context().Err() == nil {
			if n, err := s.store.CountUnread(r.Context(), ai.User.ID); err == nil {
				v.Unread = n
			} else {
				s.log.ErrorContext(r.Context(), "count notifications", "err", err)
			}
		}
		if ai.Session != nil {
			v.CSRFToken = ai.Session.CSRFToken
			hdr, _ := json.Marshal(map[string]string{"X-CSRF-Token": ai.Session.CSRFToken})
			v.HXHeaders = string(hdr)
		}
	}
	name := "layout"
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true" {
		name = "partial"
		if r.Header.Get("HX-Boosted") == "true" && r.Method == http.MethodGet {
			// After a redirect htmx would show the URL that was posted to.
			w.Header().Set("HX-Push-Url", r.URL.RequestURI())
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", page, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// serveStatic serves a hashed static file, cacheable forever since its
// URL changes with its content.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	a := s.assets
	if s.dev != nil {
		var err error
		if a, err = loadAssets(s.dev); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	f, ok := a.static[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// Markdown that ATT&CK and MISP descriptions carry, as it shows in a cut
// of the raw text: links (their target possibly cut off by the snippet's
// end) and citations.
var (
	snippetLinkRE     = regexp.MustCompile(`\[([^\]]*)\]\([a-z]+://[^)\s]*\)?`)
	snippetCitationRE = regexp.MustCompile(`\s*\(Citation:[^)]*\)?`)
)

// snippetText is a snippet as prose: link text without its target, no
// citation keys.
func snippetText(s string) string {
	s = snippetLinkRE.ReplaceAllString(s, "$1")
	return snippetCitationRE.ReplaceAllString(s, "")
}

// highlight renders a search snippet: it escapes the whole snippet first
// and only then turns the store's highlight markers into <mark>, so text
// from hostile sources stays inert.
func highlight(snippet string) template.HTML {
	s := template.HTMLEscapeString(snippetText(snippet))
	s = strings.ReplaceAll(s, intel.HighlightStart, "<mark>")
	s = strings.ReplaceAll(s, intel.HighlightEnd, "</mark>")
	return template.HTML(s)
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// took says how long a run took, or "—" while it runs.
func took(start, end time.Time) string {
	if end.IsZero() || start.IsZero() {
		return "—"
	}
	return end.Sub(start).Round(10 * time.Millisecond).String()
}

// objectPath ties a URL segment to an object kind.
type objectPath struct {
	Seg  string
	Kind intel.ObjectKind
}

// objectPaths lists the object kinds with their URL segments.
func objectPaths() []objectPath {
	return []objectPath{
		{"groups", intel.KindGroup},
		{"techniques", intel.KindTechnique},
		{"software", intel.KindSoftware},
		{"campaigns", intel.KindCampaign},
	}
}

// kindPath returns the URL segment of a search hit or object kind.
func kindPath(kind string) string {
	switch kind {
	case "document":
		return "documents"
	case "indicator":
		return "indicators"
	}
	for _, op := range objectPaths() {
		if string(op.Kind) == kind {
			return op.Seg
		}
	}
	return ""
}
