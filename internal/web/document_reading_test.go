package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// TestDocumentReading: a report's recognised entities are marked in its
// text and listed by type, its mapped techniques shown with their
// sentences, and the API returns both. The report is hostile: its text,
// an entity over a script tag and a technique sentence holding markup stay
// inert text on the page.
func TestDocumentReading(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	text := `Fancy Loader <script>alert(1)</script> was sent by APT28 <img src=x onerror=alert(2)>.`
	at := func(s string) (int, int) { i := strings.Index(text, s); return i, i + len(s) }
	ls, le := at("Fancy Loader")
	ss, se := at("<script>alert(1)</script>")
	gs, ge := at("APT28")
	imp := &intel.ReportImport{
		Source:   intel.Source{Name: "hostile-labs", Kind: intel.SourceReport, Credibility: 0.2},
		Document: intel.Document{Title: "Hostile report", Text: text},
		Entities: []intel.EntityMention{
			{Type: "Tool", Text: "Fancy Loader", Start: ls, End: le, Confidence: 0.9, Model: "test"},
			{Type: "SamFile", Text: "<script>alert(1)</script>", Start: ss, End: se, Confidence: 0.5, Model: "test"},
			{Type: "HackOrg", Text: "APT28", Start: gs, End: ge, Confidence: 0.95, Model: "test"},
		},
		Techniques: []intel.TechniqueMention{{Technique: "T1566.001", Score: 0.8, Method: "classifier",
			Sentence: `sent by <b onmouseover=alert(3)>mail</b>`, Start: 0, End: len(text), Model: "test"}},
	}
	if _, err := e.Store.ImportReport(ctx, imp); err != nil {
		t.Fatalf("import report: %v", err)
	}
	id := imp.Document.ID
	runScenarios(t, e, []scenario{
		{Name: "page marks the entities", URL: fmt.Sprintf("/documents/%d", id), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{
				`id="doc-entities"`, `id="doc-techniques"`, "T1566.001",
				`<mark class="ent" data-type="Tool" title="Tool">Fancy Loader</mark>`,
				`<mark class="ent" data-type="HackOrg" title="HackOrg">APT28</mark>`,
				`&lt;script&gt;alert(1)&lt;/script&gt;</mark>`,
				`&lt;img src=x onerror=alert(2)&gt;`,
				`&lt;b onmouseover=alert(3)&gt;mail&lt;/b&gt;`,
			},
			NotExpectedContent: []string{"<script>alert", "<img src=x", "<b onmouseover"}},
		{Name: "API returns entities and techniques", URL: fmt.Sprintf("/api/v1/documents/%d", id), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"entities":[{`, `"type":"HackOrg"`, `"techniques":[{`, `"technique":"T1566.001"`}},
	})
}

func TestDocumentWithoutEntitiesShowsPlainText(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	imp := &intel.ReportImport{Document: intel.Document{Title: "Plain", Text: "nothing <i>marked</i> here"}}
	if _, err := e.Store.ImportReport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{{Name: "plain text", URL: fmt.Sprintf("/documents/%d", imp.Document.ID), As: "reader", ExpectedStatus: 200,
		ExpectedContent:    []string{`<div class="prose" id="doc-text">nothing &lt;i&gt;marked&lt;/i&gt; here</div>`},
		NotExpectedContent: []string{`id="doc-entities"`, "<mark"}}})
}
