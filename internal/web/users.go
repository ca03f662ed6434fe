package web

// Users and roles (admin only): the page and /api/v1/users.

import (
	"context"
	"net/http"
	"strconv"

	"github.com/spoor/spoor/internal/intel"
)

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
