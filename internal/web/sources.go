package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
)

// sourceStore reads sources and their runs and changes a source's settings.
type sourceStore interface {
	FindSources(ctx context.Context) ([]*intel.Source, error)
	FindSourceByID(ctx context.Context, id int64) (*intel.Source, error)
	FindSourceByName(ctx context.Context, name string) (*intel.Source, error)
	UpdateSource(ctx context.Context, id int64, u intel.SourceUpdate) (*intel.Source, error)
	FindRuns(ctx context.Context, sourceID int64, limit int) ([]*intel.CollectionRun, error)
	FindLatestRuns(ctx context.Context) (map[int64]*intel.CollectionRun, error)
}

// Sources: where intelligence comes from, how credible it is, when it is
// collected and how its runs went. Defining and running go through the
// Collector, the code path of `spoor source add` and `spoor collect`;
// settings go through Store.UpdateSource, as `spoor source set` does.

// runTimeout bounds a "Run now": the run happens within the request, so
// it must end before the server's write timeout (5 minutes in spoor
// serve) cuts the answer off. A cancelled run rolls its import back and
// is still recorded as failed.
const runTimeout = 4 * time.Minute

// recentRuns is how many runs a source's page and API list by default.
const recentRuns = 20

// sourceStatus is a source with its latest run.
type sourceStatus struct {
	Source    *intel.Source        `json:"source"`
	LatestRun *intel.CollectionRun `json:"latest_run,omitempty"`
}

// sourceInput defines a source to collect.
type sourceInput struct {
	Name     string `json:"name"`
	Format   string `json:"format"`
	Location string `json:"location"` // URL or path on the server
	// Interval is how often to collect ("24h"); none means on demand.
	Interval     intel.Duration `json:"interval,omitempty"`
	TLP          intel.TLP      `json:"tlp,omitempty"`
	AllowPrivate bool           `json:"allow_private,omitempty"`
	// Disabled defines the source without scheduling it.
	Disabled bool `json:"disabled,omitempty"`
	// Options are the format's settings (TAXII: collection, api_root,
	// username, password or token). Secret ones are never shown back.
	Options map[string]string `json:"options,omitempty"`
}

// privateIsAdmins refuses an analyst's request to let a source reach
// private addresses: the refusal is what keeps a feed URL from reading
// the internal network or a cloud metadata service.
const privateIsAdmins = "only an admin may let a source reach private, loopback or link-local addresses"

// errNoCollector answers writes when the server runs without a collector.
func errNoCollector() error {
	return intel.Errorf(intel.CodeInvalid, "this server does not collect sources; use spoor source and spoor collect")
}

// checkLocation refuses locations a web user must not name: "-" is the
// server's own standard input, and a path reads the server's files, which
// only an admin may point spoor at (an analyst's source is a URL), and
// then only inside the import directories (the collector's
// CheckLocation, in Define and on every read).
func checkLocation(user *intel.User, loc string) error {
	if loc == "" {
		return intel.Errorf(intel.CodeInvalid, "location is required: a URL or a path on the server")
	}
	if loc == "-" {
		return intel.Errorf(intel.CodeInvalid, `location "-" (standard input) is for the command line only`)
	}
	isURL := strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
	if !isURL && (user == nil || !auth.Can(user.Role, auth.ManageUsers)) {
		return errForbidden("only an admin may name a path on the server; give a URL")
	}
	return nil
}

// defineSource checks and saves a new source through the collector. A
// name already taken is a conflict rather than an edit: the collector
// upserts by name, and adding must not rewrite someone's source.
func (s *Server) defineSource(ctx context.Context, user *intel.User, in sourceInput) (*intel.Source, error) {
	if s.collector == nil {
		return nil, errNoCollector()
	}
	src := &intel.Source{
		Name: strings.TrimSpace(in.Name), Format: strings.TrimSpace(in.Format), Location: strings.TrimSpace(in.Location),
		Interval: in.Interval, TLP: in.TLP, Enabled: !in.Disabled, AllowPrivate: in.AllowPrivate,
		Options: in.Options,
	}
	if src.Name == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "source name is required")
	}
	// The input rules first (a location's scheme among them), so that
	// "ftp://…" is refused as a URL, not judged as a path.
	if err := src.Validate(); err != nil {
		return nil, err
	}
	if err := checkLocation(user, src.Location); err != nil {
		return nil, err
	}
	if src.AllowPrivate && !auth.Can(user.Role, auth.ManageUsers) {
		return nil, errForbidden(privateIsAdmins)
	}
	if src.TLP == "" {
		src.TLP = intel.TLPClear
	}
	if strings.HasPrefix(src.Location, "http://") || strings.HasPrefix(src.Location, "https://") {
		src.URL = src.Location
	}
	if _, err := s.store.FindSourceByName(ctx, src.Name); err == nil {
		return nil, intel.Errorf(intel.CodeConflict, "a source named %q exists already", src.Name)
	} else if intel.ErrorCode(err) != intel.CodeNotFound {
		return nil, err
	}
	if err := s.collector.Define(ctx, src); err != nil {
		return nil, err
	}
	return src, nil
}

// updateSource applies a settings change. Credibility flows into the
// confidence of everything a source provides, so only an admin may fix
// it; analysts tune the rest.
func (s *Server) updateSource(ctx context.Context, user *intel.User, id int64, u intel.SourceUpdate) (*intel.Source, error) {
	if u.Credibility != nil {
		if !auth.Can(user.Role, auth.ManageUsers) {
			return nil, errForbidden("only an admin may set a source's credibility")
		}
		if *u.Credibility < 0 || *u.Credibility > 1 {
			return nil, intel.Errorf(intel.CodeInvalid, "credibility %v is outside 0..1", *u.Credibility)
		}
	}
	if u.Location != nil {
		loc := strings.TrimSpace(*u.Location)
		cur, err := s.store.FindSourceByID(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case loc == cur.Location:
			u.Location = nil // the settings form sends it unchanged
		default:
			moved := *cur
			moved.Location = loc
			if err := moved.Validate(); err != nil {
				return nil, err
			}
			if err := checkLocation(user, loc); err != nil {
				return nil, err
			}
			if s.collector != nil {
				if err := s.collector.CheckLocation(loc); err != nil {
					return nil, err
				}
			}
			// The collector sends a source's credentials to its location:
			// moving a source that holds some is an admin's decision, or
			// an analyst could have them sent to a server of their own.
			if holdsSecrets(cur.Options) && !auth.Can(user.Role, auth.ManageUsers) {
				return nil, errForbidden("this source holds credentials; only an admin may change where it connects")
			}
			u.Location = &loc
		}
	}
	if u.AllowPrivate != nil && *u.AllowPrivate && !auth.Can(user.Role, auth.ManageUsers) {
		return nil, errForbidden(privateIsAdmins)
	}
	if u.TLP != nil && !u.TLP.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown TLP marking %q", *u.TLP)
	}
	return s.store.UpdateSource(ctx, id, u)
}

// runSource collects a source now, within the request but at most
// runTimeout. The run is returned even when it failed; an error means it
// could not start.
func (s *Server) runSource(ctx context.Context, id int64, trigger string) (*intel.CollectionRun, error) {
	if s.collector == nil {
		return nil, errNoCollector()
	}
	src, err := s.store.FindSourceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if src.Format == "" || src.Location == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "source %q is not collected (it has no format or location); it is filled by imports", src.Name)
	}
	if src.Location == "-" {
		// Running a source an admin or the command line defined is fine;
		// the server's standard input is not a place to read from.
		return nil, intel.Errorf(intel.CodeInvalid, `source %q reads standard input: collect it on the command line`, src.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	run, err := s.collector.Collect(ctx, src, collect.Options{Trigger: trigger})
	if run == nil {
		return nil, err
	}
	if run.SourceName == "" {
		run.SourceName = src.Name
	}
	// A failed run is a result, with its error recorded in it.
	return run, nil
}

// sourceStatuses lists every source with its latest run.
func (s *Server) sourceStatuses(ctx context.Context) ([]sourceStatus, error) {
	sources, err := s.store.FindSources(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := s.store.FindLatestRuns(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]sourceStatus, 0, len(sources))
	for _, src := range sources {
		out = append(out, sourceStatus{Source: src, LatestRun: latest[src.ID]})
	}
	return out, nil
}

// runLimit reads the limit of a run list: recentRuns by default.
func runLimit(r *http.Request) (int, error) {
	if r.URL.Query().Get("limit") == "" {
		return recentRuns, nil
	}
	return queryLimit(r)
}

// API.

func (s *Server) apiSourceList(w http.ResponseWriter, r *http.Request) {
	items, err := s.sourceStatuses(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, intel.Page[sourceStatus]{Items: items})
}

func (s *Server) apiSourceCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in sourceInput) (*intel.Source, error) {
		return s.defineSource(ctx, authFrom(r).User, in)
	})
}

func (s *Server) apiSourceGet(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, s.store.FindSourceByID)
}

func (s *Server) apiSourceUpdate(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, func(ctx context.Context, id int64, u intel.SourceUpdate) (*intel.Source, error) {
		return s.updateSource(ctx, authFrom(r).User, id, u)
	})
}

func (s *Server) apiSourceRun(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*intel.CollectionRun, error) {
		return s.runSource(ctx, id, "api")
	})
}

func (s *Server) apiSourceRuns(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	limit, err := runLimit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if _, err := s.store.FindSourceByID(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	runs, err := s.store.FindRuns(r.Context(), id, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[*intel.CollectionRun]{Items: runs}))
}

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	limit, err := runLimit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	runs, err := s.store.FindRuns(r.Context(), 0, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[*intel.CollectionRun]{Items: runs}))
}

// Pages.

// sourceRow is a source as the list shows it.
type sourceRow struct {
	sourceStatus
	Every    string       // "every 24h", "on demand"
	Progress *runProgress // the latest run's, while it runs
}

// runProgress is a running collection as the Sources page shows it.
type runProgress struct {
	Done, Total int
	Percent     int    // of Total; 0 when it is not known
	Elapsed     string // from the start to the last report, or to now before one
	Rate        int    // records a second over Elapsed; 0 before a report
}

// progressOf describes a running run at now (nil for any other run).
func progressOf(run *intel.CollectionRun, now time.Time) *runProgress {
	if run == nil || run.Status != intel.RunRunning {
		return nil
	}
	p := &runProgress{}
	end := now
	if pr := run.Progress; pr != nil {
		p.Done, p.Total, end = pr.Done, pr.Total, pr.At
		if pr.Total > 0 {
			p.Percent = min(100, pr.Done*100/pr.Total)
		}
	}
	d := max(0, end.Sub(run.StartedAt)).Round(time.Second)
	if secs := d.Seconds(); secs > 0 {
		p.Rate = int(float64(p.Done) / secs)
	}
	p.Elapsed = d.String()
	return p
}

type sourcesData struct {
	formMessage
	Rows      []sourceRow
	Running   bool // a run is going on: the list refreshes itself
	Catalogue []collect.CatalogueEntry
	Formats   []string // nil without a collector: no add form
	// The add form.
	Name, Format, Location, Interval, TLP string
	Options                               string // KEY=VALUE lines
	TLPs                                  []intel.TLP
}

// every says how often a source is collected.
func every(src *intel.Source) string {
	if src.Format == "" {
		return "filled by imports"
	}
	if src.Interval <= 0 {
		return "on demand"
	}
	return "every " + shortDuration(time.Duration(src.Interval))
}

// shortDuration writes 24h0m0s as 24h and 168h as 7d.
func shortDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(s, "0m")
}

func (s *Server) sourcesPage(w http.ResponseWriter, r *http.Request) {
	s.renderSources(w, r, http.StatusOK, &sourcesData{TLP: string(intel.TLPClear), Interval: "24h"})
}

func (s *Server) renderSources(w http.ResponseWriter, r *http.Request, status int, data *sourcesData) {
	items, err := s.sourceStatuses(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	for _, it := range items {
		row := sourceRow{sourceStatus: it, Every: every(it.Source), Progress: progressOf(it.LatestRun, s.now())}
		data.Running = data.Running || row.Progress != nil
		data.Rows = append(data.Rows, row)
	}
	data.Catalogue, data.TLPs = collect.Catalogue(), tlps()
	if s.collector != nil {
		data.Formats = s.collector.FormatNames()
	}
	s.render(w, r, status, "sources", data)
}

// parseInterval reads an interval typed in a form: blank or 0 is on
// demand.
func parseInterval(v string) (intel.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	var d intel.Duration
	if err := d.UnmarshalText([]byte(v)); err != nil {
		return 0, err
	}
	return d, nil
}

func (s *Server) sourceAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	data := &sourcesData{Name: f.Get("name"), Format: f.Get("format"), Location: f.Get("location"),
		Interval: f.Get("interval"), TLP: f.Get("tlp"), Options: f.Get("options")}
	fail := func(err error) {
		switch intel.ErrorCode(err) {
		case intel.CodeInvalid, intel.CodeConflict:
			status, _, msg := errorStatus(err)
			data.setError(msg)
			data.Options = withoutSecrets(data.Options)
			s.renderSources(w, r, status, data)
		default:
			s.error(w, r, err)
		}
	}
	tlp, err := intel.ParseTLP(data.TLP)
	if err != nil {
		fail(err)
		return
	}
	interval, err := parseInterval(data.Interval)
	if err != nil {
		fail(err)
		return
	}
	options, err := parseOptions(data.Options)
	if err != nil {
		fail(err)
		return
	}
	src, err := s.defineSource(r.Context(), authFrom(r).User, sourceInput{Name: data.Name, Format: data.Format, Location: data.Location,
		Interval: interval, TLP: tlp, AllowPrivate: f.Get("allow_private") == "true", Options: options})
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sources/%d", src.ID), http.StatusSeeOther)
}

// parseOptions reads the add form's options: one KEY=VALUE per line,
// blank lines ignored.
func parseOptions(text string) (map[string]string, error) {
	var out map[string]string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, intel.Errorf(intel.CodeInvalid, "options, line %d: want KEY=VALUE", i+1)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// holdsSecrets reports whether options hold a credential.
func holdsSecrets(o intel.SourceOptions) bool {
	for k, v := range o {
		if v != "" && intel.SecretOption(k) {
			return true
		}
	}
	return false
}

// withoutSecrets empties the values of secret options in the add form's
// text, so a refused form does not send a credential back to the page.
func withoutSecrets(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if k, _, ok := strings.Cut(line, "="); ok && intel.SecretOption(strings.TrimSpace(k)) {
			lines[i] = strings.TrimSpace(k) + "="
		}
	}
	return strings.Join(lines, "\n")
}

// shownOption is one of a source's options as its page lists it, secret
// values redacted (shownOptions sorts them by name).
type shownOption struct{ Name, Value string }

func shownOptions(o intel.SourceOptions) []shownOption {
	out := make([]shownOption, 0, len(o))
	for _, k := range slices.Sorted(maps.Keys(o)) {
		v := o[k]
		if intel.SecretOption(k) && v != "" {
			v = intel.RedactedOption
		}
		out = append(out, shownOption{k, v})
	}
	return out
}

type sourceData struct {
	formMessage
	Source   *intel.Source
	Runs     []*intel.CollectionRun
	Every    string
	CanRun   bool   // a collector is wired and the source has a format
	TLP      string // the settings form's TLP
	TLPs     []intel.TLP
	Interval string // the settings form's interval
	Options  []shownOption
}

func (s *Server) sourcePage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.renderSource(w, r, http.StatusOK, id, &sourceData{})
}

func (s *Server) renderSource(w http.ResponseWriter, r *http.Request, status int, id int64, data *sourceData) {
	src, err := s.store.FindSourceByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	runs, err := s.store.FindRuns(r.Context(), id, recentRuns)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Source, data.Runs, data.Every, data.TLP, data.TLPs = src, runs, every(src), string(src.TLP), tlps()
	data.Options = shownOptions(src.Options)
	data.CanRun = s.collector != nil && src.Format != "" && src.Location != ""
	if data.Interval == "" && src.Interval > 0 {
		data.Interval = shortInterval(src.Interval)
	}
	s.render(w, r, status, "source", data)
}

// shortInterval writes an interval as a form accepts it back.
func shortInterval(d intel.Duration) string {
	s := time.Duration(d).String()
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(s, "0m")
}

// sourceUpdateForm applies the analyst's settings form (interval,
// enabled, location, TLP) or the admin's credibility form, whichever
// was posted: the credibility form posts only credibility.
func (s *Server) sourceUpdateForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := r.PostForm
	data := &sourceData{Interval: f.Get("interval")}
	var u intel.SourceUpdate
	err = func() error {
		if v, ok := f["credibility"]; ok {
			c, err := strconv.ParseFloat(strings.TrimSpace(v[0]), 64)
			if err != nil {
				return intel.Errorf(intel.CodeInvalid, "credibility must be a number from 0 to 1")
			}
			u.Credibility = &c
			return nil
		}
		d, err := parseInterval(data.Interval)
		if err != nil {
			return err
		}
		u.Interval = &d
		on := f.Get("enabled") == "true"
		u.Enabled = &on
		if _, ok := f["location"]; ok {
			loc := f.Get("location")
			u.Location = &loc
		}
		if v := f.Get("tlp"); v != "" {
			tlp, err := intel.ParseTLP(v)
			if err != nil {
				return err
			}
			u.TLP = &tlp
		}
		return nil
	}()
	if err == nil {
		_, err = s.updateSource(r.Context(), authFrom(r).User, id, u)
	}
	if err != nil {
		if intel.ErrorCode(err) == intel.CodeInvalid {
			status, _, msg := errorStatus(err)
			data.setError(msg)
			s.renderSource(w, r, status, id, data)
			return
		}
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sources/%d", id), http.StatusSeeOther)
}

// sourceRunForm runs a source now and shows its page with the run.
func (s *Server) sourceRunForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// The run's outcome, failed or not, is on the source's page.
	if _, err := s.runSource(r.Context(), id, "ui"); err != nil {
		if intel.ErrorCode(err) == intel.CodeInvalid {
			status, _, msg := errorStatus(err)
			s.renderSource(w, r, status, id, &sourceData{formMessage: formMessage{msg}})
			return
		}
		s.error(w, r, err)
		return
	}
	// Post/redirect/get: reloading the page must not collect again.
	http.Redirect(w, r, fmt.Sprintf("/sources/%d", id), http.StatusSeeOther)
}
