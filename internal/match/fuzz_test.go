package match_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/match"
)

// FuzzLine checks that the line scanner never panics, that every hit is
// an indicator of the index, and that scanning a line alone and inside a
// stream give the same hits.
func FuzzLine(f *testing.F) {
	for _, s := range []string{
		"45.77.12.34 - - [03/Dec/2026] \"GET http://dl.payload.top/drop/stage2.bin HTTP/1.1\"",
		"query: CDN.EVIL-CORP.RU. IN A", "::1 2a03:b0c0:3:d0::1a2b:1 [::ffff:91.219.236.1]:80",
		"<phish@spoofmail.net> " + md5 + "." + sha256, "a@@b..c--d::e//f", "http://[::1", "x://", "1.2.3.4-5.6.7.8",
		"\"hostname\":\"dl.payload.top\",\"url\":\"/drop/stage2.bin#x\"",
	} {
		f.Add(s)
	}
	ix := testIndex(f)
	f.Fuzz(func(t *testing.T, s string) {
		line := strings.ReplaceAll(s, "\n", " ")
		sc := ix.NewScanner()
		alone := sc.Line([]byte(line))
		for _, in := range alone {
			if in.Value == "" || in.Type == "" {
				t.Fatalf("hit without a value: %+v", in)
			}
		}
		if strings.HasPrefix(line, "\x1f\x8b") {
			return // a stream that starts so is gzip: not this line as text
		}
		var streamed []match.Indicator
		if _, err := sc.Scan(bytes.NewReader([]byte(line+"\n")), "f", func(h *match.Hit) error {
			streamed = append(streamed, h.Indicator)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(streamed) != len(alone) {
			t.Fatalf("line gave %d hits, stream %d", len(alone), len(streamed))
		}
	})
}
