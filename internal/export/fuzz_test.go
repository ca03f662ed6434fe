package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
)

// FuzzHostile exports one indicator of any type with any value,
// description and group name in every format, and checks what holds
// whatever the text: line formats keep their line shapes, rules parse,
// JSON formats are JSON, CSV reads back the same fields, and a STIX
// pattern's literal is the value.
func FuzzHostile(f *testing.F) {
	f.Add("domain", "evil.example", "C2", "APT28")
	f.Add("url", `http://x.example/a'b"c\d;e|f`, "line\nbreak", "Evil \"Group\"; sid:1;")
	f.Add("ipv6", "2001:db8::1", "\t\x00\u2028", "\\")
	f.Add("cidr", "10.0.0.0/8", "", "a,b")
	f.Add("domain", "a.b\n0.0.0.0 x.y", "#", "$ORIGIN .")
	f.Fuzz(func(t *testing.T, typ, value, desc, group string) {
		it := intel.IndicatorType(typ)
		if !it.Valid() || value == "" {
			return
		}
		t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		g := &intel.Object{ID: 1, Kind: intel.KindGroup, Name: group, Aliases: []string{group + "x"}, Description: desc}
		r := &reader{indicators: []*intel.ExportIndicator{{Indicator: intel.Indicator{ID: 1, Type: it, Value: value,
			Description: desc, Tags: []string{group}, CreatedAt: t0, UpdatedAt: t0, Confidence: 0.5},
			Sources: []string{desc}, Groups: []*intel.Object{g}}}}
		for _, fm := range allFormats(t) {
			var out bytes.Buffer
			if _, err := export.Run(context.Background(), r, &out, export.Request{Format: fm}); err != nil {
				t.Fatalf("%s: %v", fm, err)
			}
			text := out.String()
			if ok := lineShapes[fm]; ok != nil {
				for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
					if l != "" && !ok(l) {
						t.Fatalf("%s: line %q", fm, l)
					}
				}
			}
			switch fm {
			case export.Suricata, export.Snort:
				for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
					if strings.HasPrefix(l, "# ") {
						continue
					}
					if _, err := ruleOptions(l); err != nil {
						t.Fatalf("%s: %v in %q", fm, err, l)
					}
				}
			case export.STIX, export.MISP:
				var doc struct {
					Objects []struct{ Type, Pattern string }
				}
				if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
					t.Fatalf("%s: not JSON: %v", fm, err)
				}
				for _, o := range doc.Objects {
					if o.Type != "indicator" {
						continue
					}
					p, err := stix.ParsePattern(o.Pattern)
					if err != nil {
						t.Fatalf("pattern %q: %v", o.Pattern, err)
					}
					c := p.Root.(*stix.Observation).Comp.(*stix.Comparison)
					if c.Value.Kind == "string" && c.Value.Text != value {
						t.Fatalf("pattern %q: literal %q, want %q", o.Pattern, c.Value.Text, value)
					}
				}
			case export.CSV:
				recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
				if err != nil || len(recs) != 2 {
					t.Fatalf("CSV: %v, %d records", err, len(recs))
				}
				// encoding/csv reads \r\n inside a quoted field as \n.
				norm := strings.NewReplacer("\r\n", "\n")
				if recs[1][1] != norm.Replace(value) || recs[1][10] != norm.Replace(desc) {
					t.Fatalf("CSV: value %q, description %q", recs[1][1], recs[1][10])
				}
			}
		}
	})
}
