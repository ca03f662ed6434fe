package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mispFixtures are MISP events written as MISP and PyMISP write them: a
// wrapped event with uuid and every part (objects with templates and
// relations, event and attribute tags, galaxies, sightings, proposals, an
// event report), a wrapped one without uuid (PyMISP before upload,
// TLP:AMBER), and a list of two bare events, one as MISP's API answers
// with its ids, one written by hand without uuid.
var mispFixtures = []string{
	"../../internal/collect/misp/testdata/event-full.json",
	"../../internal/collect/misp/testdata/event-pymisp.json",
	"../../internal/collect/misp/testdata/events-bare.json",
}

// mispParts are the members of a MISP event the round trip must keep.
var mispParts = []string{"Attribute", "Object", "Tag", "Galaxy", "Sighting", "ShadowAttribute", "EventReport"}

// mispExport is a MISP export read back: its events by uuid, in order.
type mispExport struct {
	uuids  []string
	events map[string]map[string]any
	lines  map[string]string // each kept event's line as written
}

func readMISPExport(t *testing.T, path string) mispExport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Response []struct {
			Event map[string]any `json:"Event"`
		} `json:"response"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Response) == 0 {
		t.Fatalf("%s is not a list of MISP events (%v):\n%.300s", path, err, b)
	}
	x := mispExport{events: map[string]map[string]any{}, lines: map[string]string{}}
	for _, e := range doc.Response {
		u, _ := e.Event["uuid"].(string)
		if _, dup := x.events[u]; dup || u == "" {
			t.Errorf("event uuid %q is empty or written twice", u)
		}
		x.uuids = append(x.uuids, u)
		x.events[u] = e.Event
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, `{"Event":`) && !strings.HasSuffix(line, `"Attribute":[`) {
			var e struct{ Event struct{ UUID string } }
			if err := json.Unmarshal([]byte(strings.TrimSuffix(line, ",")), &e); err != nil {
				t.Fatalf("a kept event's line is not JSON: %v\n%.200s", err, line)
			}
			x.lines[e.Event.UUID] = strings.TrimSuffix(line, ",")
		}
	}
	return x
}

// fixtureEvents are the fixtures' events, bare, in order.
func fixtureEvents(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, p := range mispFixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		if json.Unmarshal(b, &list) != nil {
			var one map[string]any
			if err := json.Unmarshal(b, &one); err != nil {
				t.Fatal(err)
			}
			list = []map[string]any{one}
		}
		for _, e := range list {
			if w, ok := e["Event"].(map[string]any); ok {
				e = w
			}
			out = append(out, e)
		}
	}
	return out
}

// TestExportMISPRoundTrip imports MISP events (wrapped and bare, with and
// without uuid, with every part), exports them as MISP, imports the
// export into a fresh store and exports again: the kept events come out
// as they came in (the uuid the import derived added to those without),
// the second export writes them byte for byte as the first, and spoor's
// own event of the first is not written again. The filters apply.
func TestExportMISPRoundTrip(t *testing.T) {
	a := newCLI(t)
	for _, p := range mispFixtures {
		a.ok("import", "misp-event", p, "--credibility", "1", "--source", "MISP partner")
	}
	dir := t.TempDir()
	aFile := filepath.Join(dir, "a.json")
	_, errOut, err := a.run("", "export", "--format", "misp", "-o", aFile)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	if !strings.HasSuffix(errOut, "; 4 kept MISP events\n") {
		t.Errorf("stderr = %q, want the 4 kept events counted", errOut)
	}
	ax := readMISPExport(t, aFile)
	if len(ax.uuids) != 5 {
		t.Fatalf("%d events, want the 4 kept and spoor's: %q", len(ax.uuids), ax.uuids)
	}
	own := ax.events[ax.uuids[4]]
	if org, _ := own["Orgc"].(map[string]any); org["name"] != "spoor" {
		t.Errorf("the last event is %v's, want spoor's own", org)
	}
	kept := keptObjects(t, a)
	in := fixtureEvents(t)
	for _, want := range in {
		info := want["info"].(string)
		u, _ := want["uuid"].(string)
		if u == "" {
			// The stable uuid the import derived, which keys the kept event.
			for id, o := range kept {
				if o.Type == "x-misp-event" && o.Name == info {
					u = strings.TrimPrefix(id, "x-misp-event--")
				}
			}
			if u == "" {
				t.Fatalf("event %q is not kept", info)
			}
			want["uuid"] = u
		}
		got, ok := ax.events[u]
		if !ok {
			t.Errorf("event %q (%s) is not in the export", info, u)
			continue
		}
		for _, part := range mispParts {
			if d := cmp.Diff(want[part], got[part]); d != "" {
				t.Errorf("event %q: %s after the export (-in +out):\n%s", info, part, d)
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("event %q after the export (-in +out):\n%s", info, d)
		}
	}
	// The fixtures hold every part, so the comparison above compared them.
	full := ax.events["6a1d2c3b-4e5f-4a6b-8c7d-0000000000e1"]
	obj := full["Object"].([]any)[0].(map[string]any)
	attr := obj["Attribute"].([]any)[0].(map[string]any)
	if obj["template_uuid"] != "43b3b146-77eb-4931-b4cc-b66c60f28734" || attr["object_relation"] != "domain" ||
		len(attr["ShadowAttribute"].([]any)) != 1 || len(obj["ObjectReference"].([]any)) != 1 || len(full["EventReport"].([]any)) != 1 ||
		len(full["Galaxy"].([]any)) != 1 || len(full["Attribute"].([]any)[0].(map[string]any)["Sighting"].([]any)) != 1 {
		t.Errorf("the bare event lost a part: %v", full)
	}
	for _, part := range mispParts {
		if !slices.ContainsFunc(in, func(e map[string]any) bool { return e[part] != nil }) {
			t.Errorf("no fixture event has %s", part)
		}
	}

	// A second store imports the export and exports the same kept events.
	b := newCLI(t)
	b.ok("import", "misp-event", aFile, "--credibility", "1", "--source", "spoor partner")
	bFile := filepath.Join(dir, "b.json")
	_, errOut, err = b.run("", "export", "--format", "misp", "-o", bFile)
	if err != nil {
		t.Fatalf("second export: %v\n%s", err, errOut)
	}
	if !strings.HasSuffix(errOut, "; 4 kept MISP events; left out: 1 made by this export\n") {
		t.Errorf("second stderr = %q, want the 4 kept events and spoor's own left out", errOut)
	}
	bx := readMISPExport(t, bFile)
	if !slices.Equal(ax.uuids, bx.uuids) {
		t.Errorf("second export's events %q, want %q", bx.uuids, ax.uuids)
	}
	for u, line := range ax.lines {
		if bx.lines[u] != line {
			t.Errorf("event %s in the second export:\n%s\nwant\n%s", u, bx.lines[u], line)
		}
	}
	if len(ax.lines) != 4 {
		t.Errorf("%d kept event lines, want 4", len(ax.lines))
	}
	values := func(e map[string]any) []string {
		var out []string
		for _, x := range e["Attribute"].([]any) {
			a := x.(map[string]any)
			out = append(out, a["type"].(string)+" "+a["value"].(string))
		}
		return out
	}
	if av, bv := values(own), values(bx.events[bx.uuids[4]]); !slices.Equal(av, bv) {
		t.Errorf("spoor's event in the second export has %q, want %q", bv, av)
	}

	// Filters: the TLP ceiling drops the amber event (and keeps the green
	// one whose attribute is tagged green); --objects=false and a type
	// filter give spoor's event alone, as one event.
	green := filepath.Join(dir, "green.json")
	a.ok("export", "--format", "misp", "--tlp-max", "green", "-o", green)
	gx := readMISPExport(t, green)
	for _, e := range gx.events {
		if e["info"] == "Hand-written event before upload" {
			t.Error("the TLP:AMBER event is in a TLP:GREEN export")
		}
	}
	if len(gx.lines) != 3 {
		t.Errorf("TLP:GREEN export holds %d kept events, want 3", len(gx.lines))
	}
	for _, args := range [][]string{{"--objects=false"}, {"--type", "domain"}} {
		out := a.ok(append([]string{"export", "--format", "misp"}, args...)...)
		var one struct {
			Event map[string]any `json:"Event"`
		}
		if err := json.Unmarshal([]byte(out), &one); err != nil || one.Event["Orgc"].(map[string]any)["name"] != "spoor" {
			t.Errorf("%v: not spoor's event alone (%v):\n%.200s", args, err, out)
		}
	}
}
