package storetest

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// testInputRules: every write path of the store applies the input rules
// (intel's Validate), so the pages, the API and the CLI cannot store a
// hostile value, and names and countries are stored normalised.
func testInputRules(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	o := &intel.Object{Kind: intel.KindGroup, Name: "Cafe\u0301 Bear", Country: "russia", Confidence: 1}
	must(t, "create", s.CreateObject(ctx, o))
	got, err := s.FindObjectByID(ctx, o.ID)
	must(t, "find", err)
	if got.Name != "Café Bear" || got.Country != "RU" {
		t.Errorf("stored %q from %q, want NFC and an ISO code", got.Name+"/"+got.Country, "Cafe\u0301 Bear/russia")
	}
	doc := &intel.Document{Title: "Report", URL: "https://example.org/r"}
	must(t, "create document", s.CreateDocument(ctx, doc))
	src := &intel.Source{Name: "feed", Format: "stix", Location: "https://example.org/feed.json"}
	must(t, "upsert source", s.UpsertSource(ctx, src))
	in := &intel.Indicator{Type: intel.IndicatorDomain, Value: "evil.example.org", Confidence: 1}
	must(t, "create indicator", s.CreateIndicator(ctx, in))

	narnia, js, ftp, nul := "<b>Narnia</b>", "javascript:alert(1)", "ftp://example.org/", "a\x00b"
	tags := []string{"\x1b[2J"}
	long := strings.Repeat("x", 10000)
	for _, tt := range []struct {
		what  string
		err   error
		field string
	}{
		{"create with a NUL", s.CreateObject(ctx, &intel.Object{Kind: intel.KindGroup, Name: nul, Confidence: 1}), "name:"},
		{"create a long name", s.CreateObject(ctx, &intel.Object{Kind: intel.KindGroup, Name: long, Confidence: 1}), "name:"},
		{"create a bad ID", s.CreateObject(ctx, &intel.Object{Kind: intel.KindGroup, Name: "x", ExternalID: "G9999<script>", Confidence: 1}), "external_id:"},
		{"update a country", second(s.UpdateObject(ctx, o.ID, intel.ObjectUpdate{Country: &narnia})), "country:"},
		{"update a document's URL", second(s.UpdateDocument(ctx, doc.ID, intel.DocumentUpdate{URL: &js})), "url:"},
		{"update a document's text", second(s.UpdateDocument(ctx, doc.ID, intel.DocumentUpdate{Text: &nul})), "text:"},
		{"update an indicator's tags", second(s.UpdateIndicator(ctx, in.ID, intel.IndicatorUpdate{Tags: &tags})), "tags[0]:"},
		{"move a source to ftp", second(s.UpdateSource(ctx, src.ID, intel.SourceUpdate{Location: &ftp})), "location:"},
		{"merge for a NUL reason", second(s.MergeObjects(ctx, o.ID, o.ID+1000, nul)), "reason:"},
		{"split for a NUL reason", second(s.SplitObject(ctx, o.ID, []string{"x"}, nul)), "reason:"},
		{"import a javascript: reference", second(s.ImportBundle(ctx, &intel.Bundle{Source: intel.Source{Name: "imp"},
			Objects: []intel.Object{{Kind: intel.KindGroup, StixID: "intrusion-set--1", Name: "x",
				Refs: []intel.ExternalRef{{SourceName: "r", URL: js}}}}}, nil)), "refs[0].url:"},
	} {
		if intel.ErrorCode(tt.err) != intel.CodeInvalid || !strings.Contains(intel.ErrorMessage(tt.err), tt.field) {
			t.Errorf("%s: %v; want invalid, naming %s", tt.what, tt.err, tt.field)
		}
	}
	got, err = s.FindObjectByID(ctx, o.ID)
	must(t, "find again", err)
	if got.Country != "RU" {
		t.Errorf("a refused update changed the country to %q", got.Country)
	}
}

// second returns the error of a two-value call.
func second[T any](_ T, err error) error { return err }
