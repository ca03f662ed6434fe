package web

// Helpers the pages share: form parsing and the re-rendered form on error,
// list paging links, delete confirmation, and the small conversions the
// request bodies need.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

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

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// isUserError says whether a form should show err's message next to the
// form rather than as an error page.
func isUserError(err error) bool {
	c := intel.ErrorCode(err)
	return c == intel.CodeInvalid || c == intel.CodeConflict
}

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

// nextURL is the current URL with after set to the cursor, or "".
func nextURL(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("after", cursor)
	return r.URL.Path + "?" + q.Encode()
}

// tlps are the TLP choices of the forms.
func tlps() []intel.TLP {
	return []intel.TLP{intel.TLPClear, intel.TLPGreen, intel.TLPAmber, intel.TLPAmberStrict, intel.TLPRed}
}

// splitList reads a list typed one per line or separated by commas.
func splitList(s string) []string {
	return cleanList(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }))
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

// saveForm is the one flow of a create-or-edit form: parse the post, read
// its fields into the form's data, save (id is 0 for a new item, else the
// {id} of the path), then redirect to the saved item at pathPrefix/ID, or
// re-render the form with the message of a user error.
func saveForm[D formData](s *Server, w http.ResponseWriter, r *http.Request, page, pathPrefix string,
	read func(f url.Values) D, save func(ctx context.Context, id int64, data D) (int64, error)) {
	if !s.parseForm(w, r) {
		return
	}
	data := read(r.PostForm)
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			s.error(w, r, err)
			return
		}
	}
	id, err := save(r.Context(), id, data)
	if err != nil {
		s.formFailed(w, r, err, page, data)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s/%d", pathPrefix, id), http.StatusSeeOther)
}
