package web

// Analysis: a group's time, space and content profile and the groups that
// resemble it (GET /api/v1/groups/{id}/analysis, the group page's
// Analysis section), and the similarity graph (GET /api/v1/graph and the
// Graph page). Both read the stored fingerprints through one in-memory
// index that is rebuilt only when a newer fingerprint build is stored.

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ipasn"
	"github.com/spoor/spoor/internal/ipgeo"
)

// analysisStore reads the stored fingerprints and rebuilds them.
type analysisStore interface {
	FindFingerprintBuild(ctx context.Context) (*intel.FingerprintBuild, error)
	FindFingerprints(ctx context.Context) (*intel.FingerprintBuild, []intel.Fingerprint, error)
	fingerprint.Store
}

// techniqueInfo is what the ATT&CK matrix needs of a technique.
type techniqueInfo struct {
	ObjectID int64
	Name     string
	Tactics  []string
}

// analysisState is one build's index, read-only once made.
type analysisState struct {
	build      *intel.FingerprintBuild
	index      *fingerprint.Index
	techniques map[string]techniqueInfo // by ATT&CK ID
	// graphs are the graphs drawn from this index, by threshold in
	// hundredths (at most 96 of them: 0.05 to 1), and the dashboard's
	// overview under "overview".
	graphs sync.Map
}

// analysisCache holds the newest analysisState. Every request asks the
// store for the newest build's ID (one indexed row); only a new ID loads
// the fingerprints again, once, while other requests wait for it.
type analysisCache struct {
	mu    sync.Mutex
	state *analysisState

	// rebuilding and again make refreshes after writes single-flight: a
	// write during a rebuild asks for one more.
	rebuild    sync.Mutex
	rebuilding bool
	again      bool
}

// refreshFingerprints rebuilds the stored fingerprints in the background
// after a write through the web changed what they are built from (an event
// entered by hand). Writes during a rebuild cause one more, not one each.
func (s *Server) refreshFingerprints() {
	c := &s.fingerprints
	c.rebuild.Lock()
	if c.rebuilding {
		c.again = true
		c.rebuild.Unlock()
		return
	}
	c.rebuilding = true
	c.rebuild.Unlock()
	go func() {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			if _, err := fingerprint.Rebuild(ctx, s.store); err != nil {
				s.log.Error("rebuild fingerprints", "err", err)
			}
			cancel()
			c.rebuild.Lock()
			if !c.again {
				c.rebuilding = false
				c.rebuild.Unlock()
				return
			}
			c.again = false
			c.rebuild.Unlock()
		}
	}()
}

// errNoFingerprints says the analysis pages have nothing to show yet.
var errNoFingerprints = intel.Errorf(intel.CodeNotFound,
	"group fingerprints have not been built: collect intelligence, or run spoor analyze fingerprints")

func (s *Server) analysis(ctx context.Context) (*analysisState, error) {
	b, err := s.store.FindFingerprintBuild(ctx)
	if intel.ErrorCode(err) == intel.CodeNotFound {
		return nil, errNoFingerprints
	}
	if err != nil {
		return nil, err
	}
	c := &s.fingerprints
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != nil && c.state.build.ID >= b.ID {
		return c.state, nil
	}
	// Loading the index is done once per build for every request after
	// it: it finishes even when the request that started it runs out of
	// time (reads.go), or no request under a tight limit would ever see
	// the index loaded.
	ctx = context.WithoutCancel(ctx)
	build, fps, err := s.store.FindFingerprints(ctx)
	if err != nil {
		return nil, err
	}
	ix, err := fingerprint.FromStored(fps)
	if err != nil {
		return nil, err
	}
	techniques, err := s.techniqueCatalogue(ctx)
	if err != nil {
		return nil, err
	}
	c.state = &analysisState{build: build, index: ix, techniques: techniques}
	return c.state, nil
}

// techniqueCatalogue reads every technique's name and tactics.
func (s *Server) techniqueCatalogue(ctx context.Context) (map[string]techniqueInfo, error) {
	all, err := s.store.FindAllObjects(ctx, intel.KindTechnique)
	if err != nil {
		return nil, err
	}
	out := map[string]techniqueInfo{}
	for _, o := range all {
		if o.ExternalID != "" {
			out[o.ExternalID] = techniqueInfo{ObjectID: o.ID, Name: o.Name, Tactics: o.Tactics}
		}
	}
	return out, nil
}

// tactics is ATT&CK Enterprise's tactic order: the matrix's columns.
var tactics = []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
	"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection",
	"command-and-control", "exfiltration", "impact"}

// groupAnalysis is a group's fingerprint as its page and API show it.
type groupAnalysis struct {
	GroupID int64                   `json:"group_id"`
	Build   *intel.FingerprintBuild `json:"build"`
	Events  int                     `json:"events"`
	// Time: the hour-of-week histogram in UTC and at the inferred offset,
	// and the inference.
	Time analyze.TimeProfileJSON `json:"time"`
	// LocalOffset is the inferred UTC offset in hours, 0 when unknown
	// (then LocalHourOfWeek is the UTC histogram).
	LocalOffset     int      `json:"local_offset"`
	LocalHourOfWeek [168]int `json:"local_hour_of_week"`
	// Space: victim and infrastructure countries, most events first.
	VictimCountries []countryCount `json:"victim_countries"`
	InfraCountries  []countryCount `json:"infra_countries"`
	// InfraASNs are the autonomous systems announcing the events'
	// addresses, most events first, named from the ASN data.
	InfraASNs []asnCount `json:"infra_asns"`
	// IPData names the data that placed the infrastructure, as its
	// licence asks; ASNData the ASN table's (empty without one).
	IPData  string `json:"ip_data"`
	ASNData string `json:"asn_data"`
	// Content.
	Matrix   []tacticColumn `json:"matrix"`
	Software []namedCount   `json:"software"`
	Sectors  []namedCount   `json:"sectors"`
	Purposes []namedCount   `json:"purposes"`
	Terms    []namedCount   `json:"terms"`
	// Timeline counts events by month, oldest first.
	Timeline []analyze.MonthCount `json:"timeline"`
	// Related are the most similar groups, with per-dimension scores and
	// the evidence they share.
	Related []fingerprint.RelatedGroup `json:"related"`
	Weights fingerprint.Weights        `json:"weights"`
}

type countryCount struct {
	Code string `json:"code"`
	// Numeric is the ISO 3166-1 numeric code, which keys the world map.
	Numeric string `json:"numeric"`
	Name    string `json:"name"`
	N       int    `json:"n"`
}

// asnCount is one autonomous system of a group's infrastructure.
type asnCount struct {
	ASN  string `json:"asn"` // "AS13335"
	Name string `json:"name"`
	N    int    `json:"n"`
}

// asns lists a profile's autonomous systems, most events first, with the
// names the embedded table gives them.
func asns(m map[string]int) []asnCount {
	out := []asnCount{}
	for _, c := range top(m, analysisTop) {
		name := ""
		if n, err := strconv.ParseUint(strings.TrimPrefix(c.Name, "AS"), 10, 32); err == nil {
			name = ipasn.Name(uint32(n))
		}
		out = append(out, asnCount{ASN: c.Name, Name: name, N: c.N})
	}
	return out
}

type namedCount struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

// tacticColumn is one tactic of the matrix with the group's techniques in
// it, most evidence first.
type tacticColumn struct {
	Tactic     string          `json:"tactic"`
	Techniques []techniqueCell `json:"techniques"`
}

type techniqueCell struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ObjectID int64  `json:"object_id,omitempty"`
	N        int    `json:"n"`
	// Heat is N on a scale of 1 to 5 against the group's busiest cell,
	// for the page's colour classes.
	Heat int `json:"heat"`
}

// Limits of the lists of an analysis.
const (
	analysisRelated  = 15
	analysisEvidence = 8
	analysisTop      = 20
)

// groupAnalysisOf builds a group's analysis from the current index;
// CodeNotFound when the group has no fingerprint.
func (s *Server) groupAnalysisOf(ctx context.Context, id int64) (*groupAnalysis, error) {
	st, err := s.analysis(ctx)
	if err != nil {
		return nil, err
	}
	i, ok := st.index.Lookup(id)
	if !ok {
		return nil, intel.Errorf(intel.CodeNotFound, "group %d has no fingerprint yet (it is newer than the last build)", id)
	}
	p := st.index.Profile(i)
	w := fingerprint.DefaultWeights()
	a := &groupAnalysis{GroupID: id, Build: st.build, Events: p.Events, Weights: w,
		IPData: "IP2Location LITE " + ipgeo.Version + ". " + ipgeo.Attribution, InfraASNs: asns(p.InfraASNs),
		VictimCountries: countries(p.VictimCountries), InfraCountries: countries(p.InfraCountries),
		Matrix: matrix(p.Techniques, st.techniques), Software: top(p.Software, analysisTop),
		Sectors: top(p.Sectors, analysisTop), Purposes: top(p.Purposes, analysisTop), Terms: top(p.Terms, analysisTop),
		Related: orEmpty(st.index.RelatedGroups(i, fingerprint.RelatedMin, analysisRelated, w, analysisEvidence))}
	if v := ipasn.Version(); v != "" {
		a.ASNData = ipasn.Attribution + " " + v
	}
	tp := p.Time()
	a.Time = tp.JSON()
	a.Time.Months = orEmpty(a.Time.Months[:0]) // the profile's timeline below is the group's
	a.LocalHourOfWeek = p.HourOfWeek
	if tp.Best != nil && tp.Best.OffsetKnown {
		a.LocalOffset = tp.Best.Offset
		a.LocalHourOfWeek = tp.HourOfWeekAt(tp.Best.Offset)
	}
	for m, n := range p.Months {
		a.Timeline = append(a.Timeline, analyze.MonthCount{Month: m, N: n})
	}
	slices.SortFunc(a.Timeline, func(x, y analyze.MonthCount) int { return strings.Compare(x.Month, y.Month) })
	a.Timeline = orEmpty(a.Timeline)
	return a, nil
}

func countries(m map[string]int) []countryCount {
	out := []countryCount{}
	for _, c := range top(m, 0) {
		cc := countryCount{Code: c.Name, Name: c.Name, N: c.N}
		if country, ok := geo.Find(c.Name); ok {
			cc.Numeric, cc.Name = country.Numeric, country.Name
		}
		out = append(out, cc)
	}
	return out
}

// top lists a count map most first, then by name; all when limit is 0.
func top(m map[string]int, limit int) []namedCount {
	out := make([]namedCount, 0, len(m))
	for k, n := range m {
		out = append(out, namedCount{k, n})
	}
	slices.SortFunc(out, func(a, b namedCount) int {
		return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Name, b.Name))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// matrix lays a group's techniques out by tactic. Sub-techniques count
// towards their technique (the profile already adds each parent), so the
// cells are the top-level techniques, as ATT&CK's matrix shows them.
func matrix(counts map[string]int, catalogue map[string]techniqueInfo) []tacticColumn {
	busiest := 0
	for id, n := range counts {
		if !strings.Contains(id, ".") {
			busiest = max(busiest, n)
		}
	}
	var out []tacticColumn
	for _, tactic := range tactics {
		col := tacticColumn{Tactic: tactic}
		for id, n := range counts {
			info, ok := catalogue[id]
			if strings.Contains(id, ".") || !ok || !slices.Contains(info.Tactics, tactic) {
				continue
			}
			col.Techniques = append(col.Techniques, techniqueCell{ID: id, Name: info.Name, ObjectID: info.ObjectID, N: n,
				Heat: 1 + 4*(n-1)/max(1, busiest-1)})
		}
		if len(col.Techniques) == 0 {
			continue
		}
		slices.SortFunc(col.Techniques, func(a, b techniqueCell) int {
			return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.ID, b.ID))
		})
		out = append(out, col)
	}
	return orEmpty(out)
}

// MatrixRows turns the columns into table rows for the page: row k holds
// the k-th technique of every column (nil where a column is shorter).
func (a *groupAnalysis) MatrixRows() [][]*techniqueCell {
	n := 0
	for _, c := range a.Matrix {
		n = max(n, len(c.Techniques))
	}
	rows := make([][]*techniqueCell, n)
	for k := range rows {
		rows[k] = make([]*techniqueCell, len(a.Matrix))
		for j, c := range a.Matrix {
			if k < len(c.Techniques) {
				rows[k][j] = &c.Techniques[k]
			}
		}
	}
	return rows
}

// Hours lays the local hour-of-week histogram out as 7 rows of 24 for the
// page's table, Monday first, with each cell's heat (0 to 5).
func (a *groupAnalysis) Hours() [][]hourCell {
	busiest := slices.Max(a.LocalHourOfWeek[:])
	rows := make([][]hourCell, 7)
	for d := range rows {
		rows[d] = make([]hourCell, 24)
		for h := range rows[d] {
			n := a.LocalHourOfWeek[d*24+h]
			heat := 0
			if n > 0 {
				heat = 1 + 4*(n-1)/max(1, busiest-1)
			}
			rows[d][h] = hourCell{N: n, Heat: heat}
		}
	}
	return rows
}

type hourCell struct{ N, Heat int }

// DayNames are the rows of the hour table.
func (a *groupAnalysis) DayNames() []string { return analyze.DayNames[:] }

// OffsetLabel is the inferred offset as "UTC+04:00", or "UTC" when none
// was inferred.
func (a *groupAnalysis) OffsetLabel() string {
	if a.Time.UTCOffset == nil {
		return "UTC"
	}
	return "UTC" + *a.Time.UTCOffset
}

func (s *Server) apiGroupAnalysis(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*groupAnalysis, error) {
		if _, err := s.findObject(ctx, intel.KindGroup, id); err != nil {
			return nil, err
		}
		return s.groupAnalysisOf(ctx, id)
	})
}

// graphNode is a group in the graph with what the page filters by.
type graphNode struct {
	fingerprint.Node
	Countries []string `json:"countries"` // victim countries, most events first (at most 5)
	Purposes  []string `json:"purposes"`
}

type graphView struct {
	Build   *intel.FingerprintBuild `json:"build"`
	Min     float64                 `json:"min"`
	Weights fingerprint.Weights     `json:"weights"`
	Nodes   []graphNode             `json:"nodes"`
	Edges   []fingerprint.Edge      `json:"edges"`
}

// maxGraphEdges bounds one graph answer: below a low threshold the graph
// of 1,300 groups is a hairball that no browser lays out.
const maxGraphEdges = 5000

// similarityGraph draws the graph at a threshold (min from the query,
// 0.25 by default).
func (s *Server) similarityGraph(r *http.Request) (*graphView, error) {
	min := 0.25
	if v := r.URL.Query().Get("min"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0.05 || f > 1 {
			return nil, intel.Errorf(intel.CodeInvalid, "min must be a number from 0.05 to 1")
		}
		min = f
	}
	// Thresholds are rounded to hundredths so that the graphs of one
	// build can be kept: the slider asks for the same ones again.
	key := int(math.Round(min * 100))
	min = float64(key) / 100
	st, err := s.analysis(r.Context())
	if err != nil {
		return nil, err
	}
	if g, ok := st.graphs.Load(key); ok {
		return g.(*graphView), nil
	}
	g := st.index.BuildGraph(min, fingerprint.DefaultWeights())
	if len(g.Edges) > maxGraphEdges {
		return nil, intel.Errorf(intel.CodeInvalid, "%d pairs reach %.2f, more than the %d a graph shows: raise min", len(g.Edges), min, maxGraphEdges)
	}
	out := &graphView{Build: st.build, Min: g.Min, Weights: g.Weights, Edges: orEmpty(g.Edges), Nodes: []graphNode{}}
	for _, n := range g.Nodes {
		i, _ := st.index.Lookup(n.ID)
		p := st.index.Profile(i)
		gn := graphNode{Node: n, Countries: []string{}, Purposes: []string{}}
		for _, c := range top(p.VictimCountries, 5) {
			gn.Countries = append(gn.Countries, c.Name)
		}
		for _, c := range top(p.Purposes, 3) {
			gn.Purposes = append(gn.Purposes, c.Name)
		}
		out.Nodes = append(out.Nodes, gn)
	}
	st.graphs.Store(key, out)
	return out, nil
}

func (s *Server) apiGraph(w http.ResponseWriter, r *http.Request) {
	g, err := s.similarityGraph(r)
	answer(s, w, r, http.StatusOK, g, err)
}

// graphPage is the interactive graph; its script reads /api/v1/graph.
func (s *Server) graphPage(w http.ResponseWriter, r *http.Request) {
	st, err := s.analysis(r.Context())
	if err != nil && intel.ErrorCode(err) != intel.CodeNotFound {
		s.error(w, r, err)
		return
	}
	data := struct {
		Build   *intel.FingerprintBuild
		Missing string
	}{}
	if st != nil {
		data.Build = st.build
	} else {
		data.Missing = intel.ErrorMessage(err)
	}
	s.render(w, r, http.StatusOK, "graph", data)
}

func (s *Server) apiGroupPair(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*fingerprint.PairView, error) {
		other, err := strconv.ParseInt(r.PathValue("other"), 10, 64)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "other group ID %q is not a number", r.PathValue("other"))
		}
		st, err := s.analysis(ctx)
		if err != nil {
			return nil, err
		}
		i, ok := st.index.Lookup(id)
		j, ok2 := st.index.Lookup(other)
		if !ok || !ok2 || i == j {
			return nil, intel.Errorf(intel.CodeNotFound, "no fingerprints for the pair %d, %d", id, other)
		}
		v := st.index.PairView(i, j, fingerprint.DefaultWeights(), 20)
		return &v, nil
	})
}

// duplicateStore keeps the analysts' "not the same group" answers.
type duplicateStore interface {
	FindDistinctGroups(ctx context.Context) ([]intel.DistinctPair, error)
	MarkGroupsDistinct(ctx context.Context, a, b int64, reason string) error
}

// duplicatesView is the possible duplicates with the rule that found them.
type duplicatesView struct {
	Build *intel.FingerprintBuild   `json:"build"`
	Rule  fingerprint.DuplicateRule `json:"rule"`
	Pairs []fingerprint.PairView    `json:"pairs"`
}

// duplicates lists stored groups that may be one: very similar across
// several dimensions, and not answered "not the same" by an analyst.
func (s *Server) duplicates(ctx context.Context) (*duplicatesView, error) {
	st, err := s.analysis(ctx)
	if err != nil {
		return nil, err
	}
	distinct, err := s.store.FindDistinctGroups(ctx)
	if err != nil {
		return nil, err
	}
	rule := fingerprint.DefaultDuplicateRule()
	return &duplicatesView{Build: st.build, Rule: rule,
		Pairs: st.index.DuplicateViews(rule, fingerprint.DefaultWeights(), distinct, 10)}, nil
}

func (s *Server) apiDuplicates(w http.ResponseWriter, r *http.Request) {
	d, err := s.duplicates(r.Context())
	answer(s, w, r, http.StatusOK, d, err)
}

// distinctInput answers "these two are not the same group".
type distinctInput struct {
	OtherID int64  `json:"other_id"`
	Reason  string `json:"reason"`
}

func (s *Server) apiGroupDistinct(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, func(ctx context.Context, id int64, in distinctInput) (*intel.DistinctPair, error) {
		if err := s.store.MarkGroupsDistinct(ctx, id, in.OtherID, in.Reason); err != nil {
			return nil, err
		}
		return &intel.DistinctPair{A: min(id, in.OtherID), B: max(id, in.OtherID), Reason: strings.TrimSpace(in.Reason)}, nil
	})
}

func (s *Server) duplicatesPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.duplicates(r.Context())
	data := struct {
		*duplicatesView
		Missing, Error string
	}{duplicatesView: d}
	switch {
	case intel.ErrorCode(err) == intel.CodeNotFound:
		data.Missing = intel.ErrorMessage(err)
	case err != nil:
		s.error(w, r, err)
		return
	}
	data.Error = r.URL.Query().Get("error")
	s.render(w, r, http.StatusOK, "duplicates", data)
}

// distinctForm is the page's "not the same" button.
func (s *Server) distinctForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	a, errA := strconv.ParseInt(f.Get("a"), 10, 64)
	b, errB := strconv.ParseInt(f.Get("b"), 10, 64)
	if errA != nil || errB != nil {
		s.error(w, r, intel.Errorf(intel.CodeInvalid, "a and b must be group IDs"))
		return
	}
	if err := s.store.MarkGroupsDistinct(r.Context(), a, b, f.Get("reason")); err != nil {
		if isUserError(err) {
			http.Redirect(w, r, "/duplicates?error="+url.QueryEscape(intel.ErrorMessage(err)), http.StatusSeeOther)
			return
		}
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/duplicates", http.StatusSeeOther)
}

// overview is what the dashboard charts: events over time, the groups
// most active in the last twelve months, the techniques most groups use.
type overview struct {
	Build      *intel.FingerprintBuild `json:"build"`
	Timeline   []analyze.MonthCount    `json:"timeline"`
	Active     []activeGroup           `json:"active_groups"`
	Techniques []techniqueUse          `json:"techniques"`
	// Since is the first month the active groups are counted from.
	Since string `json:"since"`
}

type activeGroup struct {
	GroupID int64  `json:"group_id"`
	Group   string `json:"group"`
	Events  int    `json:"events"`
}

type techniqueUse struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ObjectID int64  `json:"object_id,omitempty"`
	Groups   int    `json:"groups"`
}

// Sizes of the dashboard's lists.
const (
	overviewGroups     = 10
	overviewTechniques = 15
)

// overviewOf sums every group's profile, once per build.
func (s *Server) overviewOf(ctx context.Context) (*overview, error) {
	st, err := s.analysis(ctx)
	if err != nil {
		return nil, err
	}
	if o, ok := st.graphs.Load("overview"); ok {
		return o.(*overview), nil
	}
	since := s.now().UTC().AddDate(-1, 0, 0).Format("2006-01")
	o := &overview{Build: st.build, Since: since, Timeline: []analyze.MonthCount{}, Active: []activeGroup{}, Techniques: []techniqueUse{}}
	months := map[string]int{}
	uses := map[string]int{}
	for i := range st.index.Len() {
		p := st.index.Profile(i)
		recent := 0
		for m, n := range p.Months {
			months[m] += n
			if m >= since {
				recent += n
			}
		}
		if recent > 0 {
			o.Active = append(o.Active, activeGroup{GroupID: p.GroupID, Group: p.Name, Events: recent})
		}
		for t := range p.Techniques {
			if !strings.Contains(t, ".") {
				uses[t]++
			}
		}
	}
	for m, n := range months {
		o.Timeline = append(o.Timeline, analyze.MonthCount{Month: m, N: n})
	}
	slices.SortFunc(o.Timeline, func(a, b analyze.MonthCount) int { return strings.Compare(a.Month, b.Month) })
	slices.SortFunc(o.Active, func(a, b activeGroup) int {
		return cmp.Or(cmp.Compare(b.Events, a.Events), strings.Compare(a.Group, b.Group))
	})
	o.Active = o.Active[:min(len(o.Active), overviewGroups)]
	for _, t := range top(uses, overviewTechniques) {
		info := st.techniques[t.Name]
		o.Techniques = append(o.Techniques, techniqueUse{ID: t.Name, Name: info.Name, ObjectID: info.ObjectID, Groups: t.N})
	}
	st.graphs.Store("overview", o)
	return o, nil
}

func (s *Server) apiOverview(w http.ResponseWriter, r *http.Request) {
	o, err := s.overviewOf(r.Context())
	answer(s, w, r, http.StatusOK, o, err)
}
