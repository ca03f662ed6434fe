package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/attribute"
)

// similarCLI imports four groups: Alpha and Beta Bear share their
// techniques, a rare malware family and their wording; Gamma Panda and a
// group with a hostile name share other ones.
func similarCLI(t *testing.T) *cli {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/similar-groups.json")
	return c
}

func TestRelatedJSON(t *testing.T) {
	c := similarCLI(t)
	var got struct {
		Group struct {
			Name        string `json:"name"`
			Fingerprint struct {
				Techniques map[string]int `json:"techniques"`
			} `json:"fingerprint"`
		} `json:"group"`
		Related []struct {
			Group      string             `json:"group"`
			Score      float64            `json:"score"`
			Dimensions map[string]float64 `json:"dimensions"`
			Shared     map[string][]struct {
				Value  string `json:"value"`
				Groups int    `json:"groups"`
			} `json:"shared"`
		} `json:"related"`
	}
	out := c.ok("related", "Alpha Bear", "--min", "0.05", "--format", "json")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("related --format json: %v\n%s", err, out)
	}
	// The sub-technique brings its parent.
	if got.Group.Name != "Alpha Bear" || got.Group.Fingerprint.Techniques["T1059"] == 0 {
		t.Errorf("group part: %+v", got.Group)
	}
	if len(got.Related) == 0 || got.Related[0].Group != "Beta Bear" {
		t.Fatalf("Beta Bear must come first: %+v", got.Related)
	}
	best := got.Related[0]
	if best.Dimensions["techniques"] != 1 || best.Dimensions["software"] != 1 {
		t.Errorf("Beta Bear uses the same techniques and software: %v", best.Dimensions)
	}
	if _, ok := best.Dimensions["indicators"]; ok {
		t.Errorf("neither group has indicators, so they are not a part: %v", best.Dimensions)
	}
	// Quillwort (2 groups) is rarer than Mimikatz (4 groups): listed first.
	sw := best.Shared["software"]
	if len(sw) != 2 || sw[0].Value != "Quillwort" || sw[0].Groups != 2 || sw[1].Value != "Mimikatz" {
		t.Errorf("shared software, rarest first: %+v", sw)
	}
	for _, r := range got.Related[1:] {
		if r.Score >= best.Score {
			t.Errorf("%s (%.3f) is not below the best (%.3f)", r.Group, r.Score, best.Score)
		}
	}

	// A threshold above every score lists nothing, as an empty list.
	out = c.ok("related", "Alpha Bear", "--min", "0.99", "--format", "json")
	if !strings.Contains(out, `"related": []`) {
		t.Errorf("--min 0.99 must list no group:\n%s", out)
	}
	if _, _, err := c.run("", "related", "Alpha Bear", "--weights", "colour=2"); err == nil || !strings.Contains(err.Error(), "colour=2") {
		t.Errorf("an unknown dimension must be refused by name, got %v", err)
	}
}

func TestGraphFormats(t *testing.T) {
	c := similarCLI(t)
	var g struct {
		Nodes []struct {
			ID    int64  `json:"id"`
			Group string `json:"group"`
		} `json:"nodes"`
		Edges []struct {
			Source, Target int64
			Score          float64
		} `json:"edges"`
	}
	if err := json.Unmarshal([]byte(c.ok("graph", "--min", "0.3", "--format", "json")), &g); err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{}
	for _, n := range g.Nodes {
		names[n.ID] = n.Group
	}
	if len(g.Edges) != 2 {
		t.Fatalf("want the two alike pairs, got %+v", g.Edges)
	}
	for _, e := range g.Edges {
		a, b := names[e.Source], names[e.Target]
		if !(a == "Alpha Bear" && b == "Beta Bear" || a == "Gamma Panda" && strings.HasPrefix(b, "Evil")) {
			t.Errorf("unexpected edge %q – %q", a, b)
		}
	}

	// GraphML: well-formed, key IDs unique, every edge between listed
	// nodes, the hostile name as text.
	var doc struct {
		Keys []struct {
			ID string `xml:"id,attr"`
		} `xml:"key"`
		Graph struct {
			Nodes []struct {
				ID   string `xml:"id,attr"`
				Data []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"node"`
			Edges []struct {
				Source string `xml:"source,attr"`
				Target string `xml:"target,attr"`
			} `xml:"edge"`
		} `xml:"graph"`
	}
	out := c.ok("graph", "--min", "0.3", "--format", "graphml")
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("GraphML does not parse: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, k := range doc.Keys {
		if seen[k.ID] {
			t.Errorf("GraphML key id %q twice", k.ID)
		}
		seen[k.ID] = true
	}
	nodes := map[string]bool{}
	hostile := false
	for _, n := range doc.Graph.Nodes {
		nodes[n.ID] = true
		for _, d := range n.Data {
			hostile = hostile || d.Key == "n_label" && strings.Contains(d.Value, "<script>")
		}
	}
	if !hostile {
		t.Error("the hostile group name must survive as text in a label")
	}
	for _, e := range doc.Graph.Edges {
		if !nodes[e.Source] || !nodes[e.Target] {
			t.Errorf("edge %s–%s names a node that is not listed", e.Source, e.Target)
		}
	}
	if len(doc.Graph.Edges) != 2 {
		t.Errorf("GraphML edges: %d, want 2", len(doc.Graph.Edges))
	}

	// DOT: the quote in the name is escaped, so the label ends where it should.
	dot := c.ok("graph", "--min", "0.3", "--format", "dot")
	if !strings.Contains(dot, `[label="Evil \"</data><script>alert(1)</script>"]`) || !strings.HasPrefix(dot, "graph spoor {") {
		t.Errorf("DOT output:\n%s", dot)
	}
}

func TestEvalRelatedNeedsKnownRelations(t *testing.T) {
	c := similarCLI(t)
	_, _, err := c.run("", "eval", "related")
	if err == nil || !strings.Contains(err.Error(), "no known related groups") {
		t.Errorf("eval without galaxy links: %v", err)
	}
	if _, _, err := c.run("", "eval", "nonsense"); err == nil {
		t.Error("an unknown evaluation must be a usage error")
	}
}

func TestTrainAndAttribute(t *testing.T) {
	c := similarCLI(t)
	if _, _, err := c.run("", "attribute", "--software", "Quillwort"); err == nil || !strings.Contains(err.Error(), "spoor train attribution") {
		t.Errorf("attribute before training: %v", err)
	}
	c.ok("train", "attribution", "--folds", "0")
	var got attribute.Result
	if err := json.Unmarshal([]byte(c.ok("attribute", "--software", "Quillwort", "--technique", "t1041", "--format", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) == 0 || (got.Groups[0].Group != "Alpha Bear" && got.Groups[0].Group != "Beta Bear") {
		t.Fatalf("Quillwort and T1041 are the Bears': %+v", got.Groups)
	}
	for k := 1; k < len(got.Groups); k++ {
		if got.Groups[k].Probability > got.Groups[k-1].Probability {
			t.Errorf("not ranked: %+v", got.Groups)
		}
	}
	if !strings.Contains(strings.Join(got.Features, " "), "software:quillwort") {
		t.Errorf("features %v must include the software", got.Features)
	}
	if _, _, err := c.run("", "attribute", "--indicator", "not an indicator"); err == nil {
		t.Error("a value that is not one indicator must be refused")
	}

	// Prose: the software the model knows by name and the technique IDs.
	report := filepath.Join(t.TempDir(), "report.txt")
	os.WriteFile(report, []byte("The operators deployed QUILLWORT, then exfiltrated over C2 (T1041). Nothing else is known."), 0o600)
	var fromText attribute.Result
	if err := json.Unmarshal([]byte(c.ok("attribute", "--text", report, "--format", "json")), &fromText); err != nil {
		t.Fatal(err)
	}
	feats := strings.Join(fromText.Features, " ")
	if !strings.Contains(feats, "software:quillwort") || !strings.Contains(feats, "technique:T1041") {
		t.Errorf("features read from the text: %v", fromText.Features)
	}
	if len(fromText.Groups) == 0 || fromText.Groups[0].Group != got.Groups[0].Group {
		t.Errorf("the text ranks %+v, the flags %q first", fromText.Groups, got.Groups[0].Group)
	}
	// --text reads a report as a report, as FILE does: the technique is
	// written as an HTML character reference, which only the HTML reader
	// turns back into T1041.
	html := filepath.Join(t.TempDir(), "report.html")
	os.WriteFile(html, []byte(`<html><head><title>Quillwort</title></head><body><p>The operators deployed QUILLWORT,
then exfiltrated over C2 (T&#49;041).</p></body></html>`), 0o600)
	var fromHTML attribute.Result
	if err := json.Unmarshal([]byte(c.ok("attribute", "--text", html, "--format", "json")), &fromHTML); err != nil {
		t.Fatal(err)
	}
	if feats := strings.Join(fromHTML.Features, " "); !strings.Contains(feats, "technique:T1041") {
		t.Errorf("features read from the HTML report with --text: %v", fromHTML.Features)
	}
	if _, _, err := c.run("", "attribute", "--text", report, "--stix", report); err == nil {
		t.Error("two inputs must be a usage error")
	}
	if _, _, err := c.run("", "attribute", "--stix", report); err == nil {
		t.Error("prose given as STIX must be refused")
	}

	// One input, on stdin or named, read for what it is: an event JSON
	// (fields that are not evidence named, not fatal), prose.
	out, stderr, err := c.run(`{"techniques":["t1041"],"software":["Quillwort"],"group":"Alpha Bear"}`, "attribute", "--format", "json", "-")
	if err != nil {
		t.Fatalf("attribute - : %v %s", err, stderr)
	}
	var fromStdin struct {
		Model      struct{ ID int64 } `json:"model"`
		Abstained  *bool              `json:"abstained"`
		Candidates []struct {
			GroupID     string  `json:"group_id"`
			Group       string  `json:"group"`
			Probability float64 `json:"probability"`
		} `json:"candidates"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &fromStdin); err != nil {
		t.Fatal(err)
	}
	if fromStdin.Model.ID == 0 || fromStdin.Abstained == nil || len(fromStdin.Candidates) == 0 ||
		fromStdin.Candidates[0].Group != got.Groups[0].Group || fromStdin.Candidates[0].GroupID == "" {
		t.Errorf("attribute - : %s", out)
	}
	if len(fromStdin.Warnings) != 1 || !strings.Contains(fromStdin.Warnings[0], "group") {
		t.Errorf("warnings %q: the group field is not evidence and must be named", fromStdin.Warnings)
	}
	if out := c.ok("attribute", report); !strings.Contains(out, got.Groups[0].Group) || !strings.Contains(out, "%") {
		t.Errorf("attribute FILE (prose), as text: %s", out)
	}
	for _, bad := range []struct{ stdin, want string }{
		{`{"group":"Alpha Bear"}`, "has no techniques"},
		{`{"techniques":"T1041"}`, `"techniques" must be a list`},
		{"", "is empty"},
	} {
		if _, _, err := c.run(bad.stdin, "attribute", "-"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("attribute - with %q: %v, want %q", bad.stdin, err, bad.want)
		}
	}
}

// TestEvalAttributionSplitFlags: the split is report or time, and a cut
// date goes with the time split only.
func TestEvalAttributionSplitFlags(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "attribution", "--split", "random"}, `"random" is not report or time`},
		{[]string{"eval", "attribution", "--until", "2021-01-01"}, "--until goes with --split time"},
		{[]string{"eval", "attribution", "--split", "time", "--until", "last year"}, `"last year" is not a date`},
	} {
		_, stderr, err := c.run("", tc.args...)
		if err == nil || !strings.Contains(stderr+err.Error(), tc.want) {
			t.Errorf("%v: %v, %s; want an error saying %q", tc.args, err, stderr, tc.want)
		}
	}
}

// TestModelListAndPin: spoor model lists the trained models with the one
// in use; a pinned model answers attributions although a newer one is
// stored, until unpinned; --until trains on the past only.
func TestModelListAndPin(t *testing.T) {
	c := similarCLI(t)
	c.ok("train", "attribution", "--folds", "0")
	c.ok("train", "attribution", "--folds", "0", "--until", "2100-01-01")
	type listed struct {
		ID      int64 `json:"id"`
		InUse   bool  `json:"in_use"`
		Pinned  bool  `json:"pinned"`
		Summary struct {
			Events int    `json:"events"`
			Until  string `json:"until"`
		} `json:"summary"`
	}
	list := func() []listed {
		t.Helper()
		var out []listed
		if err := json.Unmarshal([]byte(c.ok("model", "list", "--kind", "attribution", "--format", "json")), &out); err != nil || len(out) != 2 {
			t.Fatalf("model list: %v %+v", err, out)
		}
		return out
	}
	models := list()
	newest, older := models[0], models[1]
	if !newest.InUse || older.InUse || newest.Summary.Until != "2100-01-01" || newest.Summary.Events == 0 {
		t.Errorf("before a pin: %+v", models)
	}
	modelOf := func() int64 {
		var r attribute.Result
		if err := json.Unmarshal([]byte(c.ok("attribute", "--software", "Quillwort", "--format", "json")), &r); err != nil {
			t.Fatal(err)
		}
		return r.ModelInfo.ID
	}
	if id := modelOf(); id != newest.ID {
		t.Errorf("answered by model %d, want the newest %d", id, newest.ID)
	}
	if out := c.ok("model", "pin", fmt.Sprint(older.ID)); !strings.Contains(out, "in use") {
		t.Errorf("pin: %s", out)
	}
	if models := list(); !models[1].InUse || !models[1].Pinned || models[0].InUse {
		t.Errorf("after the pin: %+v", models)
	}
	if id := modelOf(); id != older.ID {
		t.Errorf("answered by model %d, want the pinned %d", id, older.ID)
	}
	if out := c.ok("model", "list"); !strings.Contains(out, "pinned") {
		t.Errorf("model list as text names no pin:\n%s", out)
	}
	c.ok("model", "unpin", "attribution")
	if id := modelOf(); id != newest.ID {
		t.Errorf("answered by model %d after the unpin, want the newest %d", id, newest.ID)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"model", "pin", "x"}, "not a number"},
		{[]string{"model", "pin", "9999"}, "no model 9999"},
		{[]string{"model", "drop"}, "unknown model command"},
		{[]string{"train", "attribution", "--until", "1990-01-01"}, "first seen before 1990-01-01"},
		{[]string{"train", "attribution", "--until", "soon"}, "not a date"},
	} {
		if _, _, err := c.run("", bad.args...); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: %v, want %q", bad.args, err, bad.want)
		}
	}
}
