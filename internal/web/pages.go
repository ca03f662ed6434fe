package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// formError turns a form parsing failure into a user error.
func formError(err error) error {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge(mbe)
	}
	return intel.Errorf(intel.CodeInvalid, "malformed form: %v", err)
}

// parseForm parses the posted form and answers the error itself.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		s.error(w, r, formError(err))
		return false
	}
	return true
}

// formFailed re-renders a form with the message of a user error (invalid
// input, a conflict), or answers any other error as an error page.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, err error, page string, data formData) {
	switch intel.ErrorCode(err) {
	case intel.CodeInvalid, intel.CodeConflict:
		status, _, msg := errorStatus(err)
		data.setError(msg)
		s.render(w, r, status, page, data)
	default:
		s.error(w, r, err)
	}
}

// formData is page data that can show a form error.
type formData interface{ setError(string) }

// formMessage is embedded in the data of pages with forms.
type formMessage struct{ Error string }

func (f *formMessage) setError(msg string) { f.Error = msg }

// healthz says the process answers; readyz whether it can serve.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database is reachable and has exactly the
// migrations this binary knows, else 503 with the reason, so that a load
// balancer sends no traffic to a replica that cannot serve (its database
// is down, or a newer replica migrated it). The page is public: a
// database error is shown only as "database unreachable" and logged.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	err := s.store.Ready(ctx)
	if err == nil {
		_, _ = w.Write([]byte("ready\n"))
		return
	}
	reason := "database unreachable"
	if intel.ErrorCode(err) != intel.CodeInternal {
		reason = intel.ErrorMessage(err)
	}
	s.log.Warn("not ready", "reason", reason, "err", err)
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("not ready: " + reason + "\n"))
}

// readyTimeout bounds a readiness check: a probe that hangs is as bad
// as one that fails.
const readyTimeout = 3 * time.Second

// Sign-in.

type loginData struct {
	formMessage
	Login string
	Next  string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if authFrom(r).User != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", &loginData{Next: next})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	login, password := r.PostForm.Get("login"), r.PostForm.Get("password")
	data := &loginData{Login: login, Next: localPath(r.PostForm.Get("next"))}
	var token string
	var sess *intel.Session
	err := s.passwordCheck(w, r, login, func() (err error) {
		token, sess, _, err = s.auth.Login(r.Context(), login, password)
		return err
	})
	if err != nil {
		_, locked := errors.AsType[*statusError](err)
		if locked || intel.ErrorCode(err) == intel.CodeUnauthorized {
			status, _, msg := errorStatus(err)
			data.setError(msg)
			s.render(w, r, status, "login", data)
			return
		}
		s.error(w, r, err)
		return
	}
	s.setSessionCookie(w, token, sess)
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// logout ends the session of the cookie; the store audits the sign-out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			s.error(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// Dashboard and search.

type countItem struct {
	Label string
	N     int
	Href  string
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	c, err := s.counts(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	items := []countItem{
		{"Groups", c["group"], "/groups"},
		{"Techniques", c["technique"], "/techniques"},
		{"Software", c["software"], "/software"},
		{"Campaigns", c["campaign"], "/campaigns"},
		{"Documents", c["document"], "/documents"},
		{"Indicators", c["indicator"], "/indicators"},
		{"Events", c["event"], "/events"},
		{"Attributed events", c["event_attributed"], "/events"},
		{"Sources", c["source"], "/sources"},
		{"Users", c["user"], ""},
	}
	s.render(w, r, http.StatusOK, "dashboard", items)
}

type searchData struct {
	Query string
	Kind  string
	Kinds []string
	Hits  []intel.SearchHit
	Error string
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	data := searchData{
		Query: r.URL.Query().Get("q"),
		Kind:  r.URL.Query().Get("kind"),
		Kinds: []string{"group", "technique", "software", "campaign", "document", "indicator"},
	}
	hits, err := s.search(r)
	status := http.StatusOK
	if err != nil {
		if intel.ErrorCode(err) != intel.CodeInvalid {
			s.error(w, r, err)
			return
		}
		status, data.Error = http.StatusBadRequest, intel.ErrorMessage(err)
	}
	data.Hits = hits
	s.render(w, r, status, "search", data)
}

// Objects.

type objectListData struct {
	Seg    string
	Prefix string
	Items  []*intel.Object
	Next   string // URL of the next page, "" on the last
}

// nextURL is the current URL with after set to the cursor, or "".
func nextURL(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("after", cursor)
	return r.URL.Path + "?" + q.Encode()
}

func (s *Server) objectListPage(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		page, err := s.store.FindObjects(r.Context(), intel.ObjectFilter{
			Kind: kind, NamePrefix: q.Get("prefix"), After: q.Get("after"), Limit: defaultLimit})
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "objects", objectListData{
			Seg: kindPath(string(kind)), Prefix: q.Get("prefix"), Items: page.Items, Next: nextURL(r, page.Next)})
	}
}

type objectData struct {
	*intel.Profile
	Seg string
	// Group and Forms are set on group pages only: the group's
	// provenance, and the merge and split forms shown again after a
	// mistake.
	Group *groupView
	Forms groupForms
}

func (s *Server) objectPage(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if kind == intel.KindGroup {
			id, err := pathID(r)
			if err != nil {
				s.error(w, r, err)
				return
			}
			s.renderGroup(w, r, http.StatusOK, id, groupForms{})
			return
		}
		renderByID(s, w, r, "object", func(ctx context.Context, id int64) (objectData, error) {
			p, err := s.profileOf(ctx, kind, id)
			return objectData{Profile: p, Seg: kindPath(string(kind))}, err
		})
	}
}

type groupFormData struct {
	formMessage
	ID      int64
	Name    string
	Ext     string
	Aliases string
	Country string
	Desc    string
	TLP     string
	TLPs    []intel.TLP
}

// tlps are the TLP choices of the forms.
func tlps() []intel.TLP {
	return []intel.TLP{intel.TLPClear, intel.TLPGreen, intel.TLPAmber, intel.TLPAmberStrict, intel.TLPRed}
}

func (s *Server) groupForm(w http.ResponseWriter, r *http.Request) {
	data := &groupFormData{TLPs: tlps(), TLP: string(intel.TLPClear)}
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		o, err := s.findObject(r.Context(), intel.KindGroup, id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		data.ID, data.Name, data.Ext, data.Country, data.Desc, data.TLP =
			o.ID, o.Name, o.ExternalID, o.Country, o.Description, string(o.TLP)
		data.Aliases = strings.Join(o.Aliases, "\n")
	}
	s.render(w, r, http.StatusOK, "group_form", data)
}

// splitList reads a list typed one per line or separated by commas.
func splitList(s string) []string {
	return cleanList(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }))
}

func (s *Server) groupSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	data := &groupFormData{TLPs: tlps(), Name: f.Get("name"), Ext: f.Get("external_id"), Aliases: f.Get("aliases"),
		Country: f.Get("country"), Desc: f.Get("description"), TLP: f.Get("tlp")}
	tlp, err := intel.ParseTLP(data.TLP)
	if err != nil {
		s.formFailed(w, r, err, "group_form", data)
		return
	}
	var id int64
	if r.PathValue("id") != "" {
		if id, err = pathID(r); err != nil {
			s.error(w, r, err)
			return
		}
		data.ID = id
		aliases := splitList(data.Aliases)
		country := strings.TrimSpace(data.Country)
		name := strings.TrimSpace(data.Name)
		_, err = s.updateObject(r.Context(), intel.KindGroup, id, intel.ObjectUpdate{
			Name: &name, Aliases: &aliases, Description: &data.Desc, Country: &country, TLP: &tlp})
	} else {
		o := groupInput{Name: data.Name, ExternalID: data.Ext, Aliases: splitList(data.Aliases),
			Description: data.Desc, Country: data.Country, TLP: tlp}.object()
		err = s.createObject(r.Context(), o)
		id = o.ID
	}
	if err != nil {
		s.formFailed(w, r, err, "group_form", data)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/groups/%d", id), http.StatusSeeOther)
}

func (s *Server) groupDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.deleteObject(r, intel.KindGroup); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/groups", http.StatusSeeOther)
}

type deleteData struct {
	Seg   string
	ID    int64
	What  string
	Title string
}

// deleteConfirm asks before a delete, so it works without JavaScript.
func (s *Server) deleteConfirm(seg string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		data := deleteData{Seg: seg, ID: id}
		switch seg {
		case "groups":
			var o *intel.Object
			if o, err = s.findObject(r.Context(), intel.KindGroup, id); err == nil {
				data.What, data.Title = "group", o.Name
			}
		case "documents":
			var d *intel.Document
			if d, err = s.store.FindDocumentByID(r.Context(), id); err == nil {
				data.What, data.Title = "document", d.Title
			}
		case "indicators":
			var i *intel.Indicator
			if i, err = s.store.FindIndicatorByID(r.Context(), id); err == nil {
				data.What, data.Title = "indicator", string(i.Type)+" "+i.Value
			}
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "delete", data)
	}
}

// Documents.

type documentListData struct {
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
	s.render(w, r, http.StatusOK, "documents", documentListData{Items: page.Items, Next: nextURL(r, page.Next),
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
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	data := &documentFormData{TLPs: tlps(), Title: f.Get("title"), URL: f.Get("url"),
		Published: f.Get("published"), Text: f.Get("text"), TLP: f.Get("tlp")}
	tlp, err := intel.ParseTLP(data.TLP)
	if err != nil {
		s.formFailed(w, r, err, "document_form", data)
		return
	}
	var published time.Time
	if p := strings.TrimSpace(data.Published); p != "" {
		if published, err = time.Parse(time.DateOnly, p); err != nil {
			s.formFailed(w, r, intel.Errorf(intel.CodeInvalid, "published must be a date like 2024-05-31"), "document_form", data)
			return
		}
	}
	var id int64
	if r.PathValue("id") != "" {
		if id, err = pathID(r); err != nil {
			s.error(w, r, err)
			return
		}
		data.ID = id
		title, u := strings.TrimSpace(data.Title), strings.TrimSpace(data.URL)
		_, err = s.updateDocument(r.Context(), id, intel.DocumentUpdate{
			Title: &title, URL: &u, Published: &published, Text: &data.Text, TLP: &tlp})
	} else {
		d := documentInput{Title: data.Title, URL: data.URL, Published: published, Text: data.Text, TLP: tlp}.document()
		err = s.createDocument(r.Context(), d)
		id = d.ID
	}
	if err != nil {
		s.formFailed(w, r, err, "document_form", data)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/documents/%d", id), http.StatusSeeOther)
}

func (s *Server) documentDelete(w http.ResponseWriter, r *http.Request) {
	s.deleteThenList(w, r, s.store.DeleteDocument, "/documents")
}

// deleteThenList deletes the record in the path with del and sends the
// browser to its list.
func (s *Server) deleteThenList(w http.ResponseWriter, r *http.Request, del func(context.Context, int64) error, list string) {
	id, err := pathID(r)
	if err == nil {
		err = del(r.Context(), id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, list, http.StatusSeeOther)
}

// Indicators.

type indicatorListData struct {
	Type  string
	Types []intel.IndicatorType
	Items []*intel.Indicator
	Next  string
}

func (s *Server) indicatorListPage(w http.ResponseWriter, r *http.Request) {
	page, err := s.indicators(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "indicators", indicatorListData{
		Type: r.URL.Query().Get("type"), Types: intel.IndicatorTypes, Items: page.Items, Next: nextURL(r, page.Next)})
}

func (s *Server) indicatorPage(w http.ResponseWriter, r *http.Request) {
	renderByID(s, w, r, "indicator", s.indicatorView)
}

type indicatorFormData struct {
	formMessage
	ID         int64
	Type       string
	Value      string
	Desc       string
	Tags       string
	Confidence string
	TLP        string
	Types      []intel.IndicatorType
	TLPs       []intel.TLP
}

func (s *Server) indicatorForm(w http.ResponseWriter, r *http.Request) {
	data := &indicatorFormData{Types: intel.IndicatorTypes, TLPs: tlps(), TLP: string(intel.TLPClear), Confidence: "1"}
	if r.PathValue("id") != "" {
		i, err := s.indicator(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		data.ID, data.Type, data.Value, data.Desc, data.TLP = i.ID, string(i.Type), i.Value, i.Description, string(i.TLP)
		data.Tags = strings.Join(i.Tags, ", ")
		data.Confidence = strconv.FormatFloat(i.Confidence, 'f', -1, 64)
	}
	s.render(w, r, http.StatusOK, "indicator_form", data)
}

func (s *Server) indicatorSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	data := &indicatorFormData{Types: intel.IndicatorTypes, TLPs: tlps(), Type: f.Get("type"), Value: f.Get("value"),
		Desc: f.Get("description"), Tags: f.Get("tags"), Confidence: f.Get("confidence"), TLP: f.Get("tlp")}
	tlp, err := intel.ParseTLP(data.TLP)
	if err != nil {
		s.formFailed(w, r, err, "indicator_form", data)
		return
	}
	conf := 1.0
	if c := strings.TrimSpace(data.Confidence); c != "" {
		if conf, err = strconv.ParseFloat(c, 64); err != nil || conf < 0 || conf > 1 {
			s.formFailed(w, r, intel.Errorf(intel.CodeInvalid, "confidence must be a number from 0 to 1"), "indicator_form", data)
			return
		}
	}
	tags := splitList(data.Tags)
	var id int64
	if r.PathValue("id") != "" {
		if id, err = pathID(r); err != nil {
			s.error(w, r, err)
			return
		}
		data.ID = id
		var cur *intel.Indicator
		if cur, err = s.store.FindIndicatorByID(r.Context(), id); err != nil {
			s.error(w, r, err)
			return
		}
		data.Type, data.Value = string(cur.Type), cur.Value
		_, err = s.updateIndicator(r.Context(), id, intel.IndicatorUpdate{
			Description: &data.Desc, Tags: &tags, Confidence: &conf, TLP: &tlp})
	} else {
		i := indicatorInput{Type: intel.IndicatorType(data.Type), Value: data.Value, Description: data.Desc,
			Tags: tags, Confidence: &conf, TLP: tlp}.indicator()
		err = s.createIndicator(r.Context(), i)
		id = i.ID
	}
	if err != nil {
		s.formFailed(w, r, err, "indicator_form", data)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/indicators/%d", id), http.StatusSeeOther)
}

func (s *Server) indicatorDelete(w http.ResponseWriter, r *http.Request) {
	s.deleteThenList(w, r, s.store.DeleteIndicator, "/indicators")
}

// API tokens.

type tokensData struct {
	formMessage
	Tokens   []tokenRow
	NewToken string // the plain token, shown once after creation
	NewName  string
	// The create form: its choices and what it needs.
	Scope        intel.TokenScope
	Scopes       []intel.TokenScope
	Days         int
	DayChoices   []int
	NeedPassword bool // the session entered its password too long ago
	CanCreate    bool // a browser session, not an API token
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, &tokensData{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, data *tokensData) {
	a := authFrom(r)
	tokens, err := s.auth.ListTokens(r.Context(), a.User.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Tokens = tokenRows(tokens, s.now())
	data.Scopes, data.DayChoices = auth.Scopes(a.User.Role), tokenDays
	if data.Scope == "" {
		data.Scope = intel.ScopeRead
	}
	if data.Days == 0 {
		data.Days = defaultTokenDays
	}
	data.CanCreate = a.Session != nil
	data.NeedPassword = !s.auth.RecentlyAuthenticated(a.Session)
	s.render(w, r, status, "tokens", data)
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := tokenInput{Name: f.Get("name"), Scope: intel.TokenScope(f.Get("scope")), Password: f.Get("password")}
	data := &tokensData{NewName: in.Name, Scope: in.Scope}
	var err error
	if v := f.Get("expires_in_days"); v != "" {
		if in.ExpiresInDays, err = strconv.Atoi(v); err != nil {
			err = intel.Errorf(intel.CodeInvalid, "expires_in_days must be a number of days")
		}
	}
	data.Days = in.ExpiresInDays
	var plain string
	var t *intel.APIToken
	if err == nil {
		plain, t, err = s.issueToken(w, r, in)
	}
	if err != nil {
		s.accountFailed(w, r, err, "tokens", data)
		return
	}
	// No redirect: the plain token must be shown now, and never again.
	s.renderTokens(w, r, http.StatusCreated, &tokensData{NewToken: plain, NewName: t.Name})
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.auth.RevokeToken(r.Context(), authFrom(r).User, id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}

func (s *Server) tokenRevokeAll(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.RevokeAllTokens(r.Context(), authFrom(r).User.ID); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}

// Users.

type usersData struct {
	formMessage
	Users []*intel.User
	Roles []intel.Role
	Login string
	Role  string
}

// roles are the role choices of the users page.
func roles() []intel.Role { return []intel.Role{intel.RoleReader, intel.RoleAnalyst, intel.RoleAdmin} }

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, &usersData{Role: string(intel.RoleReader)})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, data *usersData) {
	users, err := s.auth.ListUsers(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Users, data.Roles = users, roles()
	s.render(w, r, status, "users", data)
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	data := &usersData{Login: f.Get("login"), Role: f.Get("role")}
	if _, err := s.auth.CreateUser(r.Context(), data.Login, intel.Role(data.Role), f.Get("password")); err != nil {
		if c := intel.ErrorCode(err); c == intel.CodeInvalid || c == intel.CodeConflict {
			status, _, msg := errorStatus(err)
			data.setError(msg)
			s.renderUsers(w, r, status, data)
			return
		}
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}

// userUpdate applies one change from the users table: a new role,
// enabled on or off, or a new password (which ends the user's sessions,
// and with revoke_tokens their API tokens).
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var p userPatch
	f := r.PostForm
	if v := f.Get("role"); v != "" {
		role := intel.Role(v)
		p.Role = &role
	}
	if v := f.Get("enabled"); v != "" {
		on := v == "true"
		p.Enabled = &on
	}
	if v := f.Get("password"); v != "" {
		p.Password = &v
	}
	p.RevokeTokens = f.Get("revoke_tokens") != ""
	if _, err := s.updateUser(r.Context(), id, p); err != nil {
		if c := intel.ErrorCode(err); c == intel.CodeInvalid || c == intel.CodeConflict {
			status, _, msg := errorStatus(err)
			s.renderUsers(w, r, status, &usersData{formMessage: formMessage{msg}, Role: string(intel.RoleReader)})
			return
		}
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}

// Audit.

type auditData struct {
	Items []*intel.AuditEntry
	Next  string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	page, err := s.audit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", auditData{Items: page.Items, Next: nextURL(r, page.Next)})
}
