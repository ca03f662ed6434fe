package threat_test

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/forum/threat"
	"github.com/spoor/spoor/internal/nlp"
)

// The cues of a label are words of the text, no function words, and
// they speak for it: without them the label scores less.
func TestCues(t *testing.T) {
	m, err := threat.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"[WTS] Fresh EU cards with CVV, 10$ each\nBulk discount, escrow accepted. ICQ 55512345.",
		"[TUT] How to unpack a crypted sample\nSet a breakpoint on VirtualAlloc and dump the second stage, step by step.",
		"Need help with my RAT\nIt does not connect back, can someone help me please? The and are that of the.",
	} {
		top, ok := m.Classify(text, 1, 0).Top(threat.TargetKind)
		if !ok {
			t.Fatal("no kind")
		}
		cues := m.Cues(text, threat.TargetKind, top.Label)
		if len(cues) == 0 {
			t.Errorf("%q (%s): no cues", text, top.Label)
			continue
		}
		stripped := text
		for _, c := range cues {
			if text[c.Start:c.End] != c.Text || nlp.IsStopword(strings.ToLower(c.Text)) || c.Type != "cue" || c.Source != "model" || c.Kind != "kind:"+top.Label {
				t.Errorf("%q: cue %+v", text, c)
			}
			stripped = stripped[:c.Start] + strings.Repeat("q", c.End-c.Start) + stripped[c.End:]
		}
		without := m.Classify(stripped, 20, 0)
		score := 0.0
		for _, l := range without[threat.TargetKind] {
			if l.Label == top.Label {
				score = l.Score
			}
		}
		if score >= top.Score {
			t.Errorf("%q: %s scores %.3f without its cues %v, %.3f with them", text, top.Label, score, cues, top.Score)
		}
	}
	if c := m.Cues("anything", threat.TargetKind, "no such kind"); c != nil {
		t.Errorf("cues of an unknown label: %v", c)
	}
}
