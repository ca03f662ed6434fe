package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func testDocuments(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "bob")
	src := &intel.Source{Name: "blog", Kind: intel.SourceReport}
	must(t, "source", s.UpsertSource(ctx, src))
	d := &intel.Document{Title: "Report", URL: "https://example.org/r", Text: "body text", Published: day(2024, 3, 1), SourceID: src.ID, TLP: intel.TLPAmber}
	must(t, "create", s.CreateDocument(ctx, d))
	sum := sha256.Sum256([]byte("body text"))
	want := *d
	want.ContentHash = hex.EncodeToString(sum[:])
	got, err := s.FindDocumentByID(ctx, d.ID)
	must(t, "find", err)
	mustDiff(t, "document", &want, got)
	if got.CreatedAt.IsZero() || got.UpdatedAt.IsZero() {
		t.Error("document times not stamped")
	}
	wantCode(t, "same URL again", s.CreateDocument(ctx, &intel.Document{Title: "Copy", URL: "https://example.org/r"}), intel.CodeConflict)
	wantCode(t, "no title", s.CreateDocument(ctx, &intel.Document{}), intel.CodeInvalid)

	text, title := "new text", "Report v2"
	upd, err := s.UpdateDocument(ctx, d.ID, intel.DocumentUpdate{Text: &text, Title: &title})
	must(t, "update", err)
	sum = sha256.Sum256([]byte(text))
	want.Text, want.Title, want.ContentHash = text, title, hex.EncodeToString(sum[:])
	mustDiff(t, "updated document", &want, upd)
	_, err = s.UpdateDocument(ctx, 999999, intel.DocumentUpdate{Text: &text})
	wantCode(t, "update missing", err, intel.CodeNotFound)

	// Paging newest first, without text.
	ids := []int64{d.ID}
	for i := range 6 {
		x := &intel.Document{Title: fmt.Sprintf("Doc %d", i), Text: "t"}
		must(t, "create", s.CreateDocument(ctx, x))
		ids = append([]int64{x.ID}, ids...)
	}
	var got2 []int64
	after := ""
	for {
		page, err := s.FindDocuments(ctx, intel.DocumentFilter{After: after, Limit: 3})
		must(t, "page", err)
		for _, x := range page.Items {
			if x.Text != "" {
				t.Errorf("list carries text of %d", x.ID)
			}
			got2 = append(got2, x.ID)
		}
		if after = page.Next; after == "" {
			break
		}
	}
	mustDiff(t, "document pages", ids, got2)
	page, err := s.FindDocuments(ctx, intel.DocumentFilter{SourceID: src.ID})
	must(t, "by source", err)
	if len(page.Items) != 1 || page.Items[0].ID != d.ID {
		t.Errorf("documents of source = %v", page.Items)
	}

	must(t, "delete", s.DeleteDocument(ctx, d.ID))
	_, err = s.FindDocumentByID(ctx, d.ID)
	wantCode(t, "find deleted", err, intel.CodeNotFound)
	wantCode(t, "delete again", s.DeleteDocument(ctx, d.ID), intel.CodeNotFound)
	hits, err := s.Search(ctx, intel.SearchQuery{Text: "Report v2"})
	must(t, "search", err)
	if len(hits) != 0 {
		t.Errorf("deleted document still found: %v", hits)
	}
}

func testIndicators(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	in := &intel.Indicator{Type: intel.IndicatorSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		Description: "empty file", Tags: []string{"test"}, FirstSeen: day(2020, 1, 1), LastSeen: day(2021, 1, 1), Confidence: 0.3, TLP: intel.TLPGreen}
	must(t, "create", s.CreateIndicator(ctx, in))
	got, err := s.FindIndicatorByID(ctx, in.ID)
	must(t, "find", err)
	mustDiff(t, "indicator", in, got)
	dup := &intel.Indicator{Type: intel.IndicatorSHA256, Value: in.Value}
	wantCode(t, "duplicate", s.CreateIndicator(ctx, dup), intel.CodeConflict)
	wantCode(t, "invalid type", s.CreateIndicator(ctx, &intel.Indicator{Type: "x", Value: "y"}), intel.CodeInvalid)
	wantCode(t, "no value", s.CreateIndicator(ctx, &intel.Indicator{Type: intel.IndicatorIPv4}), intel.CodeInvalid)

	conf, tags := 0.9, []string{"a", "b"}
	upd, err := s.UpdateIndicator(ctx, in.ID, intel.IndicatorUpdate{Confidence: &conf, Tags: &tags})
	must(t, "update", err)
	want := *in
	want.Confidence, want.Tags = conf, tags
	mustDiff(t, "updated", &want, upd)
	bad := 1.5
	_, err = s.UpdateIndicator(ctx, in.ID, intel.IndicatorUpdate{Confidence: &bad})
	wantCode(t, "invalid update", err, intel.CodeInvalid)
	_, err = s.UpdateIndicator(ctx, 999999, intel.IndicatorUpdate{Confidence: &conf})
	wantCode(t, "update missing", err, intel.CodeNotFound)

	var all []int64
	for i := range 7 {
		x := &intel.Indicator{Type: intel.IndicatorIPv4, Value: fmt.Sprintf("192.0.2.%d", i)}
		must(t, "create", s.CreateIndicator(ctx, x))
		all = append([]int64{x.ID}, all...)
	}
	var got2 []int64
	after := ""
	for {
		page, err := s.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorIPv4, After: after, Limit: 2})
		must(t, "page", err)
		for _, x := range page.Items {
			got2 = append(got2, x.ID)
		}
		if after = page.Next; after == "" {
			break
		}
	}
	mustDiff(t, "indicator pages", all, got2)

	must(t, "delete", s.DeleteIndicator(ctx, in.ID))
	_, err = s.FindIndicatorByID(ctx, in.ID)
	wantCode(t, "find deleted", err, intel.CodeNotFound)
	wantCode(t, "delete again", s.DeleteIndicator(ctx, in.ID), intel.CodeNotFound)
}
