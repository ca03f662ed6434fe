package storetest

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// testReportEntities: recognised entities and mapped techniques are stored
// with the report, hostile text kept as written; offsets that do not hold
// the entity's text and IDs that are no technique are rejected with a
// reason; a re-import changes nothing and a new version replaces them.
func testReportEntities(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "bob")
	text := "APT28 used <script>alert(1)</script> and T1059.001 against Ukraine."
	imp := func(text string, ents []intel.EntityMention, techs []intel.TechniqueMention) *intel.ReportImport {
		return &intel.ReportImport{Document: intel.Document{Title: "Entities", URL: "https://example.com/entities", Text: text},
			Entities: ents, Techniques: techs}
	}
	ents := []intel.EntityMention{
		{Type: "HackOrg", Text: "APT28", Start: 0, End: 5, Confidence: 0.9514, Model: "dnrti 2026-12-03"},
		{Type: "Tool", Text: "<script>alert(1)</script>", Start: 11, End: 36, Confidence: 0.5, Model: "dnrti 2026-12-03"},
		{Type: "Area", Text: "Ukraine", Start: 59, End: 66, Confidence: 0.8, Model: "dnrti 2026-12-03"},
		{Type: "Area", Text: "Poland", Start: 59, End: 66, Confidence: 0.8, Model: "dnrti 2026-12-03"}, // not at those offsets
		{Type: "Area", Text: "x", Start: 60, End: 999, Confidence: 0.8, Model: "dnrti 2026-12-03"},     // outside the text
	}
	techs := []intel.TechniqueMention{
		{Technique: "T1059.001", Score: 1, Method: "id", Sentence: text, Start: 0, End: len(text), Model: "techniques 2026-12-03"},
		{Technique: "TA0001", Score: 1, Method: "id", Sentence: text, Model: "techniques 2026-12-03"},
		{Technique: "T1566", Score: 0.5, Method: "guess", Sentence: text, Model: "techniques 2026-12-03"},
	}
	first := imp(text, ents, techs)
	st, err := s.ImportReport(ctx, first)
	must(t, "import", err)
	if c := st.Counts["entity"]; c == nil || c.Seen != 5 || c.Created != 3 || c.Rejected != 2 {
		t.Errorf("entity counts = %+v, want 5 seen, 3 created, 2 rejected", c)
	}
	if c := st.Counts["technique mapping"]; c == nil || c.Seen != 3 || c.Created != 1 || c.Rejected != 2 {
		t.Errorf("technique counts = %+v, want 3 seen, 1 created, 2 rejected", c)
	}
	if w := strings.Join(st.Warnings, "\n"); !strings.Contains(w, `entity "Poland" at [59,66)`) || !strings.Contains(w, `technique "TA0001"`) {
		t.Errorf("warnings = %q", st.Warnings)
	}
	docID := first.Document.ID
	got, err := s.FindDocumentEntities(ctx, docID)
	must(t, "entities", err)
	mustDiff(t, "entities", []intel.EntityMention{
		{DocumentID: docID, Type: "HackOrg", Text: "APT28", Start: 0, End: 5, Confidence: 0.951, Model: "dnrti 2026-12-03"},
		{DocumentID: docID, Type: "Tool", Text: "<script>alert(1)</script>", Start: 11, End: 36, Confidence: 0.5, Model: "dnrti 2026-12-03"},
		{DocumentID: docID, Type: "Area", Text: "Ukraine", Start: 59, End: 66, Confidence: 0.8, Model: "dnrti 2026-12-03"},
	}, got)
	gotT, err := s.FindDocumentTechniques(ctx, docID)
	must(t, "techniques", err)
	mustDiff(t, "techniques", []intel.TechniqueMention{
		{DocumentID: docID, Technique: "T1059.001", Score: 1, Method: "id", Sentence: text, Start: 0, End: len(text), Model: "techniques 2026-12-03"},
	}, gotT)

	audits := countAudit(t, s)
	st, err = s.ImportReport(ctx, imp(text, ents, techs))
	must(t, "re-import", err)
	if c := st.Counts["entity"]; c == nil || c.Created+c.Updated != 0 || c.Unchanged != 3 {
		t.Errorf("re-import entity counts = %+v, want 3 unchanged", c)
	}
	if n := countAudit(t, s); n != audits {
		t.Errorf("an unchanged re-import wrote %d audit rows", n-audits)
	}

	second := "Turla struck again."
	_, err = s.ImportReport(ctx, imp(second, []intel.EntityMention{{Type: "HackOrg", Text: "Turla", Start: 0, End: 5, Confidence: 0.7, Model: "m"}}, nil))
	must(t, "new version", err)
	got, err = s.FindDocumentEntities(ctx, docID)
	must(t, "entities after the new version", err)
	mustDiff(t, "entities after the new version", []intel.EntityMention{
		{DocumentID: docID, Type: "HackOrg", Text: "Turla", Start: 0, End: 5, Confidence: 0.7, Model: "m"},
	}, got)
	gotT, err = s.FindDocumentTechniques(ctx, docID)
	must(t, "techniques after the new version", err)
	if len(gotT) != 0 {
		t.Errorf("techniques after a version without any: %+v", gotT)
	}
}
