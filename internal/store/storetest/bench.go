package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/testenv"
)

// BenchOpener opens a fresh, empty store for a benchmark.
type BenchOpener func(b *testing.B) *store.Store

// attackFile is the ATT&CK bundle relative to the shared data directory
// (testenv.DataPath).
const attackFile = "mitre-attack/enterprise-attack-13.1.json.gz"

// AttackBundle parses the real ATT&CK Enterprise bundle, or returns nil
// when the data is absent. Parsing takes about a second: call it once per
// benchmark, outside the timed loop.
func AttackBundle(tb testing.TB) *intel.Bundle {
	tb.Helper()
	path, ok := testenv.DataPath(filepath.FromSlash(attackFile))
	if !ok {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	res, err := stix.Parse(f, attackFile, intel.Source{Name: "MITRE ATT&CK", Kind: intel.SourceSTIX, Credibility: 1})
	if err != nil {
		tb.Fatalf("parse ATT&CK: %v", err)
	}
	return res.Bundle
}

func records(b *intel.Bundle) int {
	return len(b.Objects) + len(b.Relationships) + len(b.Documents) + len(b.Indicators) + len(b.STIXObjects)
}

// cloneBundle copies the slices ImportBundle normalises in place, so every
// iteration imports the same input.
func cloneBundle(b *intel.Bundle) *intel.Bundle {
	c := *b
	c.Objects = append([]intel.Object(nil), b.Objects...)
	c.Relationships = append([]intel.Link(nil), b.Relationships...)
	c.Documents = append([]intel.Document(nil), b.Documents...)
	c.Indicators = append([]intel.Indicator(nil), b.Indicators...)
	c.STIXObjects = append([]intel.STIXObject(nil), b.STIXObjects...)
	return &c
}

// BenchImport measures a first import of bundle into an empty store and
// reports records/s.
func BenchImport(b *testing.B, open BenchOpener, bundle *intel.Bundle) {
	n := records(bundle)
	total := 0.0
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		in := cloneBundle(bundle)
		b.StartTimer()
		if _, err := s.ImportBundle(context.Background(), in, nil); err != nil {
			b.Fatal(err)
		}
		total += float64(n)
	}
	b.ReportMetric(total/b.Elapsed().Seconds(), "records/s")
}

// BenchReimport measures importing bundle again when nothing changed.
func BenchReimport(b *testing.B, open BenchOpener, bundle *intel.Bundle) {
	s := open(b)
	if _, err := s.ImportBundle(context.Background(), cloneBundle(bundle), nil); err != nil {
		b.Fatal(err)
	}
	n := records(bundle)
	total := 0.0
	for b.Loop() {
		st, err := s.ImportBundle(context.Background(), cloneBundle(bundle), nil)
		if err != nil {
			b.Fatal(err)
		}
		if c := st.Counts["relationship"]; c.Created+c.Updated != 0 {
			b.Fatalf("re-import changed relationships: %+v", c)
		}
		total += float64(n)
	}
	b.ReportMetric(total/b.Elapsed().Seconds(), "records/s")
}

// BenchSearch measures ranked search over an imported bundle, cycling
// through name, alias, ID and prose queries.
func BenchSearch(b *testing.B, open BenchOpener, bundle *intel.Bundle, queries []string) {
	s := open(b)
	if _, err := s.ImportBundle(context.Background(), cloneBundle(bundle), nil); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		hits, err := s.Search(context.Background(), intel.SearchQuery{Text: queries[i%len(queries)], Limit: 20})
		if err != nil {
			b.Fatal(err)
		}
		if len(hits) == 0 {
			b.Fatalf("no hits for %q", queries[i%len(queries)])
		}
		i++
	}
}

// SyntheticQueries match SyntheticBundle(AttackSize).
var SyntheticQueries = []string{"group keylogger 12", "credential", "G0042", "beacon alias 0", "lateral loader", "T0100"}

// AttackQueries match the real ATT&CK bundle.
var AttackQueries = []string{"APT28", "Fancy Bear", "T1059.001", "PowerShell", "spearphishing attachment", "credential dumping", "Lazarus"}

// MirrorQueries are the searches docs/benchmarks.md times on a store with
// the offline mirror collected: a word in most domains, names, a tool and
// a domain.
var MirrorQueries = []string{"com", "apt28", "cobalt", "powershell", "lazarus group", "google.com"}

// BenchSearchStored times Search (20 hits) and SearchCounts (the facets)
// for each query on a store that already holds data, one sub-benchmark
// each: search/QUERY and facets/QUERY.
func BenchSearchStored(b *testing.B, s *store.Store, queries []string) {
	ctx := context.Background()
	for _, q := range queries {
		b.Run("search/"+q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, intel.SearchQuery{Text: q, Limit: 20}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("facets/"+q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.SearchCounts(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
