package export_test

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// reader is a store stand-in: it hands out its indicators, sorted as the
// store sorts them, and applies the filter fields a writer's output
// depends on (type, group, TLP ceiling).
type reader struct {
	groups     []*intel.Object
	indicators []*intel.ExportIndicator
	objects    []*intel.ExportSTIXObject // kept STIX objects, sorted as the store sorts them
	events     []*intel.ExportSTIXObject // kept MISP events, sorted by STIX ID
	filters    []intel.ExportFilter      // what each ExportIndicators call asked for
}

func (r *reader) FindObjectByName(_ context.Context, kind intel.ObjectKind, name string) (*intel.Object, error) {
	for _, g := range r.groups {
		if intel.NormalizeName(g.Name) == intel.NormalizeName(name) || slices.ContainsFunc(g.Aliases, func(a string) bool {
			return intel.NormalizeName(a) == intel.NormalizeName(name)
		}) {
			return g, nil
		}
	}
	return nil, intel.Errorf(intel.CodeNotFound, "%s %q not found", kind, name)
}

func (r *reader) selected(f intel.ExportFilter) []*intel.ExportIndicator {
	var out []*intel.ExportIndicator
	for _, in := range r.indicators {
		if len(f.Types) > 0 && !slices.Contains(f.Types, in.Type) || !in.TLP.AtMost(f.TLPMax) {
			continue
		}
		if f.GroupID != 0 && !slices.ContainsFunc(in.Groups, func(g *intel.Object) bool { return g.ID == f.GroupID }) {
			continue
		}
		c := *in
		c.Groups = slices.DeleteFunc(slices.Clone(in.Groups), func(g *intel.Object) bool { return !g.TLP.AtMost(f.TLPMax) })
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *intel.ExportIndicator) int {
		if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

func (r *reader) ExportSummary(_ context.Context, f intel.ExportFilter) (intel.ExportSummary, error) {
	var s intel.ExportSummary
	for _, in := range r.selected(f) {
		s.Count++
		if in.UpdatedAt.After(s.LastChange) {
			s.LastChange = in.UpdatedAt
		}
	}
	return s, nil
}

func (r *reader) ExportIndicators(_ context.Context, f intel.ExportFilter, fn func(*intel.ExportIndicator) error) error {
	r.filters = append(r.filters, f)
	for _, in := range r.selected(f) {
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) ExportSTIXObjects(_ context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error {
	return exportKept(r.objects, f, fn)
}

func (r *reader) ExportMISPEvents(_ context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error {
	return exportKept(r.events, f, fn)
}

// exportKept gives the kept records the store would: none unless f
// selects them, those within its ceiling.
func exportKept(objs []*intel.ExportSTIXObject, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error {
	if !f.STIXObjects() {
		return nil
	}
	for _, o := range objs {
		if o.TLP.AtMost(f.TLPMax) {
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// hostile is text that breaks a format written carelessly: quotes of
// every kind, the separators of CSV, rules, zones and Zeek, newlines,
// a tab, backslashes, a NUL and a Unicode line separator.
const hostile = "Evil \"Group\"; alert tcp any any -> any any (msg:'x'; sid:1;)\n$ORIGIN evil.\r\n| \\ \t, #\x00\u2028end"

func fixture() *reader {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	apt28 := &intel.Object{ID: 1, Kind: intel.KindGroup, StixID: "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c",
		ExternalID: "G0007", URL: "https://attack.mitre.org/groups/G0007", Name: "APT28", Aliases: []string{"Fancy Bear", "Sofacy"},
		Description: "A group.", Created: t0.AddDate(-5, 0, 0), Modified: t0.AddDate(-1, 0, 0), Confidence: 1, TLP: intel.TLPClear}
	evil := &intel.Object{ID: 2, Kind: intel.KindGroup, StixID: "misp-galaxy:3d9cc5bc-9e5f-4f4b-8e0c-7d6e6f3e2a11",
		Name: hostile, Aliases: []string{"semi;colon", "quote\"d"}, Description: hostile, Confidence: 0.5, TLP: intel.TLPAmber}
	red := &intel.Object{ID: 3, Kind: intel.KindGroup, Name: "Red Team", Confidence: 0.8, TLP: intel.TLPRed,
		Created: t0, Modified: t0}
	n := 0
	ind := func(typ intel.IndicatorType, value string, tlp intel.TLP, groups ...*intel.Object) *intel.ExportIndicator {
		n++
		return &intel.ExportIndicator{Indicator: intel.Indicator{ID: int64(n), Type: typ, Value: value, TLP: tlp,
			Description: "seen in " + string(typ) + " telemetry", Confidence: 0.8, Tags: []string{"c2"},
			FirstSeen: t0.AddDate(0, 0, -n), LastSeen: t0.AddDate(0, 0, n),
			CreatedAt: t0.AddDate(0, -1, 0), UpdatedAt: t0.Add(time.Duration(n) * time.Hour)},
			Sources: []string{"abuse.ch"}, Groups: groups}
	}
	hostileDomain := ind(intel.IndicatorDomain, "c2.badcorp.net", intel.TLPAmber, apt28, evil)
	hostileDomain.Description = hostile
	hostileDomain.Sources = []string{"abuse.ch", hostile}
	hostileDomain.Tags = []string{"c2", hostile}
	hostileDomain.Sightings, hostileDomain.LastSighted = 7, t0.Add(36*time.Hour) // seen in our own logs
	badValue := ind(intel.IndicatorDomain, "badcorp.net\n0.0.0.0 google.com", intel.TLPGreen)
	hostileURL := ind(intel.IndicatorURL, `http://badcorp.net:8080/a'b"c\d;e|f:g?q=1`, intel.TLPGreen, apt28)
	warned := ind(intel.IndicatorIPv4, "198.51.100.7", "")
	warned.Warninglist = "public-resolvers"
	noDates := ind(intel.IndicatorSHA256, "0f343b0931126a20f133d67c2b018a3b1f3d0e1b1b3d5f5a3e1d6c0b7a9f8e7d", intel.TLPClear)
	noDates.FirstSeen, noDates.LastSeen, noDates.Tags, noDates.Sources = time.Time{}, time.Time{}, nil, nil
	return &reader{
		groups: []*intel.Object{apt28, evil, red},
		indicators: []*intel.ExportIndicator{
			ind(intel.IndicatorASN, "AS64500", intel.TLPGreen),
			ind(intel.IndicatorCIDR, "198.51.100.0/24", intel.TLPGreen, apt28),
			ind(intel.IndicatorCIDR, "2001:db8::/32", intel.TLPGreen),
			ind(intel.IndicatorCIDR, "203.0.113.9/32", intel.TLPGreen),
			ind(intel.IndicatorCVE, "CVE-2024-3400", intel.TLPClear),
			hostileDomain,
			badValue,
			ind(intel.IndicatorDomain, "xn--80ak6aa92e.com", intel.TLPAmberStrict, red),
			ind(intel.IndicatorEmail, "phish@badcorp.net", intel.TLPGreen),
			ind(intel.IndicatorIPv4, "203.0.113.9", intel.TLPGreen, apt28),
			warned,
			ind(intel.IndicatorIPv6, "2001:db8:0:1::57", intel.TLPRed),
			ind(intel.IndicatorMD5, "d41d8cd98f00b204e9800998ecf8427e", intel.TLPGreen),
			ind(intel.IndicatorSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", intel.TLPGreen),
			noDates,
			ind(intel.IndicatorSHA512, "74e128a6d7e828571edffcacac552f50d05d7263b3be44f71e512ec6c32c538c85e8d547901cfa62dfba3519b53997d194a0d2d47b9665196dcc6b4ef22fdad5", intel.TLPGreen),
			ind(intel.IndicatorTechnique, "T1059.001", intel.TLPClear),
			hostileURL,
			ind(intel.IndicatorURL, "https://badcorp.net/login", intel.TLPGreen, evil),
		},
	}
}
