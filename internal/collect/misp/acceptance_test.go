package misp_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/misp"
	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/testenv"
)

// TestAcceptanceGalaxyMerge imports ATT&CK 13.1 and the four MISP group
// galaxies into SQLite and checks that APT28's names from every source
// land on one group, with their sources, and that a second import of
// everything changes nothing.
func TestAcceptanceGalaxyMerge(t *testing.T) {
	testenv.Acceptance(t)
	dir := testenv.DataDir(t)
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	cf, err := os.Open(filepath.Join(dir, "misp-galaxy", "cluster-country.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	countries, err := misp.ParseCountries(cf, "cluster-country.json.gz")
	cf.Close()
	if err != nil {
		t.Fatal(err)
	}
	galaxies := []string{"threat-actor", "microsoft-activity-group", "360net", "tidal-groups"}
	importAll := func(round int) map[string]*intel.ImportStats {
		out := map[string]*intel.ImportStats{}
		f, err := os.Open(filepath.Join(dir, "mitre-attack", "enterprise-attack-13.1.json.gz"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		res, err := stix.Parse(f, "enterprise-attack-13.1.json.gz", intel.Source{Name: "MITRE ATT&CK", Kind: intel.SourceSTIX, Credibility: 1})
		if err != nil {
			t.Fatal(err)
		}
		if out["attack"], err = s.ImportBundle(ctx, res.Bundle, nil); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for _, g := range galaxies {
			f, err := os.Open(filepath.Join(dir, "misp-galaxy", "cluster-"+g+".json.gz"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := misp.ParseCluster(f, g, intel.Source{Name: "MISP galaxy " + g, Kind: intel.SourceMISP, Credibility: 0.6}, countries)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if out[g], err = s.ImportBundle(ctx, res.Bundle, nil); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("round %d: galaxy import took %v", round, time.Since(start))
		return out
	}
	first := importAll(1)

	var id int64
	for _, name := range []string{"APT28", "Sofacy", "Fancy Bear", "STRONTIUM", "Forest Blizzard"} {
		o, err := s.FindObjectByName(ctx, intel.KindGroup, name)
		if err != nil {
			t.Fatalf("find %s: %v", name, err)
		}
		if id == 0 {
			id = o.ID
		} else if o.ID != id {
			t.Errorf("FindObjectByName(%q) = group %d %q, want group %d", name, o.ID, o.Name, id)
		}
	}
	aliases, err := s.FindAliases(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]string{}
	for _, a := range aliases {
		sources[intel.NormalizeName(a.Alias)] = a.Sources
	}
	for name, want := range map[string]string{
		"APT28": "MITRE ATT&CK", "Sofacy": "MISP galaxy threat-actor", "Fancy Bear": "MISP galaxy threat-actor",
		"STRONTIUM": "MISP galaxy microsoft-activity-group", "Forest Blizzard": "MISP galaxy microsoft-activity-group",
	} {
		if got := sources[intel.NormalizeName(name)]; !slices.Contains(got, want) {
			t.Errorf("alias %s sources = %q, want to include %q", name, got, want)
		}
	}
	recs, err := s.FindRecords(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var recSources []string
	for _, r := range recs {
		recSources = append(recSources, r.SourceName+"/"+string(r.Rule))
	}
	t.Logf("APT28 records: %q", recSources)
	if !slices.Contains(recSources, "MISP galaxy tidal-groups/key") {
		t.Errorf("APT28 records %q lack the tidal record merged by its ATT&CK ID", recSources)
	}
	g, _ := s.FindObjectByID(ctx, id)
	t.Logf("APT28 group: %d names, country %s, %d sectors, %d victim countries", len(aliases), g.Country, len(g.Sectors), len(g.VictimCountries))
	if g.Country != "RU" {
		t.Errorf("APT28 country = %q, want RU", g.Country)
	}

	var total intel.ImportCount
	byRule := map[string]int{}
	for _, g := range galaxies {
		for k, c := range first[g].Counts {
			if len(k) > 6 && k[:6] == "merge:" {
				byRule[k[6:]] += c.Created
			}
		}
		c := first[g].Count("group")
		total.Seen += c.Seen
		total.Created += c.Created
	}
	t.Logf("galaxy group values: %d; merged by rule: %v; separate groups created: %d", total.Seen, byRule, total.Created)
	if byRule["key"] == 0 || byRule["related"] == 0 || byRule["synonyms"] == 0 {
		t.Errorf("merges by rule = %v, want every rule used", byRule)
	}

	second := importAll(2)
	for src, st := range second {
		for kind, c := range st.Counts {
			if c.Created != 0 || c.Updated != 0 {
				t.Errorf("re-import of %s: %s created %d updated %d, want 0", src, kind, c.Created, c.Updated)
			}
		}
	}
}
