package report_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// attackKnown builds the linker's dictionary from ATT&CK 13.1 the way the
// store's MentionDictionary does: active objects, name and aliases, IDs
// numbered in bundle order.
func attackKnown(t *testing.T, dir string) (*report.Known, map[int64]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "mitre-attack", "enterprise-attack-13.1.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := stix.Parse(zr, "enterprise-attack-13.1.json.gz", intel.Source{Name: "mitre-attack", Kind: intel.SourceSTIX})
	if err != nil {
		t.Fatal(err)
	}
	var entries []intel.NameEntry
	names := map[int64]string{}
	for i, o := range res.Bundle.Objects {
		if !o.Active() {
			continue
		}
		id := int64(i + 1)
		names[id] = o.Name
		entries = append(entries, intel.NameEntry{Kind: string(o.Kind), ObjectID: id, Key: o.Name,
			Names: append([]string{o.Name}, o.Aliases...), ExternalID: o.ExternalID})
	}
	return report.NewKnown(entries), names
}

type annoctrReport struct {
	ID     string `json:"id"`
	Vendor string `json:"vendor"`
	Text   string `json:"text"`
}

func readAnnoctr(t *testing.T, dir string, n int) []annoctrReport {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "ti-text", "annoctr", "reports.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var out []annoctrReport
	for sc.Scan() && len(out) < n {
		var r annoctrReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAcceptanceAnalyzeAnnoCTR links real vendor reports (the first 150 of AnnoCTR)
// to ATT&CK 13.1: aliases resolve to their group, well-known malware is
// found, and names the common-word rule skips never show up.
func TestAcceptanceAnalyzeAnnoCTR(t *testing.T) {
	testenv.Acceptance(t)
	dir := testenv.DataDir(t)
	known, names := attackKnown(t, dir)
	skipped := map[string]bool{}
	for _, s := range known.Skipped() {
		skipped[s.Name] = true
	}
	for _, name := range []string{"at", "Net", "Page"} {
		if !skipped[name] {
			t.Errorf("ATT&CK name %q is looked for; the common-word and length rules should skip it", name)
		}
	}
	reports := readAnnoctr(t, dir, 150)
	byReport := map[string]map[string]string{} // report → object name → name as written
	inReports := map[string]int{}
	for _, r := range reports {
		a := report.Analyze(r.Text, known)
		got := map[string]string{}
		for _, m := range a.Mentions {
			if m.ObjectID == 0 {
				continue
			}
			if skipped[m.Name] {
				t.Errorf("%s: mention of skipped name %q", r.ID, m.Name)
			}
			got[names[m.ObjectID]] = m.Name
		}
		byReport[r.ID] = got
		for n := range got {
			inReports[n]++
		}
	}
	dnc := byReport["intel471_2016-06-17_who-hacked-the-democratic-national"]
	if dnc["APT28"] == "" || dnc["APT29"] != "Cozy Bear" {
		t.Errorf("DNC report: APT28 as %q and APT29 as %q, want both (APT29 through its alias Cozy Bear)", dnc["APT28"], dnc["APT29"])
	}
	if g := byReport["lab52_2019-10-18_cyber-iii-cold-war-hack"]; g["APT28"] == "" || g["APT29"] == "" {
		t.Errorf("lab52 cold-war report mentions %v, want APT28 and APT29", g)
	}
	for name, least := range map[string]int{"Emotet": 10, "TrickBot": 3, "Cobalt Strike": 3, "Lazarus Group": 2} {
		if inReports[name] < least {
			t.Errorf("%s mentioned in %d reports, want at least %d", name, inReports[name], least)
		}
	}
	if os.Getenv("SPOOR_DUMP") != "" {
		type kv struct {
			k string
			v int
		}
		var all []kv
		for k, v := range inReports {
			all = append(all, kv{k, v})
		}
		slices.SortFunc(all, func(a, b kv) int { return b.v - a.v })
		for _, x := range all[:min(80, len(all))] {
			t.Logf("%4d %s", x.v, x.k)
		}
	}
}
