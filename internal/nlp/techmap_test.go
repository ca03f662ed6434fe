package nlp_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/nlp"
)

var tinyTechs = []nlp.Technique{
	{ID: "T1059.001", Name: "PowerShell"},
	{ID: "T1566.001", Name: "Spearphishing Attachment"},
	{ID: "T1003.001", Name: "LSASS Memory"},
	{ID: "T1589.001", Name: "Credentials"},
}

func tinyTechniques(t *testing.T) *nlp.TechniqueModel {
	t.Helper()
	procs := []nlp.Procedure{
		{SourceName: "APT1", SourceKind: "intrusion-set", Source: "g1", Technique: "T1059.001", Text: "APT1 ran encoded scripts with powershell.exe to download payloads."},
		{SourceName: "APT2", SourceKind: "intrusion-set", Source: "g2", Technique: "T1059.001", Text: "APT2 executed scripts through the Windows command shell interpreter powershell."},
		{SourceName: "APT1", SourceKind: "intrusion-set", Source: "g1", Technique: "T1566.001", Text: "APT1 sent emails with malicious Word documents attached."},
		{SourceName: "APT3", SourceKind: "intrusion-set", Source: "g3", Technique: "T1566.001", Text: "APT3 delivered weaponized attachments in spearphishing emails."},
		{SourceName: "Mimi", SourceKind: "tool", Source: "s1", Technique: "T1003.001", Text: "Mimi dumps credentials from lsass process memory."},
		{SourceName: "APT3", SourceKind: "intrusion-set", Source: "g3", Technique: "T1003.001", Text: "APT3 dumped lsass memory with procdump."},
	}
	m, err := nlp.TrainTechniques(tinyTechs, procs, nlp.TechniqueTrainOptions{Epochs: 10, Seed: 1, Alpha: -1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCleanProcedure(t *testing.T) {
	in := "[APT28](https://attack.mitre.org/groups/G0007) used <code>cmd.exe</code> to run [Mimikatz](https://x/S0002).(Citation: A 2019)(Citation: B)  "
	if got, want := nlp.CleanProcedure(in), "APT28 used cmd.exe to run Mimikatz."; got != want {
		t.Errorf("CleanProcedure = %q, want %q", got, want)
	}
}

func TestTechniqueMap(t *testing.T) {
	m := tinyTechniques(t)
	text := "The actor sent malicious attachments by email. Then it ran scripts via powershell to download tools. It also used T1003.001 on hosts. Credentials were taken."
	type hit struct{ ID, Method string }
	var got []hit
	for _, h := range m.Map(text, nlp.MapOptions{MinScore: 0.3}) {
		if h.ID == "T1589.001" {
			// "Credentials" opens its sentence: not a mention of the
			// technique's name (the classifier may still score it).
			if h.Method == "name" {
				t.Errorf("sentence-initial one-word name matched: %+v", h)
			}
			continue
		}
		got = append(got, hit{h.ID, h.Method})
		if !strings.Contains(text[h.Start:h.End], h.Sentence) || h.Sentence == "" {
			t.Errorf("%s: sentence %q not at [%d,%d)", h.ID, h.Sentence, h.Start, h.End)
		}
	}
	want := []hit{{"T1003.001", "id"}, {"T1059.001", "classifier"}, {"T1566.001", "classifier"}}
	if diff := cmp.Diff(want, got, cmpSortHits); diff != "" {
		t.Errorf("Map (-want +got):\n%s", diff)
	}
}

var cmpSortHits = cmp.Transformer("sort", func(in []struct{ ID, Method string }) map[string]string {
	m := map[string]string{}
	for _, h := range in {
		m[h.ID] = h.Method
	}
	return m
})

func TestTechniqueRoundTrip(t *testing.T) {
	m := tinyTechniques(t)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := nlp.LoadTechniques(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	text := "It ran powershell scripts. It dumped lsass memory."
	a, b := m.Map(text, nlp.MapOptions{}), got.Map(text, nlp.MapOptions{})
	if len(a) != len(b) {
		t.Fatalf("saved %v, loaded %v", a, b)
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Score-b[i].Score > 0.01 || b[i].Score-a[i].Score > 0.01 {
			t.Errorf("hit %d: saved %+v, loaded %+v", i, a[i], b[i])
		}
	}
	if _, err := nlp.LoadTechniques(bytes.NewReader(buf.Bytes()[:buf.Len()-3])); !errors.Is(err, nlp.ErrTruncated) {
		t.Errorf("truncated technique model: err = %v", err)
	}
}
