package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

const matchLog = `10.0.0.9 - - [03/Dec/2026:10:00:00 +0000] "GET http://mail-gov-update.com/owa/auth.php HTTP/1.1" 200 10 "-" "curl"
10.0.0.9 - - [03/Dec/2026:10:00:01 +0000] "GET http://notmail-gov-update.com/ HTTP/1.1" 200 10 "-" "curl"
Dec  3 10:00:02 gw dnsmasq[1]: query[A] cdn.ns1.mail-gov-update.com from 203.0.113.28
`

func TestMatchCLI(t *testing.T) {
	c := exportCLI(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "mixed.log")
	if err := os.WriteFile(plain, []byte(matchLog), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(matchLog))
	w.Close()
	zipped := filepath.Join(dir, "mixed.log.gz")
	if err := os.WriteFile(zipped, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	out, errOut, err := c.run("", "match", "--record", "--sensor", "proxy-1", plain, zipped)
	if err != nil {
		t.Fatalf("match: %v\n%s", err, errOut)
	}
	type hit struct {
		File      string
		Line      int
		Indicator struct{ Type, Value string }
		Text      string
		Groups    []string
		Sources   []string
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var h hit
		if err := json.Unmarshal([]byte(l), &h); err != nil {
			t.Fatalf("hit %q: %v", l, err)
		}
		if len(h.Sources) == 0 || h.Text == "" {
			t.Errorf("hit %q lacks sources or text", l)
		}
		got = append(got, filepath.Base(h.File)+":"+string(rune('0'+h.Line))+" "+h.Indicator.Type+" "+h.Indicator.Value+" "+strings.Join(h.Groups, ","))
	}
	var want []string
	for _, f := range []string{"mixed.log", "mixed.log.gz"} {
		want = append(want, f+":1 url http://mail-gov-update.com/owa/auth.php APT28", f+":1 domain mail-gov-update.com APT28",
			f+":3 domain ns1.mail-gov-update.com APT28", f+":3 domain mail-gov-update.com APT28")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("hits (-want +got):\n%s", d)
	}
	// 203.0.113.28 is in a documentation range: stored, never matched.
	if !strings.Contains(errOut, "never matched: ") || !strings.Contains(errOut, "documentation 4") ||
		!strings.Contains(errOut, "recorded 6 sightings (sensor proxy-1)") {
		t.Errorf("summary %q lacks the skipped reasons or the sightings", errOut)
	}

	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.FindIndicators(context.Background(), intel.IndicatorFilter{Type: intel.IndicatorDomain, Value: "mail-gov-update.com"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("find domain: %v %+v", err, page)
	}
	sgs, err := st.FindSightings(context.Background(), page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sgs) != 2 {
		t.Fatalf("sightings %+v, want one per log file", sgs)
	}
	for _, sg := range sgs {
		if sg.Count != 2 || sg.Sensor != "proxy-1" || sg.Origin != intel.SightingMatch || !strings.HasPrefix(sg.LogFile, dir) ||
			sg.RecordedBy != "system" {
			t.Errorf("sighting %+v: want count 2 from proxy-1 by system, log file in %s", sg, dir)
		}
	}

	text := c.ok("match", "--format", "text", "-")
	if text != "" {
		t.Errorf("empty stdin gave %q", text)
	}
	out, _, err = c.run("x 10.0.0.1 cdn.mail-gov-update.com\n", "match", "--format", "text", "-")
	if err != nil || out != "-:1: domain mail-gov-update.com [APT28]: x 10.0.0.1 cdn.mail-gov-update.com\n" {
		t.Errorf("text format: %q, %v", out, err)
	}
	for _, args := range [][]string{{"match"}, {"match", "--format", "csv", plain}} {
		if _, _, err := c.run("", args...); err == nil {
			t.Errorf("spoor %v: no usage error", args)
		}
	}
	if _, _, err := c.run("", "match", filepath.Join(dir, "missing.log")); intel.ErrorCode(err) != intel.CodeInvalid ||
		!strings.Contains(err.Error(), "missing.log") {
		t.Errorf("missing file: %v", err)
	}
}

// TestMatchCompoundPattern: the plain values inside compound patterns
// (an OR of a hash and a domain, an address beside a port test, an
// observation followed by another) are matched in logs, each on its own;
// the pattern itself is kept whole.
func TestMatchCompoundPattern(t *testing.T) {
	c := newCLI(t)
	ind := func(n int, pattern string) map[string]any {
		return map[string]any{"type": "indicator", "spec_version": "2.1", "id": fmt.Sprintf("indicator--70000000-0000-4000-8000-%012d", n),
			"created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "pattern_type": "stix",
			"pattern": pattern, "valid_from": "2024-01-01T00:00:00.000Z"}
	}
	b, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--70000000-0000-4000-8000-000000000000", "objects": []any{
		ind(1, "[file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661' OR domain-name:value = 'or-branch.spoor-match.net']"),
		ind(2, "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '45.77.12.201' AND network-traffic:dst_port = 4444]"),
		ind(3, "[process:name = 'evil.exe'] FOLLOWEDBY [url:value = 'http://next.spoor-match.net/stage2'] WITHIN 300 SECONDS"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "compound.json")
	if err := os.WriteFile(bundle, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("import", "stix", bundle, "--credibility", "1")
	log := "a GET http://next.spoor-match.net/stage2\nb 45.77.12.201 port 4444\nc or-branch.spoor-match.net\nd 0cc175b9c0f1b6a831c399e269772661\ne quiet.example\n"
	out, errOut, err := c.run(log, "match", "--format", "text", "-")
	if err != nil {
		t.Fatalf("match: %v\n%s", err, errOut)
	}
	for _, want := range []string{"-:1: url http://next.spoor-match.net/stage2", "-:2: ipv4 45.77.12.201", "-:3: domain or-branch.spoor-match.net",
		"-:4: md5 0cc175b9c0f1b6a831c399e269772661"} {
		if !strings.Contains(out, want) {
			t.Errorf("match lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "-:5:") {
		t.Errorf("a line without a value matched:\n%s", out)
	}
	// The patterns are kept whole too, found by their values.
	if list := c.ok("stix", "--value", "45.77.12.201"); !strings.Contains(list, "indicator--70000000-0000-4000-8000-000000000002") {
		t.Errorf("the compound pattern is not found by its value:\n%s", list)
	}
}
