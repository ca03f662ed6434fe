package report

import (
	"slices"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func TestVocabularyLinksCountriesAndSectors(t *testing.T) {
	known := NewKnown(Vocabulary())
	text := "The Russian actor targeted Ukrainian government ministries and the Energy sector in Poland, " +
		"then DPRK operators hit banks in South Korea. Offices in New Jersey were spared, Chad said; " +
		"the campaign posted on social media."
	a := Analyze(text, known)
	if got, want := a.Countries(), []string{"RU", "UA", "PL", "KP", "KR"}; !slices.Equal(got, want) {
		t.Errorf("countries = %q, want %q", got, want)
	}
	if got, want := a.Sectors(), []string{"government", "energy", "financial"}; !slices.Equal(got, want) {
		t.Errorf("sectors = %q, want %q", got, want)
	}
	imp := BuildImport(&Document{Title: "t", Text: text}, a, ImportOptions{})
	var gov *intel.TermMention
	for i, tm := range imp.Terms {
		if tm.Key == "government" {
			gov = &imp.Terms[i]
		}
	}
	if len(imp.Terms) != 8 || gov == nil || gov.Count != 2 || gov.Name != "government" || len(imp.Mentions) != 0 {
		t.Errorf("terms = %+v (want 8, government named twice as first written), mentions %+v", imp.Terms, imp.Mentions)
	}
	// Official names of over six words are not looked for; their
	// countries have shorter ones. Nothing else may be skipped.
	for _, s := range known.Skipped() {
		if s.Reason != "longer than 6 words" {
			t.Errorf("vocabulary name skipped by the matcher: %+v", s)
		}
	}
	if a := Analyze("Targets in the UK; the uk locale is not a country.", known); !slices.Equal(a.Countries(), []string{"GB"}) ||
		a.Mentions[0].Count != 1 {
		t.Errorf("UK: countries %q, mentions %+v; want GB once (as written only)", a.Countries(), a.Mentions)
	}
}
