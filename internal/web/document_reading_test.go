package web_test

import (
	"context"
	"fmt"
	"net/url"
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
				`<mark class="ent" data-type="Tool" title="Tool · confidence 0.90">Fancy Loader</mark>`,
				`<mark class="ent" data-type="HackOrg" title="HackOrg · confidence 0.95">APT28</mark>`,
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

// TestDocumentLinks: a linked entity links to its object from the text,
// its hover names the type, the object and the confidence; an analyst's
// reject (a form with CSRF; a reader may not) strikes it through and the
// API takes the same decision on a technique; hostile entity text stays
// inert in the forms.
func TestDocumentLinks(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	text := `APT28 ran <svg onload=alert(1)> and phished (T1566.001).`
	gs, ge := 0, 5
	hs := strings.Index(text, "<svg")
	he := hs + len("<svg onload=alert(1)>")
	imp := &intel.ReportImport{
		Source:   intel.Source{Name: "link-labs", Kind: intel.SourceReport, Credibility: 0.6},
		Document: intel.Document{Title: "Linked report", Text: text},
		Entities: []intel.EntityMention{
			{Type: "HackOrg", Text: "APT28", Start: gs, End: ge, Confidence: 0.95, Model: "test", ObjectID: e.Group.ID},
			{Type: "Tool", Text: text[hs:he], Start: hs, End: he, Confidence: 0.6, Model: "test", ObjectID: e.Group.ID},
		},
		Techniques: []intel.TechniqueMention{{Technique: "T1566.001", Score: 0.8, Method: "id", Model: "test"}},
	}
	if _, err := e.Store.ImportReport(ctx, imp); err != nil {
		t.Fatalf("import report: %v", err)
	}
	id := imp.Document.ID
	page := fmt.Sprintf("/documents/%d", id)
	group := fmt.Sprintf(`href="/groups/%d"`, e.Group.ID)
	runScenarios(t, e, []scenario{
		{Name: "linked entity links to its group", URL: page, As: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{`id="doc-entity-links"`, `title="HackOrg → ` + e.Group.Name + ` (group) · confidence 0.95"><a ` + group + `>APT28</a></mark>`,
				`value="&lt;svg onload=alert(1)&gt;"`, `name="decision" value="rejected"`},
			NotExpectedContent: []string{"<svg onload"}},
		{Name: "reader sees no review forms", URL: page, As: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{`name="decision"`}},
		{Name: "reader may not review", Method: "POST", URL: page + "/review", As: "reader",
			Form: url.Values{"kind": {"entity"}, "type": {"HackOrg"}, "text": {"APT28"}, "decision": {"rejected"}}, ExpectedStatus: 403},
		{Name: "review needs the CSRF token", Method: "POST", URL: page + "/review", As: "analyst", NoCSRF: true,
			Form: url.Values{"kind": {"entity"}, "type": {"HackOrg"}, "text": {"APT28"}, "decision": {"rejected"}}, ExpectedStatus: 403},
		{Name: "analyst rejects the link", Method: "POST", URL: page + "/review", As: "analyst",
			Form: url.Values{"kind": {"entity"}, "type": {"HackOrg"}, "text": {"apt28"}, "decision": {"rejected"}}, ExpectedStatus: 303},
		{Name: "rejected link struck through, not linked", URL: page, As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`<mark class="ent rejected" data-type="HackOrg" title="HackOrg → ` + e.Group.Name + ` (group) · confidence 0.95 · rejected">APT28</mark>`}},
		{Name: "API confirms a technique", Method: "POST", URL: fmt.Sprintf("/api/v1/documents/%d/reviews", id), Bearer: "analyst",
			Body: `{"kind":"technique","technique":"T1566.001","decision":"confirmed"}`, ContentType: "application/json", ExpectedStatus: 200,
			ExpectedContent: []string{`"decision":"confirmed"`}},
		{Name: "API shows the decisions", URL: fmt.Sprintf("/api/v1/documents/%d", id), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"decision":"rejected"`, `"decision":"confirmed"`}},
		{Name: "decided items offer Withdraw", URL: page, As: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{`name="decision" value="withdrawn"`}},
		{Name: "reader may not withdraw", Method: "POST", URL: page + "/review", As: "reader",
			Form: url.Values{"kind": {"entity"}, "type": {"HackOrg"}, "text": {"APT28"}, "decision": {"withdrawn"}}, ExpectedStatus: 403},
		{Name: "analyst withdraws the rejection", Method: "POST", URL: page + "/review", As: "analyst",
			Form: url.Values{"kind": {"entity"}, "type": {"HackOrg"}, "text": {"APT28"}, "decision": {"withdrawn"}}, ExpectedStatus: 303},
		{Name: "withdrawn link linked again", URL: page, As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{`title="HackOrg → ` + e.Group.Name + ` (group) · confidence 0.95"><a ` + group + `>APT28</a></mark>`},
			NotExpectedContent: []string{`class="ent rejected"`}},
		{Name: "API withdraws the technique's confirmation", Method: "POST", URL: fmt.Sprintf("/api/v1/documents/%d/reviews", id), Bearer: "analyst",
			Body: `{"kind":"technique","technique":"T1566.001","decision":"withdrawn"}`, ContentType: "application/json", ExpectedStatus: 200,
			ExpectedContent: []string{`"decision":"withdrawn"`, `"decided_by":"analyst"`}},
		{Name: "API withdrawing nothing is 404", Method: "POST", URL: fmt.Sprintf("/api/v1/documents/%d/reviews", id), Bearer: "analyst",
			Body: `{"kind":"technique","technique":"T1566.001","decision":"withdrawn"}`, ContentType: "application/json", ExpectedStatus: 404,
			ExpectedContent: []string{"decision on T1566.001"}},
		{Name: "API shows no decisions left", URL: fmt.Sprintf("/api/v1/documents/%d", id), Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{`"decision":"`}},
		{Name: "undecided items offer no Withdraw", URL: page, As: "analyst", ExpectedStatus: 200,
			NotExpectedContent: []string{`value="withdrawn"`}},
	})
}
