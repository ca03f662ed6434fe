package export_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// run exports the fixture (or r) in one format and returns the output.
func run(t *testing.T, r export.Reader, req export.Request) (string, *export.Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := export.Run(context.Background(), r, &out, req)
	if err != nil {
		t.Fatalf("export %s: %v", req.Format, err)
	}
	return out.String(), st
}

func allFormats(t *testing.T) []export.Format {
	var fs []export.Format
	for _, f := range export.Formats() {
		p, err := export.ParseFormat(f[0])
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, p)
	}
	return fs
}

// TestGolden compares every format's export of the fixture, hostile
// values included, with testdata/FORMAT.golden (go test -update rewrites
// them; review the diff). Formats with a real checker are checked by it
// too, in their own tests.
func TestGolden(t *testing.T) {
	for _, f := range allFormats(t) {
		t.Run(string(f), func(t *testing.T) {
			got, _ := run(t, fixture(), export.Request{Format: f})
			path := filepath.Join("testdata", string(f)+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("%s differs from %s (-want +got):\n%s", f, path, d)
			}
		})
	}
}

// TestDeterministic: the same store gives the same bytes, whatever the
// format, and the bytes do not depend on the time of the export.
func TestDeterministic(t *testing.T) {
	for _, f := range allFormats(t) {
		a, _ := run(t, fixture(), export.Request{Format: f})
		b, _ := run(t, fixture(), export.Request{Format: f})
		if a != b {
			t.Errorf("%s: two exports of one store differ", f)
		}
	}
}

// lineShapes say what each line of a line-based format may look like.
var lineShapes = map[export.Format]func(line string) bool{
	export.List: func(l string) bool { return l != "" && !strings.ContainsAny(l, " \t\r") },
	export.Hosts: func(l string) bool {
		return strings.HasPrefix(l, "# ") || strings.HasPrefix(l, "0.0.0.0 ") && strings.Count(l, " ") == 1
	},
	export.RPZ: func(l string) bool {
		return strings.HasPrefix(l, "; ") || strings.HasPrefix(l, "$TTL ") || strings.HasPrefix(l, "@ ") ||
			strings.HasSuffix(l, " CNAME .") && strings.Count(l, " ") == 2
	},
	export.Unbound: func(l string) bool {
		return strings.HasPrefix(l, "# ") || l == "server:" ||
			strings.HasPrefix(l, "\tlocal-zone: \"") && strings.HasSuffix(l, ".\" always_nxdomain") && strings.Count(l, "\"") == 2
	},
	export.Zeek: func(l string) bool {
		return l == "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc" ||
			strings.Count(l, "\t") == 3 && !strings.HasPrefix(l, "#") && !strings.Contains(l, "\t\t")
	},
}

// TestHostileLinesStayLines: no hostile text starts a line of its own in
// a line-based format: every line is a header, a comment or an entry of
// the format's shape.
func TestHostileLinesStayLines(t *testing.T) {
	for f, ok := range lineShapes {
		out, _ := run(t, fixture(), export.Request{Format: f})
		for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if !ok(l) {
				t.Errorf("%s line %d has an unexpected shape: %q", f, i+1, l)
			}
		}
		if strings.Contains(out, "google.com") {
			t.Errorf("%s carries the value with a newline in it:\n%s", f, out)
		}
	}
}

func TestStats(t *testing.T) {
	_, st := run(t, fixture(), export.Request{Format: export.Hosts})
	want := &export.Stats{Format: export.Hosts, Read: 19, Written: 2, Skipped: map[string]int{
		"domain not a host name": 1, "asn (not in this format)": 1, "cidr (not in this format)": 3, "cve (not in this format)": 1,
		"email (not in this format)": 1, "ipv4 (not in this format)": 2, "ipv6 (not in this format)": 1,
		"md5 (not in this format)": 1, "sha1 (not in this format)": 1, "sha256 (not in this format)": 1,
		"sha512 (not in this format)": 1, "technique (not in this format)": 1, "url (not in this format)": 2,
	}}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	if s := st.String(); !strings.HasPrefix(s, "exported 2 of 19 indicators as hosts; left out: 1 asn") {
		t.Errorf("summary line = %q", s)
	}
}

func TestRunFilterAndGroup(t *testing.T) {
	r := fixture()
	out, st := run(t, r, export.Request{Format: export.List, Group: "fancy bear",
		Filter: intel.ExportFilter{TLPMax: intel.TLPAmber, MinConfidence: 0.5}})
	if want := "198.51.100.0/24\nc2.badcorp.net\n203.0.113.9\n" + `http://badcorp.net:8080/a'b"c\d;e|f:g?q=1` + "\n"; out != want {
		t.Errorf("APT28's list =\n%s\nwant\n%s", out, want)
	}
	if st.Read != 4 || r.filters[0].GroupID != 1 || r.filters[0].MinConfidence != 0.5 {
		t.Errorf("read %d with filter %+v, want 4 with APT28's ID and the filter passed on", st.Read, r.filters[0])
	}

	// A group above the ceiling is as absent as an unknown one.
	for _, g := range []string{"Red Team", "Nobody"} {
		_, err := export.Run(context.Background(), fixture(), &bytes.Buffer{}, export.Request{Format: export.CSV, Group: g,
			Filter: intel.ExportFilter{TLPMax: intel.TLPAmber}})
		if intel.ErrorCode(err) != intel.CodeNotFound || strings.Contains(intel.ErrorMessage(err), "red") {
			t.Errorf("group %q under amber: err = %v, want not found", g, err)
		}
	}
	bad := []export.Request{
		{Format: "xml"},
		{Format: export.CSV, Filter: intel.ExportFilter{TLPMax: "white"}},
		{Format: export.Suricata, Options: export.Options{SIDBase: 4294967000, SIDCount: 1000}},
		{Format: export.RPZ, Options: export.Options{Zone: "bad zone"}},
		{Format: export.Suricata, Options: export.Options{SIDCount: 1 << 30}},
	}
	for _, req := range bad {
		if _, err := export.Run(context.Background(), fixture(), &bytes.Buffer{}, req); intel.ErrorCode(err) != intel.CodeInvalid {
			t.Errorf("%+v: err = %v, want invalid", req, err)
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// A write error is returned, not swallowed, even when it happens in the
// buffered writer's last flush.
func TestWriteError(t *testing.T) {
	for _, f := range allFormats(t) {
		_, err := export.Run(context.Background(), fixture(), &failWriter{n: 10}, export.Request{Format: f})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s to a full disk: err = %v", f, err)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-05-01T08:30:00+02:00", time.Date(2024, 5, 1, 6, 30, 0, 0, time.UTC)},
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)},
		{"30d", now.AddDate(0, 0, -30)},
		{"2w", now.AddDate(0, 0, -14)},
		{"12h", now.Add(-12 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
	}
	for _, tt := range tests {
		got, err := export.ParseSince(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "yesterday", "-3d", "3y", "10000000d", "2024-13-01"} {
		if _, err := export.ParseSince(in, now); intel.ErrorCode(err) != intel.CodeInvalid {
			t.Errorf("ParseSince(%q): err = %v, want invalid", in, err)
		}
	}
}

// ruleOptions parses the options of a Suricata or Snort rule the way the
// engines do: name[:value]; pairs up to the closing parenthesis, quoted
// values with only \" \; and \\ escaped. It fails on anything else, so a
// hostile value that escaped its quotes shows.
func ruleOptions(line string) (map[string][]string, error) {
	head, rest, ok := strings.Cut(line, " (")
	if !ok || !strings.HasPrefix(head, "alert ") || strings.ContainsAny(head, "\"();") {
		return nil, fmt.Errorf("bad header %q", head)
	}
	opts := map[string][]string{}
	for i := 0; ; {
		for i < len(rest) && rest[i] == ' ' {
			i++
		}
		if rest[i:] == ")" {
			return opts, nil
		}
		j := i
		for j < len(rest) && rest[j] != ':' && rest[j] != ';' {
			j++
		}
		if j == len(rest) {
			return nil, fmt.Errorf("option at %d does not end", i)
		}
		name, val := rest[i:j], ""
		if rest[j] == ':' {
			j++
			if j < len(rest) && rest[j] == '"' {
				var b strings.Builder
				for j++; ; j++ {
					if j >= len(rest) {
						return nil, fmt.Errorf("%s: unterminated quote", name)
					}
					c := rest[j]
					if c == '\\' {
						if j+1 >= len(rest) || !strings.ContainsRune(`";\`, rune(rest[j+1])) {
							return nil, fmt.Errorf("%s: bad escape at %d", name, j)
						}
						j++
						b.WriteByte(rest[j])
						continue
					}
					if c == '"' {
						j++
						break
					}
					if c == ';' || c < 0x20 || c > 0x7e {
						return nil, fmt.Errorf("%s: raw %q inside quotes", name, c)
					}
					b.WriteByte(c)
				}
				val = b.String()
			} else {
				k := strings.IndexByte(rest[j:], ';')
				if k < 0 {
					return nil, fmt.Errorf("%s: value does not end", name)
				}
				val, j = rest[j:j+k], j+k
			}
		}
		if j >= len(rest) || rest[j] != ';' {
			return nil, fmt.Errorf("%s: no ; after it", name)
		}
		opts[name] = append(opts[name], val)
		i = j + 1
	}
}

// TestRulesParse: every rule of both engines parses, with one msg, a
// unique SID in the range and content values free of raw separators,
// whatever the fixture's hostile names and values hold.
func TestRulesParse(t *testing.T) {
	for _, f := range []export.Format{export.Suricata, export.Snort} {
		opts := export.Options{SIDBase: 7000000, SIDCount: 5000}
		out, st := run(t, fixture(), export.Request{Format: f, Options: opts})
		sids := map[string]bool{}
		rules := 0
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if strings.HasPrefix(l, "# ") {
				continue
			}
			rules++
			o, err := ruleOptions(l)
			if err != nil {
				t.Errorf("%s: %v in\n%s", f, err, l)
				continue
			}
			if len(o["msg"]) != 1 || len(o["sid"]) != 1 || !strings.HasPrefix(o["msg"][0], "spoor ") {
				t.Errorf("%s: msg %q, sid %q in %s", f, o["msg"], o["sid"], l)
			}
			sid, _ := strconv.Atoi(o["sid"][0])
			if sid < 7000000 || sid >= 7005000 || sids[o["sid"][0]] {
				t.Errorf("%s: SID %d outside the range or repeated", f, sid)
			}
			sids[o["sid"][0]] = true
			for _, c := range o["content"] {
				if strings.ContainsAny(c, `";\`) || strings.Count(c, "|")%2 != 0 {
					t.Errorf("%s: content %q", f, c)
				}
			}
		}
		if rules != st.Rules || rules != 13 {
			t.Errorf("%s: %d rules, stats say %d, want 13", f, rules, st.Rules)
		}
	}
	if _, err := ruleOptions(`alert ip any any -> any any (msg:"a"b"; sid:1;)`); err == nil {
		t.Error("the rule checker accepts a broken quote")
	}
}
