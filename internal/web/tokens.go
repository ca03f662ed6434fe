package web

// API tokens: the page of one's own tokens and /api/v1/tokens. A token is
// minted from a fresh browser session only.

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
)

// issueToken creates an API token for the request's session; a request
// made with a token has none and is refused.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, in tokenInput) (string, *intel.APIToken, error) {
	if in.ExpiresInDays < 0 || in.ExpiresInDays > maxTokenDays {
		return "", nil, intel.Errorf(intel.CodeInvalid, "expires_in_days must be 1 to %d (0 for %d)", maxTokenDays, defaultTokenDays)
	}
	a := authFrom(r)
	req := auth.TokenRequest{Name: in.Name, Scope: in.Scope, TTL: time.Duration(in.ExpiresInDays) * 24 * time.Hour}
	var plain string
	var t *intel.APIToken
	issue := func() (err error) {
		plain, t, err = s.auth.IssueToken(r.Context(), a.Session, in.Password, req)
		return err
	}
	var err error
	if in.Password == "" {
		err = issue()
	} else {
		err = s.passwordCheck(w, r, a.User.Login, issue)
	}
	return plain, t, err
}

func (s *Server) apiTokenRevokeAll(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.RevokeAllTokens(r.Context(), authFrom(r).User.ID); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// tokenRow is a token as the tokens page lists it.
type tokenRow struct {
	*intel.APIToken
	Status string // active, expired or revoked
}

func tokenRows(tokens []*intel.APIToken, now time.Time) []tokenRow {
	rows := make([]tokenRow, len(tokens))
	for i, t := range tokens {
		rows[i] = tokenRow{APIToken: t, Status: "active"}
		switch {
		case !t.RevokedAt.IsZero():
			rows[i].Status = "revoked"
		case !now.Before(t.ExpiresAt):
			rows[i].Status = "expired"
		}
	}
	return rows
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
