package nlp_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/nlp"
)

func TestSpans(t *testing.T) {
	tests := []struct {
		tags string
		want []nlp.Span
	}{
		{"B-A I-A O B-B", []nlp.Span{{"A", 0, 2}, {"B", 3, 4}}},
		{"I-A I-A", []nlp.Span{{"A", 0, 2}}}, // conlleval: I- after O starts one
		{"B-A B-A", []nlp.Span{{"A", 0, 1}, {"A", 1, 2}}},
		{"B-A I-B", []nlp.Span{{"A", 0, 1}, {"B", 1, 2}}},
		{"O O", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, nlp.Spans(strings.Fields(tt.tags))); diff != "" {
			t.Errorf("Spans(%s) (-want +got):\n%s", tt.tags, diff)
		}
	}
}

func TestScore(t *testing.T) {
	gold := [][]string{strings.Fields("B-A I-A O B-B"), strings.Fields("B-B O")}
	pred := [][]string{strings.Fields("B-A I-A O B-A"), strings.Fields("B-B O")}
	s := nlp.Score(gold, pred)
	// 3 gold, 3 predicted, 2 right.
	if s.Micro.Correct != 2 || s.Micro.Gold != 3 || s.Micro.Predicted != 3 || s.MicroF1 < 0.666 || s.MicroF1 > 0.667 {
		t.Errorf("micro = %+v", s.Micro)
	}
	if a := s.PerType["A"]; a.Precision != 0.5 || a.Recall != 1 {
		t.Errorf("A = %+v", a)
	}
	if b := s.PerType["B"]; b.Precision != 1 || b.Recall != 0.5 {
		t.Errorf("B = %+v", b)
	}
}

func TestUnseen(t *testing.T) {
	train := []nlp.Sentence{{Tokens: []string{"a", "b"}}}
	test := []nlp.Sentence{{Tokens: []string{"a", "b"}}, {Tokens: []string{"a", "c"}}, {Tokens: []string{"ab"}}}
	if got := nlp.Unseen(train, test); len(got) != 2 || got[0].Tokens[1] != "c" {
		t.Errorf("Unseen = %+v", got)
	}
}
