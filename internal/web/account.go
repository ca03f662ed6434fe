package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
)

// Your account: your password and your API tokens. Pages and API share
// the helpers here; every password check goes through the sign-in
// lockout.

// errLockedOut answers a password check refused by the lockout.
func errLockedOut() error {
	return &statusError{Status: http.StatusTooManyRequests, Code: codeRateLimited,
		Message: "too many sign-in attempts; wait a little and try again"}
}

// passwordCheck runs check, a step that verifies a password of account,
// under the sign-in lockout of the request's address: it refuses (429,
// with Retry-After) when the address has failed too often, and counts a
// CodeUnauthorized answer as a failure and success as a success.
func (s *Server) passwordCheck(w http.ResponseWriter, r *http.Request, account string, check func() error) error {
	at, ok, wait := s.logins.begin(s.clientAddr(r), account)
	if !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		return errLockedOut()
	}
	err := check()
	switch intel.ErrorCode(err) {
	case "":
		s.logins.end(at, succeeded)
	case intel.CodeUnauthorized:
		s.logins.end(at, failed)
	default:
		s.logins.end(at, undecided)
	}
	return err
}

// passwordInput changes your own password.
type passwordInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
	// RevokeTokens revokes all your API tokens too.
	RevokeTokens bool `json:"revoke_tokens,omitempty"`
}

// changePassword changes the password of the request's user, from their
// browser session: that session stays, every other one ends.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, in passwordInput) error {
	a := authFrom(r)
	return s.passwordCheck(w, r, a.User.Login, func() error {
		_, err := s.auth.ChangePassword(r.Context(), a.Session, in.CurrentPassword, in.NewPassword, in.RevokeTokens)
		return err
	})
}

// Token lifetimes the forms offer, in days.
const (
	defaultTokenDays = int(auth.DefaultTokenTTL / (24 * time.Hour))
	maxTokenDays     = int(auth.MaxTokenTTL / (24 * time.Hour))
)

var tokenDays = []int{7, 30, defaultTokenDays, 180, 365}

// Pages.

type accountData struct {
	formMessage
	Notice string
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	data := &accountData{}
	if r.URL.Query().Get("changed") == "password" {
		data.Notice = "Your password is changed; your other sessions are signed out."
	}
	s.render(w, r, http.StatusOK, "account", data)
}

func (s *Server) accountPasswordForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := passwordInput{CurrentPassword: f.Get("current_password"), NewPassword: f.Get("new_password"),
		RevokeTokens: f.Get("revoke_tokens") != ""}
	err := error(nil)
	if in.NewPassword != f.Get("confirm_password") {
		err = intel.Errorf(intel.CodeInvalid, "the new password and its confirmation differ")
	} else {
		err = s.changePassword(w, r, in)
	}
	if err != nil {
		s.accountFailed(w, r, err, "account", &accountData{})
		return
	}
	http.Redirect(w, r, "/account?changed=password", http.StatusSeeOther)
}

// accountFailed shows the form again with what went wrong with the
// user's input (a wrong password, a refused scope, the lockout), or
// answers other errors as an error page.
func (s *Server) accountFailed(w http.ResponseWriter, r *http.Request, err error, page string, data formData) {
	_, isStatus := errors.AsType[*statusError](err)
	switch intel.ErrorCode(err) {
	case intel.CodeInvalid, intel.CodeUnauthorized, intel.CodeForbidden:
	default:
		if !isStatus {
			s.error(w, r, err)
			return
		}
	}
	status, _, msg := errorStatus(err)
	data.setError(msg)
	if page == "tokens" {
		s.renderTokens(w, r, status, data.(*tokensData))
		return
	}
	s.render(w, r, status, page, data)
}

// JSON API.

func (s *Server) apiAccountPassword(w http.ResponseWriter, r *http.Request) {
	var in passwordInput
	if err := decodeJSON(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.changePassword(w, r, in); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// passwordOptions are the options of a password set through
// the users API or page: a user setting their own keeps the session
// they do it from.
func passwordOptions(ctx context.Context, userID int64, revokeTokens bool) auth.PasswordOptions {
	opts := auth.PasswordOptions{RevokeTokens: revokeTokens}
	if a := authOf(ctx); a.Session != nil && a.User != nil && a.User.ID == userID {
		opts.KeepSession = a.Session.TokenHash
	}
	return opts
}

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
