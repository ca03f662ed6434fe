package web

// Documents (reports): list, page, form, delete and /api/v1/documents,
// with the provenance view both show.

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// documentStore reads and writes documents and what was found in them.
type documentStore interface {
	FindDocumentByID(ctx context.Context, id int64) (*intel.Document, error)
	FindDocuments(ctx context.Context, f intel.DocumentFilter) (intel.Page[*intel.Document], error)
	CreateDocument(ctx context.Context, d *intel.Document) error
	UpdateDocument(ctx context.Context, id int64, u intel.DocumentUpdate) (*intel.Document, error)
	DeleteDocument(ctx context.Context, id int64) error
	FindDocumentMentions(ctx context.Context, documentID int64) ([]intel.Mention, error)
	FindDocumentTerms(ctx context.Context, documentID int64) ([]intel.TermMention, error)
	FindDocumentIndicators(ctx context.Context, documentID int64) ([]intel.ReportIndicator, error)
	FindDocumentEntities(ctx context.Context, documentID int64) ([]intel.EntityMention, error)
	FindDocumentTechniques(ctx context.Context, documentID int64) ([]intel.TechniqueMention, error)
	ReviewMapping(ctx context.Context, r *intel.MappingReview) error
}

// reviewMapping records an analyst's decision on an entity link or a
// technique mapping of a document (the API and the page's forms).
func (s *Server) reviewMapping(ctx context.Context, id int64, rv intel.MappingReview) (*intel.MappingReview, error) {
	rv.DocumentID = id
	if err := s.store.ReviewMapping(ctx, &rv); err != nil {
		return nil, err
	}
	return &rv, nil
}

func (s *Server) apiDocumentReview(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, s.reviewMapping)
}

// documentReviewForm takes the Confirm, Reject and Withdraw buttons of
// the document page.
func (s *Server) documentReviewForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	rv := intel.MappingReview{Kind: f.Get("kind"), Type: f.Get("type"), Text: f.Get("text"), Technique: f.Get("technique"),
		Decision: f.Get("decision")}
	if _, err := s.reviewMapping(r.Context(), id, rv); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/documents/"+strconv.FormatInt(id, 10)+"#doc-links", http.StatusSeeOther)
}

// documentInput creates a document.
type documentInput struct {
	Title     string    `json:"title"`
	URL       string    `json:"url,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Text      string    `json:"text,omitempty"`
	Citation  string    `json:"citation,omitempty"`
	TLP       intel.TLP `json:"tlp,omitempty"`
}

func (s *Server) apiDocumentList(w http.ResponseWriter, r *http.Request) {
	page, err := s.documents(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) documents(r *http.Request) (intel.Page[*intel.Document], error) {
	limit, err := queryLimit(r)
	if err != nil {
		return intel.Page[*intel.Document]{}, err
	}
	src, err := queryInt64(r, "source_id")
	if err != nil {
		return intel.Page[*intel.Document]{}, err
	}
	q := r.URL.Query()
	f := intel.DocumentFilter{SourceID: src, Sort: querySort(q), After: q.Get("after"), Limit: limit}
	if v := q.Get("country"); v != "" {
		c, ok := geo.Find(v)
		if !ok {
			return intel.Page[*intel.Document]{}, intel.Errorf(intel.CodeInvalid, "country %q: not an ISO 3166 code or country name", v)
		}
		f.Country = c.Code
	}
	if v := q.Get("sector"); v != "" {
		if f.Sector = intel.FindSector(v); f.Sector == "" {
			return intel.Page[*intel.Document]{}, intel.Errorf(intel.CodeInvalid, "sector %q: not a sector of the vocabulary", v)
		}
	}
	return s.store.FindDocuments(r.Context(), f)
}

func (s *Server) apiDocumentCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in documentInput) (*intel.Document, error) {
		d := in.document()
		return d, s.createDocument(ctx, d)
	})
}

func (in documentInput) document() *intel.Document {
	return &intel.Document{
		Title:     strings.TrimSpace(in.Title),
		URL:       strings.TrimSpace(in.URL),
		Published: in.Published,
		Text:      in.Text,
		Citation:  in.Citation,
		TLP:       in.TLP,
	}
}

func (s *Server) createDocument(ctx context.Context, d *intel.Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return s.store.CreateDocument(ctx, d)
}

func (s *Server) apiDocumentGet(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, s.documentView)
}

func (s *Server) document(r *http.Request) (*intel.Document, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.store.FindDocumentByID(r.Context(), id)
}

func (s *Server) apiDocumentUpdate(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, s.updateDocument)
}

func (s *Server) updateDocument(ctx context.Context, id int64, u intel.DocumentUpdate) (*intel.Document, error) {
	if u.Title != nil && strings.TrimSpace(*u.Title) == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "document title is required")
	}
	if u.TLP != nil && !u.TLP.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown TLP marking %q", *u.TLP)
	}
	return s.store.UpdateDocument(ctx, id, u)
}

func (s *Server) apiDocumentDelete(w http.ResponseWriter, r *http.Request) {
	deleteByID(s, w, r, s.store.DeleteDocument)
}

type documentListData struct {
	Q      url.Values // the query, for the sort headers
	Items  []*intel.Document
	Next   string
	Naming string // the country or sector the list is filtered by
}

func (s *Server) documentListPage(w http.ResponseWriter, r *http.Request) {
	page, err := s.documents(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var naming []string
	if c, ok := geo.Find(r.URL.Query().Get("country")); ok {
		naming = append(naming, c.Name)
	}
	if sec := intel.FindSector(r.URL.Query().Get("sector")); sec != "" {
		naming = append(naming, "the "+sec+" sector")
	}
	s.render(w, r, http.StatusOK, "documents", documentListData{Q: r.URL.Query(), Items: page.Items, Next: nextURL(r, page.Next),
		Naming: strings.Join(naming, " and ")})
}

func (s *Server) documentPage(w http.ResponseWriter, r *http.Request) {
	renderByID(s, w, r, "document", s.documentView)
}

type documentFormData struct {
	formMessage
	ID        int64
	Title     string
	URL       string
	Published string
	Text      string
	TLP       string
	TLPs      []intel.TLP
}

func (s *Server) documentForm(w http.ResponseWriter, r *http.Request) {
	data := &documentFormData{TLPs: tlps(), TLP: string(intel.TLPClear)}
	if r.PathValue("id") != "" {
		d, err := s.document(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		data.ID, data.Title, data.URL, data.Text, data.TLP = d.ID, d.Title, d.URL, d.Text, string(d.TLP)
		if !d.Published.IsZero() {
			data.Published = d.Published.UTC().Format(time.DateOnly)
		}
	}
	s.render(w, r, http.StatusOK, "document_form", data)
}

func (s *Server) documentSave(w http.ResponseWriter, r *http.Request) {
	saveForm(s, w, r, "document_form", "/documents", func(f url.Values) *documentFormData {
		return &documentFormData{TLPs: tlps(), Title: f.Get("title"), URL: f.Get("url"),
			Published: f.Get("published"), Text: f.Get("text"), TLP: f.Get("tlp")}
	}, func(ctx context.Context, id int64, data *documentFormData) (int64, error) {
		data.ID = id
		tlp, err := intel.ParseTLP(data.TLP)
		if err != nil {
			return 0, err
		}
		var published time.Time
		if p := strings.TrimSpace(data.Published); p != "" {
			if published, err = time.Parse(time.DateOnly, p); err != nil {
				return 0, intel.Errorf(intel.CodeInvalid, "published must be a date like 2024-05-31")
			}
		}
		if id == 0 {
			d := documentInput{Title: data.Title, URL: data.URL, Published: published, Text: data.Text, TLP: tlp}.document()
			err := s.createDocument(ctx, d)
			return d.ID, err
		}
		title, u := strings.TrimSpace(data.Title), strings.TrimSpace(data.URL)
		_, err = s.updateDocument(ctx, id, intel.DocumentUpdate{
			Title: &title, URL: &u, Published: &published, Text: &data.Text, TLP: &tlp})
		return id, err
	})
}

func (s *Server) documentDelete(w http.ResponseWriter, r *http.Request) {
	s.deleteThenList(w, r, s.store.DeleteDocument, "/documents")
}

// documentView is a document with the objects, countries and sectors its
// text names and the indicators found in it.
type documentView struct {
	*intel.Document
	Mentions   []mentionedObject       `json:"mentions"`
	Countries  []namedTerm             `json:"countries"`
	Sectors    []namedTerm             `json:"sectors"`
	Indicators []intel.ReportIndicator `json:"indicators"`
	// Entities and Techniques are what the text-reading models found:
	// each entity at its offsets, each technique with its sentence.
	Entities   []intel.EntityMention    `json:"entities"`
	Techniques []intel.TechniqueMention `json:"techniques"`
	// EntityTypes counts the distinct entity texts per type, for the list
	// beside the text; Segments is the text cut at the entities, for the
	// page only.
	EntityTypes []entityType  `json:"-"`
	Segments    []textSegment `json:"-"`
	// Links are the linked entities, one per type and text, and
	// TechniqueLinks the techniques with their objects (page only).
	Links          []linkedEntity    `json:"-"`
	TechniqueLinks []linkedTechnique `json:"-"`
}

// linkedTechnique is a mapped technique with its object's name.
type linkedTechnique struct {
	intel.TechniqueMention
	objectName
}

// entityType is one type of recognised entity and its distinct texts.
type entityType struct {
	Type  string
	Texts []string
}

// textSegment is a run of a document's text, marked with the entity type
// it is (or "" for plain text). The template escapes Text like any other
// value: reports are hostile input.
type textSegment struct {
	Text, Type string
	// Entity is the recognised entity (nil for plain text); Link the
	// object it is linked to.
	Entity *linkedEntity
}

// linkedEntity is an entity with the name and kind of the object it links
// to, for the page's marks and its table of links.
type linkedEntity struct {
	intel.EntityMention
	objectName
}

// Title is what hovering the entity shows: type, link, confidence and
// the analyst's decision.
func (e *linkedEntity) Title() string {
	t := e.Type
	if e.ObjectID != 0 {
		t += " → " + e.ObjectName + " (" + string(e.ObjectKind) + ")"
	}
	t += " · confidence " + strconv.FormatFloat(e.Confidence, 'f', 2, 64)
	if e.Decision != "" {
		t += " · " + e.Decision
	}
	return t
}

// segments cuts text at the entities (sorted by start), as textRuns
// does.
func segments(text string, ents []linkedEntity) []textSegment {
	var out []textSegment
	for _, r := range textRuns(text, len(ents), func(i int) (int, int) { return ents[i].Start, ents[i].End }) {
		if r.Span < 0 {
			out = append(out, textSegment{Text: r.Text})
			continue
		}
		out = append(out, textSegment{Text: r.Text, Type: ents[r.Span].Type, Entity: &ents[r.Span]})
	}
	return out
}

// textRun is a run of a text: span Span of textRuns' spans, or plain
// text (Span -1).
type textRun struct {
	Text string
	Span int
}

// textRuns cuts text at n byte spans sorted by start: a span that
// overlaps the one before, or whose offsets do not fit the text or fall
// inside a character, is left out of the marks, not out of the text.
// Every run is text to escape like any other value: no markup is made
// from it.
func textRuns(text string, n int, span func(i int) (start, end int)) []textRun {
	var out []textRun
	at := 0
	for i := range n {
		start, end := span(i)
		if start < at || end > len(text) || end <= start || !utf8.RuneStart(text[start]) || end < len(text) && !utf8.RuneStart(text[end]) {
			continue
		}
		if start > at {
			out = append(out, textRun{Text: text[at:start], Span: -1})
		}
		out = append(out, textRun{Text: text[start:end], Span: i})
		at = end
	}
	if at < len(text) {
		out = append(out, textRun{Text: text[at:], Span: -1})
	}
	return out
}

// entityTypes lists the distinct texts of each entity type, types and
// texts sorted.
func entityTypes(ents []intel.EntityMention) []entityType {
	byType := map[string]map[string]bool{}
	for _, e := range ents {
		if byType[e.Type] == nil {
			byType[e.Type] = map[string]bool{}
		}
		byType[e.Type][e.Text] = true
	}
	out := make([]entityType, 0, len(byType))
	for typ, texts := range byType {
		out = append(out, entityType{Type: typ, Texts: slices.Sorted(maps.Keys(texts))})
	}
	slices.SortFunc(out, func(a, b entityType) int { return strings.Compare(a.Type, b.Type) })
	return out
}

// namedTerm is a country or sector a document names, with the display
// name of its key ("Ukraine" for UA) beside the name as written.
type namedTerm struct {
	intel.TermMention
	Label string `json:"label"`
}

// mentionedObject is an object a document names, with the name as the
// document wrote it (Name) and the object's own (ObjectName).
type mentionedObject struct {
	intel.Mention
	objectName
}

func (s *Server) documentView(ctx context.Context, id int64) (*documentView, error) {
	d, err := s.store.FindDocumentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &documentView{Document: d}
	ms, err := s.store.FindDocumentMentions(ctx, id)
	if err != nil {
		return nil, err
	}
	terms, err := s.store.FindDocumentTerms(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, t := range terms {
		if t.Kind == intel.EntryCountry {
			v.Countries = append(v.Countries, namedTerm{TermMention: t, Label: geo.Name(t.Key)})
		} else {
			v.Sectors = append(v.Sectors, namedTerm{TermMention: t, Label: t.Key})
		}
	}
	if v.Indicators, err = s.store.FindDocumentIndicators(ctx, id); err != nil {
		return nil, err
	}
	if v.Entities, err = s.store.FindDocumentEntities(ctx, id); err != nil {
		return nil, err
	}
	if v.Techniques, err = s.store.FindDocumentTechniques(ctx, id); err != nil {
		return nil, err
	}
	// The objects the mentions, entities and techniques link to, named
	// in one lookup.
	ids := make([]int64, 0, len(ms)+len(v.Entities)+len(v.Techniques))
	for _, m := range ms {
		ids = append(ids, m.ObjectID)
	}
	for _, e := range v.Entities {
		ids = append(ids, e.ObjectID)
	}
	for _, t := range v.Techniques {
		ids = append(ids, t.ObjectID)
	}
	names, err := s.objectNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		v.Mentions = append(v.Mentions, mentionedObject{Mention: m, objectName: names[m.ObjectID]})
	}
	linked := make([]linkedEntity, len(v.Entities))
	seen := map[string]bool{}
	for i, e := range v.Entities {
		linked[i] = linkedEntity{EntityMention: e, objectName: names[e.ObjectID]}
		if k := e.Type + "\t" + intel.NormalizeName(e.Text); e.ObjectID != 0 && !seen[k] {
			seen[k] = true
			v.Links = append(v.Links, linked[i])
		}
	}
	for _, t := range v.Techniques {
		v.TechniqueLinks = append(v.TechniqueLinks, linkedTechnique{TechniqueMention: t, objectName: names[t.ObjectID]})
	}
	v.EntityTypes, v.Segments = entityTypes(v.Entities), segments(d.Text, linked)
	v.Entities, v.Techniques = orEmpty(v.Entities), orEmpty(v.Techniques)
	v.Mentions, v.Indicators = orEmpty(v.Mentions), orEmpty(v.Indicators)
	v.Countries, v.Sectors = orEmpty(v.Countries), orEmpty(v.Sectors)
	return v, nil
}
