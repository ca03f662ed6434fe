package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const extractInput = "C2 at hxxps[://]evil-update[.]com/gate.php and 203.0.113[.]7;\r\n" +
	"hash: D41D8CD98F00B204E9800998ECF8427E, resolver 8.8.8.8, see example.com and google.com.\n"

func runExtract(t *testing.T, stdin string, args ...string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"extract"}, args...), func(string) string { return "" },
		strings.NewReader(stdin), &out, &errOut)
	if err != nil {
		t.Fatalf("spoor extract %v: %v (%s)", args, err, errOut.String())
	}
	return out.String(), errOut.String()
}

func TestExtractJSONL(t *testing.T) {
	out, _ := runExtract(t, extractInput, "-")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		// The JSONL contract: exactly these keys, in this order.
		var keys []string
		dec := json.NewDecoder(strings.NewReader(line))
		dec.Token()
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			var skip json.RawMessage
			dec.Decode(&skip)
		}
		if diff := cmp.Diff([]string{"type", "value", "raw", "offset"}, keys); diff != "" {
			t.Errorf("line %s keys (-want +got):\n%s", line, diff)
		}
		var m jsonlMatch
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if extractInput[m.Offset:m.Offset+int64(len(m.Raw))] != m.Raw {
			t.Errorf("offset %d does not point at raw %q", m.Offset, m.Raw)
		}
		got = append(got, m.Type+" "+m.Value)
	}
	want := []string{
		"url https://evil-update.com/gate.php",
		"domain evil-update.com",
		"ipv4 203.0.113.7",
		"md5 d41d8cd98f00b204e9800998ecf8427e",
		"ipv4 8.8.8.8",
		"domain example.com",
		"domain google.com",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("matches (-want +got):\n%s", diff)
	}
}

func TestExtractOptions(t *testing.T) {
	out, _ := runExtract(t, extractInput, "--format", "text", "--types", "ipv4,md5", "--no-refang", "-")
	want := "ipv4\t203.0.113[.]7\nmd5\tD41D8CD98F00B204E9800998ECF8427E\nipv4\t8.8.8.8\n"
	if out != want {
		t.Errorf("text output:\n%q\nwant\n%q", out, want)
	}

	ranks := filepath.Join(t.TempDir(), "top.csv")
	if err := os.WriteFile(ranks, []byte("rank,domain\n1,google.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut := runExtract(t, extractInput, "--format", "text", "--warninglists", "--warninglist", ranks, "-")
	if strings.Contains(out, "8.8.8.8") || strings.Contains(out, "google.com") || strings.Contains(out, "example.com") {
		t.Errorf("warninglists kept benign values:\n%s", out)
	}
	if !strings.Contains(out, "evil-update.com") || !strings.HasPrefix(errOut, "warninglists dropped: ") {
		t.Errorf("out %q, stderr %q", out, errOut)
	}

	out, _ = runExtract(t, extractInput, "--format", "csv", "--warninglists", "--show-warned", "-")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "type,value,raw,offset,flags,warninglist" || len(lines) != 8 {
		t.Fatalf("csv output:\n%s", out)
	}
	if !strings.Contains(out, "ipv4,203.0.113.7,203.0.113[.]7,") || !strings.Contains(out, "documentation") {
		t.Errorf("csv lacks the documentation-range flag on 203.0.113.7:\n%s", out)
	}
}

func TestExtractErrors(t *testing.T) {
	for _, args := range [][]string{{"--types", "ipv5", "-"}, {"--format", "xml", "-"}, {"/no/such/file"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"extract"}, args...), func(string) string { return "" },
			strings.NewReader(""), &out, &errOut)
		if err == nil || strings.Contains(errorLine(err), "\n") {
			t.Errorf("extract %v: err = %v, want one error line", args, err)
		}
	}
}
