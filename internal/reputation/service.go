package reputation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/spoor/spoor/internal/intel"
)

// ModelKind is the kind under which reputation models are stored.
const ModelKind = "reputation"

// MaxBatch is the most names one Service.Score call rates: the API and the
// batch page refuse more, so one request cannot hold a server for long.
const MaxBatch = 10000

// Store is what a Service reads: the newest stored model, the whitelist
// analysts keep, the imported VirusTotal reports, and what the base holds
// about names (feeds, events, reports, the names under a registered
// domain). Every look-up takes the whole batch. *store.Store is one.
type Store interface {
	FindLatestModel(ctx context.Context, kind string) (*intel.Model, error)
	LatestModelID(ctx context.Context, kind string) (int64, error)
	ListWhitelist(ctx context.Context) ([]intel.WhitelistEntry, error)
	FindDomainReports(ctx context.Context, domains []string) (map[string]*intel.DomainReport, error)
	FindDomainEvidence(ctx context.Context, domains []string) (map[string]*intel.DomainEvidence, error)
	FindDomainFamilies(ctx context.Context, registered []string) (map[string]intel.DomainFamily, error)
}

// Service rates domains for the CLI, the API and the pages: the newest
// stored model (loaded once, and again only when a newer one is stored),
// else the built-in one; the store's whitelist and a file's; and the
// VirusTotal report of a name when one was imported. It is safe for
// concurrent use.
type Service struct {
	// Store may be nil: then the built-in model (or Model), the file's
	// whitelist and no reports.
	Store Store
	// Model, when set, is used instead of any stored model (spoor
	// reputation --model).
	Model *Model
	// File is a whitelist read from a file, applied with the store's.
	File *Whitelist
	// Explain adds the features that moved the model most to the reasons.
	Explain bool
	// NoEvidence rates names on their spelling and VirusTotal reports
	// alone, without what the base holds about them (spoor reputation
	// --evidence=false: to see what the evidence changed).
	NoEvidence bool

	mu    sync.Mutex
	id    int64
	model *Model
	eval  *Evaluation
}

// ModelView is the model a Service scores with, as the model page shows
// it: where it comes from, how it was trained and what its evaluation
// measured (nil when none was stored with it).
type ModelView struct {
	ID         int64       `json:"id"`     // stored model's ID; 0 when not stored
	Origin     string      `json:"origin"` // "stored", "built-in" or "file"
	Info       Info        `json:"info"`
	Evaluation *Evaluation `json:"evaluation,omitempty"`
}

// Score rates names in input order; an invalid name gets "invalid" with
// its reason, not an error. It refuses more than MaxBatch names.
func (s *Service) Score(ctx context.Context, domains []string) ([]Result, error) {
	if len(domains) > MaxBatch {
		return nil, intel.Errorf(intel.CodeInvalid, "%d names: at most %d are rated at once", len(domains), MaxBatch)
	}
	_, m, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	wl, err := s.Whitelist(ctx)
	if err != nil {
		return nil, err
	}
	sc := &Scorer{Model: m, Whitelist: wl, Explain: s.Explain}
	sigs, err := s.signals(ctx, sc, domains)
	if err != nil {
		return nil, err
	}
	return sc.ScoreBatch(domains, sigs), nil
}

// signals gathers what the store holds about the names: their VirusTotal
// reports and stored evidence, the reputation of their registered domains
// that the base holds (rated by sc on their own evidence, one level: a
// parent's parent is not consulted), and the names stored beside them.
// Each kind of look-up is one batched call for all the names.
func (s *Service) signals(ctx context.Context, sc *Scorer, domains []string) ([]*Signals, error) {
	if s.Store == nil || len(domains) == 0 {
		return nil, nil
	}
	parsed := make([]*Name, len(domains))
	var names, subs []string // every name and parent; the registered domains of subdomains
	for i, d := range domains {
		n, err := ParseName(d)
		if err != nil {
			continue
		}
		parsed[i] = &n
		names = append(names, n.Domain)
		if n.Registered != "" && n.Registered != n.Domain {
			names = append(names, n.Registered)
			subs = append(subs, n.Registered)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	names, subs = distinct(names), distinct(subs)
	reps, err := s.Store.FindDomainReports(ctx, names)
	if err != nil {
		return nil, err
	}
	evs, fams := map[string]*intel.DomainEvidence{}, map[string]intel.DomainFamily{}
	if !s.NoEvidence {
		if evs, err = s.Store.FindDomainEvidence(ctx, names); err != nil {
			return nil, err
		}
		if fams, err = s.Store.FindDomainFamilies(ctx, subs); err != nil {
			return nil, err
		}
	}
	if len(reps) == 0 && len(evs) == 0 && len(fams) == 0 {
		return nil, nil
	}
	own := func(d string) *Signals {
		sig := &Signals{Evidence: evs[d]}
		if r, ok := reps[d]; ok && len(r.Features) == len(VTFeatureNames) {
			sig.VT, sig.VTTags = r.Features, r.Tags
		}
		return sig
	}
	var parents []string
	var psigs []*Signals
	for _, p := range subs {
		if evs[p] != nil {
			parents = append(parents, p)
			psigs = append(psigs, own(p))
		}
	}
	parentRep := map[string]string{}
	for i, r := range sc.ScoreBatch(parents, psigs) {
		parentRep[parents[i]] = r.Reputation
	}
	sigs := make([]*Signals, len(domains))
	for i, n := range parsed {
		if n == nil {
			continue
		}
		sig := own(n.Domain)
		if n.Registered != n.Domain {
			sig.ParentReputation = parentRep[n.Registered]
			f := fams[n.Registered]
			sig.Siblings, sig.MaliciousSiblings = f.Names, f.Listed
			if sc.Model != nil {
				sig.ParentRank, _ = sc.Model.popularRank(n.Registered)
			}
			if ev := evs[n.Domain]; ev != nil { // the name is one of the family
				sig.Siblings--
				if ev.Listed {
					sig.MaliciousSiblings--
				}
			}
		}
		if sig.Evidence != nil || sig.VT != nil || sig.ParentReputation != "" || sig.Siblings > 0 {
			sigs[i] = sig // else nil: the bare name's path, no rules to try
		}
	}
	return sigs, nil
}

// distinct returns the distinct strings, sorted.
func distinct(vs []string) []string {
	slices.Sort(vs)
	return slices.Compact(vs)
}

// Whitelist is the file's entries and the store's together.
func (s *Service) Whitelist(ctx context.Context) (*Whitelist, error) {
	if s.Store == nil {
		return s.File, nil
	}
	entries, err := s.Store.ListWhitelist(ctx)
	if err != nil {
		return nil, err
	}
	w := &Whitelist{entries: make(map[string]bool, len(entries)+s.File.Len())}
	if s.File != nil {
		for d := range s.File.entries {
			w.entries[d] = true
		}
	}
	for _, e := range entries {
		w.entries[e.Domain] = true
	}
	return w, nil
}

// Current describes the model Score uses.
func (s *Service) Current(ctx context.Context) (*ModelView, error) {
	mv, _, err := s.current(ctx)
	return mv, err
}

// ModelInUse returns the model Score uses (for screening, which reads its
// popularity list).
func (s *Service) ModelInUse(ctx context.Context) (*Model, error) {
	_, m, err := s.current(ctx)
	return m, err
}

func (s *Service) current(ctx context.Context) (*ModelView, *Model, error) {
	if s.Model != nil {
		return &ModelView{Origin: "file", Info: s.Model.Info}, s.Model, nil
	}
	var id int64
	if s.Store != nil {
		var err error
		id, err = s.Store.LatestModelID(ctx, ModelKind)
		if err != nil && intel.ErrorCode(err) != intel.CodeNotFound {
			return nil, nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.model != nil && s.id == id {
		return s.view(), s.model, nil
	}
	if id == 0 {
		m, err := Default()
		if err != nil {
			return nil, nil, fmt.Errorf("built-in reputation model: %w", err)
		}
		s.model, s.id, s.eval = m, 0, DefaultEvaluation()
		return s.view(), m, nil
	}
	stored, err := s.Store.FindLatestModel(ctx, ModelKind)
	if err != nil {
		return nil, nil, err
	}
	m, err := Load(strings.NewReader(stored.Data))
	if err != nil {
		return nil, nil, intel.Errorf(intel.CodeInvalid, "stored reputation model %d: %v", stored.ID, err)
	}
	var ev *Evaluation
	if e := strings.TrimSpace(stored.Evaluation); e != "" && e != "{}" {
		ev = &Evaluation{}
		if err := json.Unmarshal([]byte(e), ev); err != nil {
			return nil, nil, intel.Errorf(intel.CodeInvalid, "stored reputation model %d: evaluation: %v", stored.ID, err)
		}
	}
	s.model, s.id, s.eval = m, stored.ID, ev
	return s.view(), m, nil
}

func (s *Service) view() *ModelView {
	v := &ModelView{ID: s.id, Origin: "built-in", Info: s.model.Info, Evaluation: s.eval}
	if s.id != 0 {
		v.Origin = "stored"
	}
	return v
}

// StoredModel turns a trained model and its evaluation (nil for none)
// into the record the store keeps: uncompressed JSON, which Load reads.
func StoredModel(m *Model, ev *Evaluation) (*intel.Model, error) {
	var buf bytes.Buffer
	if err := m.save(&buf, false); err != nil {
		return nil, err
	}
	info, err := json.Marshal(m.Info)
	if err != nil {
		return nil, err
	}
	rec := &intel.Model{Kind: ModelKind, Version: FormatVersion, Summary: string(info), Data: buf.String()}
	if ev != nil {
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		rec.Evaluation = string(b)
	}
	return rec, nil
}
