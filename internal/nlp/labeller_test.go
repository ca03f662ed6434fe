package nlp_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/nlp"
)

func trainTiny(t *testing.T, gaz *nlp.Gazetteer) *nlp.Labeller {
	t.Helper()
	m, err := nlp.Train(readTiny(t), nlp.DNRTITypes, nlp.TrainOptions{Epochs: 20, Seed: 1, Gazetteer: gaz})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainLearnsTrainingData(t *testing.T) {
	m := trainTiny(t, nil)
	for _, s := range readTiny(t) {
		if diff := cmp.Diff(s.Tags, m.Tag(s.Tokens)); diff != "" {
			t.Errorf("%v (-gold +tagged):\n%s", s.Tokens, diff)
		}
	}
	// The BIO constraint holds on any input: no I-X after O or another type.
	tags := m.Tag(strings.Fields("Group emails malware Group Group . in"))
	for i, tag := range tags {
		if strings.HasPrefix(tag, "I-") && (i == 0 || tags[i-1] == "O" || tags[i-1][2:] != tag[2:]) {
			t.Errorf("tag %d %s follows %v", i, tag, tags[:i])
		}
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := nlp.Train(nil, nlp.DNRTITypes, nlp.TrainOptions{}); err == nil {
		t.Error("Train(no sentences) succeeded")
	}
	bad := []nlp.Sentence{{Tokens: []string{"x"}, Tags: []string{"B-Nope"}}}
	if _, err := nlp.Train(bad, nlp.DNRTITypes, nlp.TrainOptions{}); err == nil || !strings.Contains(err.Error(), "B-Nope") {
		t.Errorf("Train(unknown tag) = %v", err)
	}
}

func TestLabellerRoundTrip(t *testing.T) {
	gaz := nlp.NewGazetteer([]nlp.GazEntry{{Name: "Lazarus Group", Type: "group"}, {Name: "Poland", Type: "country"}})
	m := trainTiny(t, gaz)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := nlp.LoadLabeller(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m.Info, got.Info); diff != "" {
		t.Errorf("info (-saved +loaded):\n%s", diff)
	}
	if got.Gaz == nil || got.Gaz.Len() != 2 {
		t.Errorf("gazetteer not kept: %+v", got.Gaz)
	}
	for _, in := range []string{"APT28 used Sofacy malware against Poland in 2016 .", "FireEye said Lazarus Group sent phishing emails ."} {
		toks := strings.Fields(in)
		if diff := cmp.Diff(m.Tag(toks), got.Tag(toks)); diff != "" {
			t.Errorf("%q (-saved +loaded):\n%s", in, diff)
		}
	}
	ents := got.Entities("APT28 used Sofacy malware against Ukraine in 2016.")
	if len(ents) == 0 || ents[0].Type != "HackOrg" || ents[0].Text != "APT28" || ents[0].Start != 0 || ents[0].Confidence <= 0 || ents[0].Confidence > 1 {
		t.Errorf("entities = %+v", ents)
	}
}

func TestLoadLabellerErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := trainTiny(t, nil).Save(&buf); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	var tech bytes.Buffer
	if err := tinyTechniques(t).Save(&tech); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		data      []byte
		truncated bool
		want      string
	}{
		{"empty", nil, true, "truncated"},
		{"cut in half", full[:len(full)/2], true, "truncated"},
		{"last byte missing", full[:len(full)-1], true, "truncated"},
		{"not gzip", []byte("{\"format\":\"x\"}"), false, "not a spoor-nlp-labeller file"},
		{"technique model", tech.Bytes(), false, `format "spoor-nlp-techniques", want "spoor-nlp-labeller"`},
	}
	for _, tt := range tests {
		_, err := nlp.LoadLabeller(bytes.NewReader(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, nlp.ErrTruncated) != tt.truncated {
			t.Errorf("%s: err = %v, want %q (truncated %v)", tt.name, err, tt.want, tt.truncated)
		}
	}
}

func TestGazetteerFeatureHelps(t *testing.T) {
	// "Kimsuky" never occurs in training; the gazetteer names it a group
	// as it names Lazarus Group, which training tags HackOrg.
	gaz := nlp.NewGazetteer([]nlp.GazEntry{{Name: "Lazarus Group", Type: "group"}, {Name: "APT28", Type: "group"}, {Name: "APT29", Type: "group"}, {Name: "Kimsuky", Type: "group"}})
	m := trainTiny(t, gaz)
	if got := m.Tag(strings.Fields("Kimsuky targeted banks in Poland .")); got[0] != "B-HackOrg" {
		t.Errorf("tags = %v, want Kimsuky as B-HackOrg", got)
	}
}
