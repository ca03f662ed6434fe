package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
)

// maxBody bounds every request body; beyond it the answer is 413.
const maxBody = 1 << 20

// writeJSON answers v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client went away; nothing to do
}

// decodeJSON reads one JSON value from the body into dst, refusing
// unknown fields, trailing data and bodies over maxBody, and names what
// is wrong in one line.
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return intel.Errorf(intel.CodeInvalid, "Content-Type must be application/json")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return jsonError(err)
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD; the
	// input rules refuse it, naming the field.
	if err := checkUTF8(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tooLarge(mbe)
		}
		return intel.Errorf(intel.CodeInvalid, "request body must hold a single JSON value")
	}
	return nil
}

// checkUTF8 refuses a body that is not valid UTF-8, naming the JSON
// field whose text holds the first bad byte.
func checkUTF8(body []byte) error {
	bad := -1
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n == 1 {
			bad = i
			break
		}
		i += n
	}
	if bad < 0 {
		return nil
	}
	fail := intel.Errorf(intel.CodeInvalid, "request body: byte %d is not valid UTF-8", bad)
	// Walk the tokens, keeping the path, up to the one that holds the byte.
	type frame struct {
		object   bool
		key      string // the current key of an object
		index    int    // the current index of an array
		wantsKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && f.key != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			case !f.object:
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return fail
		}
		closing := tok == json.Delim('}') || tok == json.Delim(']')
		isKey := false
		if n := len(stack); n > 0 && !closing {
			top := &stack[n-1]
			switch {
			case !top.object:
				top.index++ // a value of the array starts
			case top.wantsKey:
				isKey, top.wantsKey = true, false
				top.key, _ = tok.(string)
			}
		}
		if dec.InputOffset() > int64(bad) {
			if isKey {
				return intel.Errorf(intel.CodeInvalid, "a field name is not valid UTF-8 (at byte %d)", bad)
			}
			if p := path(); p != "" {
				return intel.Errorf(intel.CodeInvalid, "field %s: not valid UTF-8", p)
			}
			return fail
		}
		switch {
		case isKey:
			continue
		case tok == json.Delim('{'):
			stack = append(stack, frame{object: true, wantsKey: true})
			continue
		case tok == json.Delim('['):
			stack = append(stack, frame{index: -1})
			continue
		case closing && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
		// A value ended: the object around it wants its next key.
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantsKey = true
		}
	}
}

func tooLarge(mbe *http.MaxBytesError) error {
	return &statusError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
		Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
}

// jsonError turns a decoding error into a user-facing one.
func jsonError(err error) error {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge(mbe)
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return intel.Errorf(intel.CodeInvalid, "malformed JSON at byte %d", se.Offset)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return intel.Errorf(intel.CodeInvalid, "request body must be a JSON object")
		}
		return intel.Errorf(intel.CodeInvalid, "field %q must not be a JSON %s", te.Field, te.Value)
	}
	switch {
	case errors.Is(err, io.EOF):
		return intel.Errorf(intel.CodeInvalid, "request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return intel.Errorf(intel.CodeInvalid, "malformed JSON: unexpected end of body")
	}
	// encoding/json reports unknown fields only as text.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return intel.Errorf(intel.CodeInvalid, "unknown field %s", name)
	}
	// Errors from UnmarshalJSON methods (times, for one) name no field.
	return intel.Errorf(intel.CodeInvalid, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// Query parameter helpers: bad values are CodeInvalid naming the parameter.

const (
	defaultLimit = 50
	maxLimit     = 500
)

func queryLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, intel.Errorf(intel.CodeInvalid, "limit must be a number from 1 to %d", maxLimit)
	}
	return n, nil
}

func queryInt64(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, intel.Errorf(intel.CodeInvalid, "%s must be a positive number", name)
	}
	return n, nil
}

// pathID reads the {id} path segment.
func pathID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, intel.Errorf(intel.CodeNotFound, "no such ID %q", v)
	}
	return n, nil
}

// The JSON API handlers share one shape: read the path ID and/or decode
// the body, call the code the pages call too, answer its result with a
// status or its error. These helpers are that shape, once.

// answer writes fn's result with status, or answers its error.
func answer[Out any](s *Server, w http.ResponseWriter, r *http.Request, status int, out Out, err error) {
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

// withID answers fn(ctx, path ID).
func withID[Out any](s *Server, w http.ResponseWriter, r *http.Request, status int,
	fn func(ctx context.Context, id int64) (Out, error)) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out, err := fn(r.Context(), id)
	answer(s, w, r, status, out, err)
}

// withBody answers fn(ctx, the decoded body).
func withBody[In, Out any](s *Server, w http.ResponseWriter, r *http.Request, status int,
	fn func(ctx context.Context, in In) (Out, error)) {
	var in In
	if err := decodeJSON(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	out, err := fn(r.Context(), in)
	answer(s, w, r, status, out, err)
}

// withIDBody answers fn(ctx, path ID, the decoded body).
func withIDBody[In, Out any](s *Server, w http.ResponseWriter, r *http.Request, status int,
	fn func(ctx context.Context, id int64, in In) (Out, error)) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in In
	if err := decodeJSON(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	out, err := fn(r.Context(), id, in)
	answer(s, w, r, status, out, err)
}

// deleteByID answers fn(ctx, path ID) with 204 No Content, or its error.
func deleteByID(s *Server, w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id int64) error) {
	id, err := pathID(r)
	if err == nil {
		err = fn(r.Context(), id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// renderByID renders page with fn(ctx, path ID), or answers its error:
// the page counterpart of withID.
func renderByID[T any](s *Server, w http.ResponseWriter, r *http.Request, page string,
	fn func(ctx context.Context, id int64) (T, error)) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data, err := fn(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, page, data)
}
