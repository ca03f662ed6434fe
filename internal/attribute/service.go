package attribute

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
	"github.com/spoor/spoor/internal/ipasn"
	"github.com/spoor/spoor/internal/ipgeo"
)

// Store is what an Attributor reads: the stored model, and the objects it
// resolves names through and names groups by.
type Store interface {
	FindLatestModel(ctx context.Context, kind string) (*intel.Model, error)
	LatestModelID(ctx context.Context, kind string) (int64, error)
	FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error)
	FindObjectByID(ctx context.Context, id int64) (*intel.Object, error)
	FindAttributionChecks(ctx context.Context, groups []int64, indicators []*intel.Indicator) (*intel.AttributionChecks, error)
}

// Query is an event to attribute as a person describes it: ATT&CK
// technique IDs, software names or aliases, indicator values (defanged or
// not), sectors and victim countries.
type Query struct {
	Techniques      []string `json:"techniques,omitempty"`
	Software        []string `json:"software,omitempty"`
	Indicators      []string `json:"indicators,omitempty"`
	Sectors         []string `json:"sectors,omitempty"`
	VictimCountries []string `json:"victim_countries,omitempty"`
	// Times are activity timestamps in any form analyze.Parse reads
	// (RFC 3339, unix seconds, PDF and e-mail dates). Only those with a
	// time of day are evidence (the hours a group works).
	Times []string `json:"times,omitempty"`
	// Top is how many groups to rank (5 when 0); Abstain the probability
	// below which the answer is "unknown group" (0.3 when nil).
	Top     int      `json:"top,omitempty"`
	Abstain *float64 `json:"abstain,omitempty"`
}

// RankedGroup is a ranked group with its name and what a person checks
// the ranking against.
type RankedGroup struct {
	Ranked
	Group string `json:"group"`
	Checks
}

// Checks are the claims behind a ranked group that a person can follow:
// the stored indicators the event shares with the group's events (with
// their sources), and the group's past events most like it (with their
// reports). Fingerprint, on Ranked, is how the event meets the group's
// fingerprint.
type Checks struct {
	SharedIndicators []intel.SharedIndicator `json:"shared_indicators"`
	SimilarEvents    []SimilarEvent          `json:"similar_events"`
}

// similarPerGroup is how many past events each ranked group lists.
const similarPerGroup = 3

// Result is an attribution as the CLI, API and page show it.
type Result struct {
	Model int64 `json:"model_id"`
	// ModelInfo names the stored model that answered.
	ModelInfo ModelInfo `json:"model"`
	// Candidates are the ranked groups by their ATT&CK ID where they have
	// one ("G0007"), else spoor's ID, best first: the answer as the
	// attribution's users read it. Groups holds the same with spoor's IDs.
	Candidates []Candidate   `json:"candidates"`
	Groups     []RankedGroup `json:"groups"`
	Abstained  bool          `json:"abstained"`
	Threshold  float64       `json:"threshold"`
	// Features are the event's features the model knows; with none the
	// ranking is the prior.
	Features []string `json:"features"`
	// Unknown are the inputs the model has never seen (a software name no
	// training event had, say): they change nothing, and a person should
	// know that rather than read the ranking as using them.
	Unknown []string `json:"unknown"`
	// Warnings are what the input held that was not used (fields of an
	// event JSON that are not evidence, say).
	Warnings []string `json:"warnings,omitempty"`
}

// ModelInfo names a stored attribution model.
type ModelInfo struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Encoding int    `json:"encoding"`
	// Pooled says whether the trees are pooled with the nearest
	// fingerprint and calibrated (models trained before are not).
	Pooled bool `json:"pooled"`
}

// Candidate is one ranked group of a Result.
type Candidate struct {
	GroupID     string            `json:"group_id"` // the ATT&CK ID, else spoor's ID
	ID          int64             `json:"id"`       // spoor's ID
	Group       string            `json:"group"`
	Probability float64           `json:"probability"`
	Evidence    []Contribution    `json:"evidence"`
	Fingerprint *FingerprintMatch `json:"fingerprint,omitempty"`
	Checks
}

// Attributor answers queries with the newest stored attribution model,
// loaded once and again only when a newer one is stored.
type Attributor struct {
	Store Store
	mu    sync.Mutex
	id    int64
	model *GBDT
}

// evidencePerGroup is how many explaining features each ranked group gets.
const evidencePerGroup = 5

// Attribute ranks the groups most likely behind the event q describes.
func (a *Attributor) Attribute(ctx context.Context, q Query) (*Result, error) {
	if q.Top == 0 {
		q.Top = 5
	}
	abstain := 0.3
	if q.Abstain != nil {
		abstain = *q.Abstain
	}
	if q.Top < 1 || q.Top > 100 || abstain < 0 || abstain > 1 {
		return nil, intel.Errorf(intel.CodeInvalid, "top must be 1 to 100 and abstain between 0 and 1")
	}
	ev, err := a.event(ctx, q)
	if err != nil {
		return nil, err
	}
	model, id, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	res := model.Attribute(model.Enc.Encode(ev), q.Top, evidencePerGroup, abstain)
	out, err := a.named(ctx, res, id)
	if err != nil {
		return nil, err
	}
	if err := a.check(ctx, model, ev, out); err != nil {
		return nil, err
	}
	out.ModelInfo = ModelInfo{ID: id, Kind: "attribution", Encoding: model.Enc.Version, Pooled: model.Pool != nil}
	out.Unknown = model.Enc.unknownInputs(ev)
	return out, nil
}

// event turns a query into the event the encoder reads: techniques in
// upper case, software resolved through aliases to the stored name the
// model was trained on, each indicator checked to be exactly one.
func (a *Attributor) event(ctx context.Context, q Query) (*intel.Event, error) {
	ev := &intel.Event{}
	// Sectors and countries are read as the training events hold them:
	// sector keys and ISO codes, whatever name a person typed.
	for _, s := range q.Sectors {
		s = strings.TrimSpace(s)
		if k := intel.FindSector(s); k != "" {
			s = k
		}
		if s != "" {
			ev.Sectors = append(ev.Sectors, s)
		}
	}
	for _, c := range q.VictimCountries {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		country, ok := geo.Find(c)
		if !ok {
			return nil, intel.Errorf(intel.CodeInvalid, "victim country %q is not a country name or ISO 3166 code", c)
		}
		ev.VictimCountries = append(ev.VictimCountries, country.Code)
	}
	for _, t := range q.Techniques {
		t = strings.ToUpper(strings.TrimSpace(t))
		if !intel.IsAttackID(t) || !strings.HasPrefix(t, "T") || strings.HasPrefix(t, "TA") {
			return nil, intel.Errorf(intel.CodeInvalid, "technique %q is not an ATT&CK technique ID (T1566 or T1566.001)", t)
		}
		ev.Techniques = append(ev.Techniques, t)
	}
	for _, name := range q.Software {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		o, err := a.Store.FindObjectByName(ctx, intel.KindSoftware, name)
		switch {
		case err == nil:
			name = o.Name
		case intel.ErrorCode(err) != intel.CodeNotFound:
			return nil, err
		}
		ev.Software = append(ev.Software, name)
	}
	for _, v := range q.Indicators {
		m, err := ioc.Check(v)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "indicator %q: %v", v, err)
		}
		ev.Indicators = append(ev.Indicators, &intel.Indicator{Type: intel.IndicatorType(m.Type.String()), Value: m.Value})
		// Placed as the store places a stored event's addresses, so the
		// infrastructure countries mean the same at training and here.
		if (m.Type == ioc.TypeIPv4 || m.Type == ioc.TypeIPv6) && !warninglisted(m.Type, m.Value) {
			if c := ipgeo.Country(m.Value); c != "" && !slices.Contains(ev.InfraCountries, c) {
				ev.InfraCountries = append(ev.InfraCountries, c)
			}
			if a, ok := ipasn.Lookup(m.Value); ok && !slices.Contains(ev.InfraASNs, a.String()) {
				ev.InfraASNs = append(ev.InfraASNs, a.String())
			}
		}
	}
	for _, v := range q.Times {
		if strings.TrimSpace(v) == "" {
			continue
		}
		ts, err := analyze.Parse(v)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "time %q: %v", v, err)
		}
		ev.Times = append(ev.Times, ts.Time)
	}
	return ev, nil
}

// warninglists are the built-in lists an address must not be on to say
// where a group's infrastructure is (a public resolver says nothing).
var warninglists = ioc.DefaultWarninglists()

func warninglisted(t ioc.Type, v string) bool {
	for _, w := range warninglists {
		if w.Contains(t, v) {
			return true
		}
	}
	return false
}

// check adds to each ranked group the indicators the event shares with
// its events and its most similar past events.
func (a *Attributor) check(ctx context.Context, model *GBDT, ev *intel.Event, out *Result) error {
	ids := make([]int64, len(out.Groups))
	for i, g := range out.Groups {
		ids[i] = g.GroupID
	}
	found, err := a.Store.FindAttributionChecks(ctx, ids, ev.Indicators)
	if err != nil {
		return err
	}
	past := map[int64][]*intel.Event{}
	for _, e := range found.Events {
		past[e.GroupID] = append(past[e.GroupID], e)
	}
	shared := map[int64][]intel.SharedIndicator{}
	for _, sh := range found.Shared {
		shared[sh.GroupID] = append(shared[sh.GroupID], sh)
	}
	for i := range out.Groups {
		g := &out.Groups[i]
		g.Checks = Checks{SharedIndicators: shared[g.GroupID], SimilarEvents: model.similarEvents(ev, past[g.GroupID], similarPerGroup)}
		if g.SharedIndicators == nil {
			g.SharedIndicators = []intel.SharedIndicator{}
		}
		out.Candidates[i].Checks = g.Checks
	}
	return nil
}

func (a *Attributor) load(ctx context.Context) (*GBDT, int64, error) {
	id, err := a.Store.LatestModelID(ctx, "attribution")
	if intel.ErrorCode(err) == intel.CodeNotFound {
		return nil, 0, intel.Errorf(intel.CodeNotFound, "no attribution model is stored: run spoor train attribution first")
	}
	if err != nil {
		return nil, 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.model != nil && a.id == id {
		return a.model, id, nil
	}
	stored, err := a.Store.FindLatestModel(ctx, "attribution")
	if err != nil {
		return nil, 0, err
	}
	model, err := Load(strings.NewReader(stored.Data))
	if err != nil {
		return nil, 0, intel.Errorf(intel.CodeInvalid, "stored attribution model %d: %v", stored.ID, err)
	}
	a.model, a.id = model, stored.ID
	return model, stored.ID, nil
}

// named adds the groups' names, and names the group behind each
// indicator-overlap feature.
func (a *Attributor) named(ctx context.Context, r Attribution, modelID int64) (*Result, error) {
	out := &Result{Model: modelID, Abstained: r.Abstained, Threshold: r.Threshold, Features: r.Features, Groups: []RankedGroup{},
		Candidates: []Candidate{}}
	if out.Features == nil {
		out.Features = []string{}
	}
	names, extIDs := map[int64]string{}, map[int64]string{}
	nameOf := func(id int64) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		n, ext := "group "+strconv.FormatInt(id, 10), strconv.FormatInt(id, 10)
		if o, err := a.Store.FindObjectByID(ctx, id); err == nil {
			n = o.Name
			if o.ExternalID != "" {
				ext = o.ExternalID
			}
		} else if intel.ErrorCode(err) != intel.CodeNotFound {
			return "", err
		}
		names[id], extIDs[id] = n, ext
		return n, nil
	}
	for _, g := range r.Groups {
		name, err := nameOf(g.GroupID)
		if err != nil {
			return nil, err
		}

		for i, c := range g.Evidence {
			if c.GroupID != 0 {
				n, err := nameOf(c.GroupID)
				if err != nil {
					return nil, err
				}
				// "indicators known for group 12" → "… for APT28".
				g.Evidence[i].Feature = strings.TrimSuffix(c.Feature, "group "+strconv.FormatInt(c.GroupID, 10)) + n
			}
		}
		if fp := g.Fingerprint; fp != nil {
			own := "group " + strconv.FormatInt(g.GroupID, 10)
			for i, f := range fp.Shared {
				if strings.HasSuffix(f, own) {
					fp.Shared[i] = strings.TrimSuffix(f, own) + name
				}
			}
		}
		out.Groups = append(out.Groups, RankedGroup{Ranked: g, Group: name})
	}
	for _, g := range out.Groups {
		ev := g.Evidence
		if ev == nil {
			ev = []Contribution{}
		}
		out.Candidates = append(out.Candidates, Candidate{GroupID: extIDs[g.GroupID], ID: g.GroupID, Group: g.Group,
			Probability: g.Probability, Evidence: ev, Fingerprint: g.Fingerprint})
	}
	return out, nil
}
