package ioclist_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/collect/ioclist"
	"github.com/spoor/spoor/internal/intel"
)

var src = intel.Source{Name: "fixture", Kind: intel.SourceIOCList, Credibility: 0.4}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

type row struct {
	Type  intel.IndicatorType
	Value string
	Warn  string
}

func rows(b *intel.IndicatorBatch) []row {
	var out []row
	for _, in := range b.Indicators {
		out = append(out, row{in.Type, in.Value, in.Warninglist})
	}
	return out
}

func TestTrail(t *testing.T) {
	b, err := ioclist.ReadTrail(open(t, "trail.txt"), "trail.txt", "", ioclist.Options{Source: src, Tags: []string{"fixture"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{intel.IndicatorDomain, "evil-c2.com", ""},
		{intel.IndicatorURL, "https://login.bad-bank.net/verify", ""},
		{intel.IndicatorIPv4, "203.0.113.77", "documentation"}, // :8443 dropped
		{intel.IndicatorIPv4, "198.51.100.23", "documentation"},
		{intel.IndicatorDomain, "badhost.example-attack.org", ""}, // case and trailing dot corrected
		{intel.IndicatorURL, "http://bad-cdn.net/payload/stage2.bin", ""},
		{intel.IndicatorMD5, "d41d8cd98f00b204e9800998ecf8427e", ""},
		{intel.IndicatorIPv4, "8.8.8.8", "public-resolvers"},
		{intel.IndicatorDomain, "evil-c2.com", ""}, // duplicates are the store's to merge
	}
	if d := cmp.Diff(want, rows(b)); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if b.Rows != 12 || b.Rejected != 3 {
		t.Errorf("rows %d rejected %d, want 12 and 3", b.Rows, b.Rejected)
	}
	wantReasons := []string{
		`trail.txt:13: "this is not an indicator" is not an indicator`,
		`trail.txt:14: "foo.bit" is not an indicator`,
		`trail.txt:16: "a.com b.com" holds more than one indicator`,
	}
	if d := cmp.Diff(wantReasons, b.RejectReasons); d != "" {
		t.Errorf("reasons (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]intel.Source{src}, b.Sources); d != "" {
		t.Errorf("sources (-want +got):\n%s", d)
	}
	if in := b.Indicators[0]; in.Confidence != 1 || in.Source != 0 || in.Event != 0 || !cmp.Equal(in.Tags, []string{"fixture"}) {
		t.Errorf("first row = %+v", in)
	}
}

func TestTrailStrict(t *testing.T) {
	_, err := ioclist.ReadTrail(open(t, "trail.txt"), "trail.txt", "", ioclist.Options{Source: src, Strict: true})
	if got, want := intel.ErrorMessage(err), `trail.txt:13: "this is not an indicator" is not an indicator`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("code = %q", intel.ErrorCode(err))
	}
}

func TestCSVMapping(t *testing.T) {
	m := ioclist.Mapping{Value: "indicator", Type: "kind", FirstSeen: "seen", Tags: "tags", Description: "notes", Confidence: "score"}
	b, err := ioclist.ReadCSV(open(t, "mapped.csv"), "mapped.csv", m, "", ioclist.Options{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	want := []intel.IndicatorRow{
		{Type: intel.IndicatorDomain, Value: "evil.example-c2.com", Description: "staging server", Tags: []string{"apt", "c2"},
			FirstSeen: day(2024, 3, 1), LastSeen: day(2024, 3, 1), Confidence: 0.8},
		{Type: intel.IndicatorIPv4, Value: "10.0.0.5", Description: "internal beacon", FirstSeen: day(2024, 3, 2),
			LastSeen: day(2024, 3, 2), Confidence: 0.5, Warninglist: "private"},
		{Type: intel.IndicatorURL, Value: "http://203.0.113.5/gate.php", Tags: []string{"loader"}, FirstSeen: day(2024, 3, 3),
			LastSeen: day(2024, 3, 3), Confidence: 1, Warninglist: "documentation"}, // its host is
		{Type: intel.IndicatorMD5, Value: "44d88612fea8a8f36de82e1278abb02f", Description: "test file", Tags: []string{"eicar"},
			FirstSeen: day(2024, 3, 5), LastSeen: day(2024, 3, 5), Confidence: 1},
		{Type: intel.IndicatorDomain, Value: "evil.example-c2.com", Tags: []string{"dup"}, FirstSeen: day(2024, 2, 1),
			LastSeen: day(2024, 2, 1), Confidence: 1},
		{Type: intel.IndicatorIPv4, Value: "203.0.113.9", Description: "type inferred", FirstSeen: day(2024, 3, 6),
			LastSeen: day(2024, 3, 6), Confidence: 1, Warninglist: "documentation"},
	}
	if d := cmp.Diff(want, b.Indicators, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{`mapped.csv:5: "not-a-hash" is not a valid sha256`}, b.RejectReasons); d != "" {
		t.Errorf("reasons (-want +got):\n%s", d)
	}
	if b.Rows != 7 || b.Rejected != 1 || len(b.Events) != 0 {
		t.Errorf("rows %d rejected %d events %d, want 7, 1, 0", b.Rows, b.Rejected, len(b.Events))
	}
}

func TestAPTIOCs(t *testing.T) {
	b, err := ioclist.ReadAPTIOCs(open(t, "apt-iocs.csv"), "apt-iocs.csv", ioclist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantSources := []intel.Source{
		{Name: "stamparm/maltrail", Kind: intel.SourceIOCList, URL: "https://github.com/stamparm/maltrail", Credibility: 0.6},
		{Name: "eset/malware-ioc", Kind: intel.SourceIOCList, URL: "https://github.com/eset/malware-ioc", Credibility: 1},
		{Name: "pan-unit42/playbook_viewer", Kind: intel.SourceIOCList, URL: "https://github.com/pan-unit42/playbook_viewer", Credibility: 1},
	}
	if d := cmp.Diff(wantSources, b.Sources); d != "" {
		t.Errorf("sources (-want +got):\n%s", d)
	}
	wantEvents := []intel.EventRow{
		{Key: "sofacy\x1fapt_sofacy.txt | https://example.org/sofacy-2023", Title: "apt_sofacy.txt | https://example.org/sofacy-2023",
			GroupLabel: "sofacy", GroupExternalID: "G0007", FirstSeen: day(2023, 4, 2), LastSeen: day(2023, 5, 1), Source: 0},
		{Key: "sofacy\x1fapt_sofacy.txt | https://example.org/sofacy-2024", Title: "apt_sofacy.txt | https://example.org/sofacy-2024",
			GroupLabel: "sofacy", GroupExternalID: "G0007", FirstSeen: day(2024, 1, 10), LastSeen: day(2024, 1, 10), Source: 0},
		{Key: "Cozy Bear\x1fOperation Ghost -- Indicators of Compromise", Title: "Operation Ghost -- Indicators of Compromise",
			GroupLabel: "Cozy Bear", FirstSeen: day(2019, 10, 17), LastSeen: day(2019, 10, 17), Source: 1},
		{Key: "Cozy Bear\x1fsamples.md5", Title: "samples.md5", GroupLabel: "Cozy Bear",
			FirstSeen: day(2019, 10, 18), LastSeen: day(2019, 10, 18), Source: 1},
		{Key: "Magic Hound\x1fCampaign 1 - Phishing", Title: "Campaign 1 - Phishing", GroupLabel: "Magic Hound",
			FirstSeen: day(2021, 6, 1), LastSeen: day(2021, 6, 1), Source: 2},
		{Key: "Magic Hound\x1fCampaign 2 - Loader", Title: "Campaign 2 - Loader", GroupLabel: "Magic Hound",
			FirstSeen: day(2021, 9, 14), LastSeen: day(2021, 9, 15), Source: 2},
	}
	if d := cmp.Diff(wantEvents, b.Events); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if b.Rows != 20 || b.Rejected != 1 || len(b.Indicators) != 19 {
		t.Errorf("rows %d rejected %d indicators %d, want 20, 1, 19", b.Rows, b.Rejected, len(b.Indicators))
	}
	if d := cmp.Diff([]string{`apt-iocs.csv:17: "resolver.bit" is not a valid domain`}, b.RejectReasons); d != "" {
		t.Errorf("reasons (-want +got):\n%s", d)
	}
	got := map[string]intel.IndicatorRow{}
	for _, in := range b.Indicators {
		got[in.Value+"@"+b.Sources[in.Source].Name] = in
	}
	for key, want := range map[string]intel.IndicatorRow{
		"0123456789abcdef0123456789abcdef01234567@eset/malware-ioc": {Type: intel.IndicatorSHA1,
			Value: "0123456789abcdef0123456789abcdef01234567", Tags: []string{"Cozy Bear"}, FirstSeen: day(2019, 10, 17),
			LastSeen: day(2019, 10, 17), Confidence: 1, Source: 1, Event: 3},
		"http://account-verify.info/login?next=1&id=2@pan-unit42/playbook_viewer": {Type: intel.IndicatorURL,
			Value: "http://account-verify.info/login?next=1&id=2", Tags: []string{"Magic Hound"}, FirstSeen: day(2021, 6, 1),
			LastSeen: day(2021, 6, 1), Confidence: 1, Source: 2, Event: 5},
		"8.8.4.4@pan-unit42/playbook_viewer": {Type: intel.IndicatorIPv4, Value: "8.8.4.4", Tags: []string{"Magic Hound"},
			FirstSeen: day(2021, 9, 14), LastSeen: day(2021, 9, 14), Confidence: 1, Source: 2, Event: 6,
			Warninglist: "public-resolvers"},
	} {
		if d := cmp.Diff(want, got[key]); d != "" {
			t.Errorf("%s (-want +got):\n%s", key, d)
		}
	}
}

func TestErrors(t *testing.T) {
	m := ioclist.Mapping{Value: "value", Type: "type"}
	tests := []struct {
		name, input string
		strict      bool
		want        string
	}{
		{"no header", "", false, "in.csv:1: empty file, want a header row"},
		{"missing column", "val,type\nx,y\n", false, `in.csv:1: no column "value" in the header`},
		{"bad quote", "value,type\n\"evil.com,domain\n", false, "in.csv:2: extraneous or missing \" in quoted-field"},
		{"field count", "value,type\nevil.com,domain\nx.com\n", false, "in.csv:3: wrong number of fields"},
		{"strict type", "value,type\nevil.com,domain\n1.2.3.4,domain\n", true, `in.csv:3: "1.2.3.4" is a ipv4, not a domain`},
		{"strict unknown type", "value,type\nevil.com,gadget\n", true, `in.csv:2: unknown indicator type "gadget"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ioclist.ReadCSV(strings.NewReader(tt.input), "in.csv", m, "", ioclist.Options{Source: src, Strict: tt.strict})
			if got := intel.ErrorMessage(err); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
			if intel.ErrorCode(err) != intel.CodeInvalid {
				t.Errorf("code = %q, want invalid", intel.ErrorCode(err))
			}
		})
	}
	_, err := ioclist.ReadTrail(strings.NewReader("evil.com\n"+strings.Repeat("a", 70000)+"\n"), "t.txt", "", ioclist.Options{Source: src})
	if got, want := intel.ErrorMessage(err), "t.txt:2: line longer than 65536 bytes"; got != want {
		t.Errorf("long line: %q, want %q", got, want)
	}
}

func TestScreen(t *testing.T) {
	sc := ioclist.NewScreener()
	tests := []struct {
		want       intel.IndicatorType
		raw        string
		typ        intel.IndicatorType
		value, err string
	}{
		{"", " Evil[.]COM. ", intel.IndicatorDomain, "evil.com", ""},
		{"", "hxxp://evil[.]com/a?b=1&amp;c=2", intel.IndicatorURL, "http://evil.com/a?b=1&c=2", ""},
		{intel.IndicatorURL, "evil.com/a", intel.IndicatorURL, "http://evil.com/a", ""},
		{"", "evil.com:8080", intel.IndicatorDomain, "evil.com", ""},
		{"", "1.2.3.4:99999", "", "", `"1.2.3.4:99999" is not one indicator: ":99999" follows the ipv4`},
		{"", "\"a@b.com\"", intel.IndicatorEmail, "a@b.com", ""},
		{intel.IndicatorSHA1, "d41d8cd98f00b204e9800998ecf8427e", "", "", `"d41d8cd98f00b204e9800998ecf8427e" is a md5, not a sha1`},
		{"", "TA0001", "", "", `tactic "TA0001" is not an indicator type spoor stores`},
		{"", "", "", "", "empty value"},
		{"", "x evil.com", "", "", `"x evil.com" is not one indicator: "x " precedes the domain`},
	}
	for _, tt := range tests {
		got, err := sc.Screen(tt.want, tt.raw)
		var msg string
		if err != nil {
			msg = err.Error()
		}
		if msg != tt.err || got.Type != tt.typ || got.Value != tt.value {
			t.Errorf("Screen(%q, %q) = %+v, %q; want %s %q, %q", tt.want, tt.raw, got, msg, tt.typ, tt.value, tt.err)
		}
	}
}

func FuzzTrail(f *testing.F) {
	for _, s := range []string{"evil.com\n# c\nhxxp://a[.]b.com/x # y\n1.2.3.4:80\n", "a.com b.com\n", "\xff\xfe\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ioclist.ReadTrail(strings.NewReader(in), "f", "", ioclist.Options{Source: src})
		if err != nil {
			if intel.ErrorCode(err) != intel.CodeInvalid || strings.Contains(intel.ErrorMessage(err), "\n") {
				t.Fatalf("error not one invalid line: %v", err)
			}
			return
		}
		checkBatch(t, b)
	})
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"value,type,first\nevil.com,domain,2024-01-01\n", "value,type,first\n\"x\n", "value\n1.2.3.4\n"} {
		f.Add(s)
	}
	m := ioclist.Mapping{Value: "value", Type: "type", FirstSeen: "first"}
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ioclist.ReadCSV(strings.NewReader(in), "f", m, "", ioclist.Options{Source: src})
		if err != nil {
			if intel.ErrorCode(err) != intel.CodeInvalid || strings.Contains(intel.ErrorMessage(err), "\n") {
				t.Fatalf("error not one invalid line: %v", err)
			}
			return
		}
		checkBatch(t, b)
	})
}

// checkBatch holds for every batch: rows add up, every value is valid
// and canonical (screening it again changes nothing).
func checkBatch(t *testing.T, b *intel.IndicatorBatch) {
	t.Helper()
	if b.Rows != len(b.Indicators)+b.Rejected {
		t.Fatalf("rows %d != %d indicators + %d rejected", b.Rows, len(b.Indicators), b.Rejected)
	}
	sc := ioclist.NewScreener()
	for _, in := range b.Indicators {
		i := intel.Indicator{Type: in.Type, Value: in.Value, Confidence: in.Confidence}
		if err := i.Validate(); err != nil {
			t.Fatalf("invalid row %+v: %v", in, err)
		}
		again, err := sc.Screen(in.Type, in.Value)
		if err != nil || again.Value != in.Value {
			t.Fatalf("%s %q is not canonical: %q, %v", in.Type, in.Value, again.Value, err)
		}
	}
}

// A row whose description or tags break the input rules is kept, the
// field repaired, with a note naming the row; an event's bad group ID is
// dropped.
func TestRowsApplyTheInputRules(t *testing.T) {
	csv := "value,notes,tags,group,group_id\n" +
		"evil.example-c2.com,\"staging\x00server\",\"c2;\x1b[31mred\",Evil\x07 Panda,G9999<script>\n"
	m := ioclist.Mapping{Value: "value", Description: "notes", Tags: "tags", Group: "group", GroupID: "group_id"}
	b, err := ioclist.ReadCSV(strings.NewReader(csv), "hostile.csv", m, "", ioclist.Options{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Indicators) != 1 || len(b.Events) != 1 {
		t.Fatalf("batch %+v", b)
	}
	r, ev := b.Indicators[0], b.Events[0]
	got := []any{r.Description, r.Tags, ev.GroupLabel, ev.GroupExternalID}
	want := []any{"stagingserver", []string{"c2", "[31mred", "Evil Panda"}, "Evil Panda", ""} // the group is a tag too
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("tidied row (-want +got):\n%s", d)
	}
	notes := strings.Join(b.Notes, "\n")
	for _, w := range []string{"hostile.csv:2: indicator domain \"evil.example-c2.com\": description:", "tags[1]:", "group:", "group_id:"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}
