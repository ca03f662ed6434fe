package stix_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

var mitre = intel.Source{Name: "MITRE ATT&CK", Kind: intel.SourceSTIX, Credibility: 1, TLP: intel.TLPClear}

func mustParseFile(t *testing.T, path string) *stix.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := stix.Parse(f, filepath.Base(path), mitre)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return res
}

func byStixID(b *intel.Bundle) map[string]intel.Object {
	m := map[string]intel.Object{}
	for _, o := range b.Objects {
		m[o.StixID] = o
	}
	return m
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseSmallBundle(t *testing.T) {
	res := mustParseFile(t, "testdata/small-bundle.json")
	objs := byStixID(res.Bundle)

	want := []intel.Object{
		{
			Kind: intel.KindGroup, StixID: "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c",
			ExternalID: "G0007", URL: "https://attack.mitre.org/groups/G0007", Name: "APT28",
			// The duplicate spelling "fancy-bear" and the name itself are
			// dropped; the revoked "Group Old" stays findable as an alias.
			Aliases:     []string{"Sofacy", "Fancy Bear", "STRONTIUM", "Group Old"},
			Description: "APT28 is a threat group attributed to Russia's GRU.",
			Refs: []intel.ExternalRef{{
				SourceName: "Kaspersky Sofacy", URL: "https://securelist.example/sofacy/",
				Description: "Kaspersky Lab. (2015). Sofacy APT hits high profile targets.",
			}},
			Created: ts("2017-05-31T21:31:48.664Z"), Modified: ts("2023-03-26T17:51:20.401Z"),
			Confidence: 1, TLP: intel.TLPClear,
		},
		{
			Kind: intel.KindGroup, StixID: "intrusion-set--11111111-2222-4333-8444-555555555555",
			Name: "Group Old", Revoked: true,
			Created: ts("2017-05-31T21:31:48.664Z"), Modified: ts("2018-01-01T00:00:00Z"),
			Confidence: 1, TLP: intel.TLPClear,
		},
		{
			Kind: intel.KindTechnique, StixID: "attack-pattern--970a3432-3237-47ad-bcca-7d8cbb217736",
			ExternalID: "T1059.001", URL: "https://attack.mitre.org/techniques/T1059/001", Name: "PowerShell",
			Tactics: []string{"execution"}, IsSubtechnique: true,
			Created: ts("2020-03-09T13:48:55.078Z"), Modified: ts("2021-07-26T22:34:43.261Z"),
			Confidence: 1, TLP: intel.TLPClear,
		},
		{
			Kind: intel.KindTechnique, StixID: "attack-pattern--22222222-3333-4444-8555-666666666666",
			ExternalID: "T1999", Name: "Old Technique", Deprecated: true,
			Created: ts("2017-05-31T21:30:49.546Z"), Modified: ts("2019-01-01T00:00:00Z"),
			Confidence: 1, TLP: intel.TLPClear,
		},
		{
			Kind: intel.KindSoftware, StixID: "malware--5e7ef1dc-7fb6-4913-ac75-e06113b59e0c",
			ExternalID: "S0023", Name: "CHOPSTICK", Aliases: []string{"Backdoor.SofacyX", "X-Agent"},
			SoftwareType: "malware",
			Created:      ts("2017-05-31T21:32:29.203Z"), Modified: ts("2022-05-11T13:00:00Z"),
			Confidence: 1, TLP: intel.TLPClear,
		},
		{
			// Two versions of one tool: the newest modified wins.
			Kind: intel.KindSoftware, StixID: "tool--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db",
			ExternalID: "S0002", Name: "Mimikatz", SoftwareType: "tool",
			Created: ts("2017-05-31T21:32:31.601Z"), Modified: ts("2023-03-08T22:03:38.112Z"),
			Confidence: 1, TLP: intel.TLPClear,
		},
		{
			Kind: intel.KindCampaign, StixID: "campaign--26d9ebae-de17-4d37-b8a5-2a2c0f1a3cd4",
			ExternalID: "C0999", Name: "Operation Example",
			FirstSeen: ts("2017-08-01T05:00:00Z"), LastSeen: ts("2018-02-01T06:00:00Z"),
			Created: ts("2022-09-16T21:08:54.358Z"), Modified: ts("2023-03-22T03:00:00Z"),
			Confidence: 1, TLP: intel.TLPClear,
		},
	}
	for _, w := range want {
		got, ok := objs[w.StixID]
		if !ok {
			t.Errorf("object %s missing", w.StixID)
			continue
		}
		if diff := cmp.Diff(w, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("object %s (-want +got):\n%s", w.Name, diff)
		}
	}
	if got, want := len(res.Bundle.Objects), 8; got != want {
		t.Errorf("objects = %d, want %d", got, want)
	}

	var relIDs []string
	for _, l := range res.Bundle.Relationships {
		relIDs = append(relIDs, l.Type+":"+l.SourceRef[:5]+">"+l.TargetRef[:5])
	}
	wantRels := []string{"revoked-by:intru>intru", "uses:intru>attac", "uses:intru>malwa", "subtechnique-of:attac>attac"}
	if diff := cmp.Diff(wantRels, relIDs); diff != "" {
		t.Errorf("relationships (-want +got):\n%s", diff)
	}
	uses := res.Bundle.Relationships[1]
	if len(uses.Refs) != 1 || uses.Refs[0].URL != "https://www.trendmicro.example/pawn-storm" {
		t.Errorf("uses relationship refs = %+v, want the Trend Micro citation", uses.Refs)
	}
	if len(res.Ignored) > 0 {
		t.Errorf("ignored = %v, want nothing", res.Ignored)
	}
	// The course of action, the marking and the relationship to the
	// course of action are kept whole.
	var keptTypes []string
	for _, o := range res.Bundle.STIXObjects {
		keptTypes = append(keptTypes, o.Type)
	}
	slices.Sort(keptTypes)
	if diff := cmp.Diff([]string{"course-of-action", "marking-definition", "relationship"}, keptTypes); diff != "" {
		t.Errorf("kept objects (-want +got):\n%s", diff)
	}
}

func TestParseGzip(t *testing.T) {
	plain, err := os.ReadFile("testdata/small-bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(plain)
	zw.Close()
	res, err := stix.Parse(&buf, "small-bundle.json.gz", mitre)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Bundle.Objects); got != 8 {
		t.Errorf("objects from gzip = %d, want 8", got)
	}
}

func TestParseErrors(t *testing.T) {
	valid, err := os.ReadFile("testdata/small-bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	obj := func(body string) string {
		return `{"type":"bundle","id":"bundle--1","objects":[` + "\n" + body + "]}"
	}
	tests := []struct {
		name  string
		input string
		want  string // the error line must contain this
	}{
		{"empty", "", "in.json:1:1: $: unexpected end of input: the bundle is truncated"},
		{"truncated", string(valid[:len(valid)/2]), "in.json:84:17: $.objects[7]: unexpected end of input: the bundle is truncated"},
		{"not an object", `[1,2]`, "in.json:1:1: $: a STIX bundle is a JSON object"},
		{"wrong type", `{"type":"report","objects":[]}`, `$: report object has no "id"`},
		{"misp event", `{"Event":{"info":"x"}}`, `$: this is a MISP event (format misp-event), not a STIX bundle`},
		{"misp template", `{"name":"file","meta-category":"file","attributes":{},"requiredOneOf":["md5"]}`, `this is a MISP object template, not a STIX bundle`},
		{"single object bad", `{"type":"tool","id":"tool--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db","name":"x"}`, `"created" is required`},
		{"no type", `{"objects":[]}`, `not a STIX bundle`},
		{"no objects", `{"type":"bundle"}`, `the bundle has no "objects" array`},
		{"objects not array", `{"type":"bundle","objects":{}}`, `$.objects: objects must be an array`},
		{"syntax error", obj(`{"type":"tool",,}`), `in.json:2:16: $.objects[0]: malformed JSON: invalid character`},
		{"object without id", obj(`{"type":"tool","name":"x"}`), `in.json:2:1: $.objects[0]: tool object has no "id"`},
		{"id of another type", obj(`{"type":"tool","id":"malware--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db"}`), `is not of the form tool--<uuid>`},
		{"bad time", obj(`{"type":"tool","id":"tool--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db","name":"x","created":"yesterday","modified":"2020-01-01T00:00:00Z"}`), `created: "yesterday" is not an RFC 3339 timestamp`},
		{"no name", obj(`{"type":"tool","id":"tool--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z"}`), `tool has no name`},
		{"aliases not strings", obj(`{"type":"intrusion-set","id":"intrusion-set--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db","aliases":[1]}`), `aliases: expected string, found JSON number`},
		{"relationship without refs", obj(`{"type":"relationship","id":"relationship--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","relationship_type":"uses"}`), `relationship needs relationship_type, source_ref and target_ref`},
		{"trailing data", `{"type":"bundle","objects":[]} {}`, `unexpected data after the bundle`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stix.Parse(strings.NewReader(tt.input), "in.json", mitre)
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			}
			if intel.ErrorCode(err) != intel.CodeInvalid {
				t.Errorf("code = %q, want %q", intel.ErrorCode(err), intel.CodeInvalid)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

// TestParseATTACK checks the counts against the bundle's own: the active
// (not revoked, not deprecated) objects of each kind in ATT&CK 13.1.
func TestAcceptanceParseATTACK(t *testing.T) {
	testenv.Acceptance(t)
	res := mustParseFile(t, testenv.DataFile(t, "mitre-attack", "enterprise-attack-13.1.json.gz"))
	got := map[intel.ObjectKind]int{}
	for _, o := range res.Bundle.Objects {
		if o.Active() {
			got[o.Kind]++
		}
	}
	want := map[intel.ObjectKind]int{
		intel.KindGroup:     136,
		intel.KindTechnique: 196 + 411,
		intel.KindSoftware:  553 + 82,
		intel.KindCampaign:  20,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("active objects (-want +got):\n%s", diff)
	}
	for _, o := range res.Bundle.Objects {
		if o.Name == "APT28" {
			for _, a := range []string{"Sofacy", "Fancy Bear", "STRONTIUM"} {
				if !containsFold(o.Aliases, a) {
					t.Errorf("APT28 aliases %v lack %q", o.Aliases, a)
				}
			}
			if o.ExternalID != "G0007" {
				t.Errorf("APT28 external ID = %q, want G0007", o.ExternalID)
			}
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// FuzzParse seeds one small bundle per object of the test bundles (and
// each relationship with its two ends) rather than the bundles whole:
// small seeds keep the fuzzer at thousands of executions a second and
// let it minimise what it finds.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/small-bundle.json", "testdata/intel-bundle.json", "testdata/every-type.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, seed := range perObjectBundles(f, data) {
			f.Add(seed)
		}
		f.Add(data[:min(len(data), 400)]) // truncated mid-object
	}
	f.Add([]byte(`{"type":"bundle","objects":[]}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"tool","id":"tool--ff6caf67-ea1f-4895-b80e-4bb0fc31c6db"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := stix.Parse(bytes.NewReader(data), "fuzz.json", mitre)
		if err != nil {
			if intel.ErrorCode(err) != intel.CodeInvalid || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one invalid-input line: %q", err)
			}
			return
		}
		ids := map[string]bool{}
		for _, o := range res.Bundle.Objects {
			if !o.Kind.Valid() || strings.TrimSpace(o.Name) == "" || o.StixID == "" {
				t.Fatalf("parsed an invalid object: %+v", o)
			}
			if ids[o.StixID] {
				t.Fatalf("object %s twice", o.StixID)
			}
			ids[o.StixID] = true
		}
		kept := map[string]bool{}
		for _, o := range res.Bundle.STIXObjects {
			kept[o.StixID] = true
		}
		for _, l := range res.Bundle.Relationships {
			// Between objects of the bundle, or kept and left to the store
			// to resolve against earlier imports.
			if (!ids[l.SourceRef] || !ids[l.TargetRef]) && !kept[l.StixID] {
				t.Fatalf("relationship %s points outside the bundle and is not kept", l.StixID)
			}
		}
		// Every object is modelled or kept, and what is kept can be stored.
		for typ, c := range res.Types {
			if c.Modelled+c.Kept < c.Seen || c.Flagged > c.Seen {
				t.Fatalf("type %s: %s", typ, c)
			}
		}
		for _, o := range res.Bundle.STIXObjects {
			if err := o.Validate(); err != nil {
				t.Fatalf("kept object does not validate: %v", err)
			}
		}
	})
}

// perObjectBundles splits a bundle into bundles of one object each, and
// of each relationship with the objects it joins.
func perObjectBundles(f *testing.F, data []byte) [][]byte {
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		f.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, o := range b.Objects {
		if id, ok := o["id"].(string); ok {
			byID[id] = o
		}
	}
	bundle := func(objs ...map[string]any) []byte {
		out, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--6ba7b810-9dad-11d1-80b4-00c04fd430c8", "objects": objs})
		if err != nil {
			f.Fatal(err)
		}
		return out
	}
	var seeds [][]byte
	for _, o := range b.Objects {
		if o["type"] != "relationship" {
			seeds = append(seeds, bundle(o))
			continue
		}
		src, _ := o["source_ref"].(string)
		dst, _ := o["target_ref"].(string)
		if byID[src] != nil && byID[dst] != nil {
			seeds = append(seeds, bundle(byID[src], byID[dst], o))
		}
	}
	return seeds
}

// A bundle with hostile values is imported object by object: the bad
// field is dropped or repaired with a note naming the object, and the
// rest of the bundle, and of the object, is kept.
func TestParseAppliesTheInputRules(t *testing.T) {
	const ts = `"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z"`
	bundle := `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[
{"type":"intrusion-set","id":"intrusion-set--10000000-0000-4000-8000-000000000001",` + ts + `,"name":"Evil\u0000 Panda",
 "aliases":["Evil Panda","Panda\u001b[31m"],"description":"ok\u0007",
 "external_references":[{"source_name":"mitre-attack","external_id":"G9999<script>","url":"https://attack.mitre.org/x"},
  {"source_name":"Bad link","url":"javascript:alert(1)"},{"source_name":"Good link","url":"https://example.org/report"}]},
{"type":"intrusion-set","id":"intrusion-set--10000000-0000-4000-8000-000000000002",` + ts + `,"name":"Clean Group"},
{"type":"relationship","id":"relationship--30000000-0000-4000-8000-000000000001",` + ts + `,"relationship_type":"uses",
 "source_ref":"intrusion-set--10000000-0000-4000-8000-000000000001","target_ref":"intrusion-set--10000000-0000-4000-8000-000000000002",
 "external_references":[{"source_name":"FTP","url":"ftp://example.org/x"}]}]}`
	res, err := stix.Parse(strings.NewReader(bundle), "hostile.json", mitre)
	if err != nil {
		t.Fatalf("one bad field rejected the bundle: %v", err)
	}
	objs := byStixID(res.Bundle)
	evil := objs["intrusion-set--10000000-0000-4000-8000-000000000001"]
	// (The store drops the alias that now equals the name.)
	want := intel.Object{Name: "Evil Panda", Aliases: []string{"Evil Panda", "Panda[31m"}, Description: "ok", ExternalID: "",
		Refs: []intel.ExternalRef{{SourceName: "Bad link"}, {SourceName: "Good link", URL: "https://example.org/report"}}}
	got := intel.Object{Name: evil.Name, Aliases: evil.Aliases, Description: evil.Description, ExternalID: evil.ExternalID, Refs: evil.Refs}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tidied group (-want +got):\n%s", diff)
	}
	if _, ok := objs["intrusion-set--10000000-0000-4000-8000-000000000002"]; !ok || len(res.Bundle.Relationships) != 1 ||
		res.Bundle.Relationships[0].Refs[0].URL != "" {
		t.Errorf("the rest of the bundle: %+v", res.Bundle)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, w := range []string{"name:", "aliases[1]:", "description:", "external_id:", `refs[0].url: URL scheme "javascript"`,
		`relationship relationship--30000000-0000-4000-8000-000000000001: refs[0].url: URL scheme "ftp"`} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
	for _, o := range res.Bundle.Objects {
		if err := o.Validate(); err != nil {
			t.Errorf("a parsed object does not validate: %v", err)
		}
	}
}
