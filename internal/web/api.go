package web

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// Request bodies of the JSON API. They name exactly the fields a client
// may send, so unknown fields are refused by name.

// groupInput creates a group.
type groupInput struct {
	Name        string    `json:"name"`
	ExternalID  string    `json:"external_id,omitempty"`
	Aliases     []string  `json:"aliases,omitempty"`
	Description string    `json:"description,omitempty"`
	Country     string    `json:"country,omitempty"`
	URL         string    `json:"url,omitempty"`
	Confidence  *float64  `json:"confidence,omitempty"` // 1 when omitted: an analyst's own entry
	TLP         intel.TLP `json:"tlp,omitempty"`
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

// indicatorInput creates an indicator.
type indicatorInput struct {
	Type        intel.IndicatorType `json:"type"`
	Value       string              `json:"value"`
	Description string              `json:"description,omitempty"`
	Tags        []string            `json:"tags,omitempty"`
	FirstSeen   time.Time           `json:"first_seen,omitzero"`
	LastSeen    time.Time           `json:"last_seen,omitzero"`
	Confidence  *float64            `json:"confidence,omitempty"` // 1 when omitted
	TLP         intel.TLP           `json:"tlp,omitempty"`
}

// userInput creates a user.
type userInput struct {
	Login    string     `json:"login"`
	Role     intel.Role `json:"role"`
	Password string     `json:"password"`
}

// userPatch changes a user; absent fields stay. A new password ends the
// user's sessions (but the one making the change, when it is theirs).
type userPatch struct {
	Role     *intel.Role `json:"role,omitempty"`
	Enabled  *bool       `json:"enabled,omitempty"`
	Password *string     `json:"password,omitempty"`
	// RevokeTokens revokes all the user's API tokens.
	RevokeTokens bool `json:"revoke_tokens,omitempty"`
}

// tokenInput creates an API token, from a browser session only.
type tokenInput struct {
	Name string `json:"name"`
	// Scope is read (the default), write or admin, at most the role.
	Scope intel.TokenScope `json:"scope,omitempty"`
	// ExpiresInDays is the token's life: 1 to 366 days, 90 when 0.
	ExpiresInDays int `json:"expires_in_days,omitempty"`
	// Password is needed when the session signed in (or last entered
	// it) more than 10 minutes ago.
	Password string `json:"password,omitempty"`
}

// tokenCreated answers a new token: the plain token appears only here.
type tokenCreated struct {
	Token    string          `json:"token"`
	APIToken *intel.APIToken `json:"api_token"`
}

func confidence(c *float64) float64 {
	if c == nil {
		return 1
	}
	return *c
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](p intel.Page[T]) intel.Page[T] {
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// findObject returns the object id if it is of the kind, else CodeNotFound,
// so that /groups/{id} never shows or changes a technique.
func (s *Server) findObject(ctx context.Context, kind intel.ObjectKind, id int64) (*intel.Object, error) {
	o, err := s.store.FindObjectByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Kind != kind {
		return nil, intel.Errorf(intel.CodeNotFound, "no %s %d", kind, id)
	}
	return o, nil
}

func (s *Server) apiObjectList(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryLimit(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		q := r.URL.Query()
		page, err := s.store.FindObjects(r.Context(), intel.ObjectFilter{
			Kind: kind, NamePrefix: q.Get("prefix"), After: q.Get("after"), Limit: limit})
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, nonNil(page))
	}
}

func (s *Server) apiObjectGet(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*intel.Profile, error) {
			return s.profileOf(ctx, kind, id)
		})
	}
}

// profileOf loads the profile of object id, which must be of kind.
func (s *Server) profileOf(ctx context.Context, kind intel.ObjectKind, id int64) (*intel.Profile, error) {
	p, err := s.store.FindProfile(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Object.Kind != kind {
		return nil, intel.Errorf(intel.CodeNotFound, "no %s %d", kind, id)
	}
	return p, nil
}

func (s *Server) apiGroupCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in groupInput) (*intel.Object, error) {
		o := in.object()
		return o, s.createObject(ctx, o)
	})
}

func (in groupInput) object() *intel.Object {
	return &intel.Object{
		Kind:        intel.KindGroup,
		Name:        strings.TrimSpace(in.Name),
		ExternalID:  strings.TrimSpace(in.ExternalID),
		Aliases:     cleanList(in.Aliases),
		Description: in.Description,
		Country:     strings.TrimSpace(in.Country), // Validate resolves names and codes
		URL:         strings.TrimSpace(in.URL),
		Confidence:  confidence(in.Confidence),
		TLP:         in.TLP,
	}
}

func (s *Server) createObject(ctx context.Context, o *intel.Object) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return s.store.CreateObject(ctx, o)
}

func (s *Server) apiGroupUpdate(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, func(ctx context.Context, id int64, u intel.ObjectUpdate) (*intel.Object, error) {
		return s.updateObject(ctx, intel.KindGroup, id, u)
	})
}

func (s *Server) updateObject(ctx context.Context, kind intel.ObjectKind, id int64, u intel.ObjectUpdate) (*intel.Object, error) {
	if _, err := s.findObject(ctx, kind, id); err != nil {
		return nil, err
	}
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "%s name is required", kind)
	}
	if u.TLP != nil && !u.TLP.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown TLP marking %q", *u.TLP)
	}
	return s.store.UpdateObject(ctx, id, u)
}

func (s *Server) apiGroupDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.deleteObject(r, intel.KindGroup); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteObject(r *http.Request, kind intel.ObjectKind) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.findObject(r.Context(), kind, id); err != nil {
		return err
	}
	return s.store.DeleteObject(r.Context(), id)
}

// Documents.

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
	f := intel.DocumentFilter{SourceID: src, After: q.Get("after"), Limit: limit}
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

// Indicators.

func (s *Server) apiIndicatorList(w http.ResponseWriter, r *http.Request) {
	page, err := s.indicators(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) indicators(r *http.Request) (intel.Page[*intel.Indicator], error) {
	limit, err := queryLimit(r)
	if err != nil {
		return intel.Page[*intel.Indicator]{}, err
	}
	q := r.URL.Query()
	typ := intel.IndicatorType(q.Get("type"))
	if typ != "" && !typ.Valid() {
		return intel.Page[*intel.Indicator]{}, intel.Errorf(intel.CodeInvalid, "unknown indicator type %q", typ)
	}
	return s.store.FindIndicators(r.Context(), intel.IndicatorFilter{
		Type: typ, Value: q.Get("value"), After: q.Get("after"), Limit: limit})
}

func (s *Server) apiIndicatorCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in indicatorInput) (*intel.Indicator, error) {
		i := in.indicator()
		return i, s.createIndicator(ctx, i)
	})
}

func (in indicatorInput) indicator() *intel.Indicator {
	return &intel.Indicator{
		Type:        in.Type,
		Value:       strings.TrimSpace(in.Value),
		Description: in.Description,
		Tags:        cleanList(in.Tags),
		FirstSeen:   in.FirstSeen,
		LastSeen:    in.LastSeen,
		Confidence:  confidence(in.Confidence),
		TLP:         in.TLP,
	}
}

// createIndicator stores a new indicator in the canonical form the
// extractor gives its value, so that "hxxp://Evil[.]COM/x" typed in a
// form and http://evil.com/x found in a report are one indicator. A value
// that is not exactly one indicator of its type is refused. A value on a
// warninglist or in a special range is kept, and flagged.
func (s *Server) createIndicator(ctx context.Context, i *intel.Indicator) error {
	if err := i.Validate(); err != nil {
		return err
	}
	m, err := canonicalIndicator(s.checker(), i.Type, i.Value)
	if err != nil {
		return err
	}
	i.Value = m.Value
	if i.Warninglist == "" {
		i.Warninglist = m.Label()
	}
	return s.store.CreateIndicator(ctx, i)
}

func (s *Server) apiIndicatorGet(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, s.indicatorView)
}

func (s *Server) indicator(r *http.Request) (*intel.Indicator, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.store.FindIndicatorByID(r.Context(), id)
}

func (s *Server) apiIndicatorUpdate(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, s.updateIndicator)
}

func (s *Server) updateIndicator(ctx context.Context, id int64, u intel.IndicatorUpdate) (*intel.Indicator, error) {
	if u.Confidence != nil && (*u.Confidence < 0 || *u.Confidence > 1) {
		return nil, intel.Errorf(intel.CodeInvalid, "confidence %v is outside 0..1", *u.Confidence)
	}
	if u.TLP != nil && !u.TLP.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown TLP marking %q", *u.TLP)
	}
	if u.Tags != nil {
		tags := cleanList(*u.Tags)
		u.Tags = &tags
	}
	return s.store.UpdateIndicator(ctx, id, u)
}

func (s *Server) apiIndicatorDelete(w http.ResponseWriter, r *http.Request) {
	deleteByID(s, w, r, s.store.DeleteIndicator)
}

// Search and counts.

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	hits, err := s.search(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[intel.SearchHit]{Items: hits}))
}

// search runs the q, kind and limit of the request. Blank text finds
// nothing rather than everything.
func (s *Server) search(r *http.Request) ([]intel.SearchHit, error) {
	q := r.URL.Query()
	limit, err := queryLimit(r)
	if err != nil {
		return nil, err
	}
	var kinds []string
	for _, v := range q["kind"] {
		for k := range strings.SplitSeq(v, ",") {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			if k != "document" && k != "indicator" && !intel.ObjectKind(k).Valid() {
				return nil, intel.Errorf(intel.CodeInvalid, "unknown kind %q", k)
			}
			kinds = append(kinds, k)
		}
	}
	text := strings.TrimSpace(q.Get("q"))
	if text == "" {
		return nil, nil
	}
	return s.store.Search(r.Context(), intel.SearchQuery{Text: text, Kinds: kinds, Limit: limit})
}

func (s *Server) apiCounts(w http.ResponseWriter, r *http.Request) {
	c, err := s.counts(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// counts is what the dashboard and /api/v1/counts show: the base's counts
// with the event counts beside them.
func (s *Server) counts(ctx context.Context) (intel.Counts, error) {
	c, err := s.store.Counts(ctx)
	if err != nil {
		return nil, err
	}
	ec, err := s.store.EventCounts(ctx)
	if err != nil {
		return nil, err
	}
	maps.Copy(c, ec)
	return c, nil
}

// Users.

func (s *Server) apiUserList(w http.ResponseWriter, r *http.Request) {
	users, err := s.auth.ListUsers(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[*intel.User]{Items: users}))
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in userInput) (*intel.User, error) {
		return s.auth.CreateUser(ctx, in.Login, in.Role, in.Password)
	})
}

func (s *Server) apiUserUpdate(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, s.updateUser)
}

// updateUser applies a patch through the auth service, one field at a
// time, and returns the user as it ends up.
func (s *Server) updateUser(ctx context.Context, id int64, p userPatch) (*intel.User, error) {
	ref := strconv.FormatInt(id, 10)
	u, err := s.auth.FindUser(ctx, ref)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Password != nil:
		if u, err = s.auth.SetPassword(ctx, ref, *p.Password, passwordOptions(ctx, id, p.RevokeTokens)); err != nil {
			return nil, err
		}
	case p.RevokeTokens:
		if err := s.auth.RevokeAllTokens(ctx, id); err != nil {
			return nil, err
		}
	}
	if p.Role != nil {
		if u, err = s.auth.SetRole(ctx, ref, *p.Role); err != nil {
			return nil, err
		}
	}
	if p.Enabled != nil {
		if u, err = s.auth.SetEnabled(ctx, ref, *p.Enabled); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Tokens.

func (s *Server) apiTokenList(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.auth.ListTokens(r.Context(), authFrom(r).User.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[*intel.APIToken]{Items: tokens}))
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in tokenInput) (tokenCreated, error) {
		plain, t, err := s.issueToken(w, r, in)
		return tokenCreated{Token: plain, APIToken: t}, err
	})
}

func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	deleteByID(s, w, r, func(ctx context.Context, id int64) error {
		return s.auth.RevokeToken(ctx, authFrom(r).User, id)
	})
}

// Audit.

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	page, err := s.audit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) audit(r *http.Request) (intel.Page[*intel.AuditEntry], error) {
	limit, err := queryLimit(r)
	if err != nil {
		return intel.Page[*intel.AuditEntry]{}, err
	}
	uid, err := queryInt64(r, "user_id")
	if err != nil {
		return intel.Page[*intel.AuditEntry]{}, err
	}
	return s.store.FindAudit(r.Context(), intel.AuditFilter{UserID: uid, After: r.URL.Query().Get("after"), Limit: limit})
}

// noRoute answers paths no route matches: 405 with Allow when another
// method would match, else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := *r
		probe.Method = m
		if _, pattern := s.mux.Handler(&probe); pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.error(w, r, &statusError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: r.Method + " is not allowed here; use " + strings.Join(allowed, " or ")})
		return
	}
	s.notFound(w, r)
}

// cleanList trims the items of a list and drops the empty ones.
func cleanList(in []string) []string {
	var out []string
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
