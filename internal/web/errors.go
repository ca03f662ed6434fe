package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Codes the web layer adds to intel's for HTTP-only failures.
const (
	codeTooLarge    = "too_large"
	codeRateLimited = "rate_limited"
)

// statusError is an error with an HTTP status that no intel code names
// (413, 429, 405).
type statusError struct {
	Status  int
	Code    string
	Message string
}

func (e *statusError) Error() string { return e.Message }

// errorStatus maps an error to its HTTP status, code and user message.
func errorStatus(err error) (status int, code, msg string) {
	if se, ok := errors.AsType[*statusError](err); ok {
		return se.Status, se.Code, se.Message
	}
	code = intel.ErrorCode(err)
	switch code {
	case intel.CodeInvalid:
		status = http.StatusBadRequest
	case intel.CodeNotFound:
		status = http.StatusNotFound
	case intel.CodeConflict:
		status = http.StatusConflict
	case intel.CodeUnauthorized:
		status = http.StatusUnauthorized
	case intel.CodeForbidden:
		status = http.StatusForbidden
	default:
		status, code = http.StatusInternalServerError, intel.CodeInternal
	}
	return status, code, intel.ErrorMessage(err)
}

// apiError is the JSON error body: {"error":{"code":…,"message":…}}.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// isAPI reports whether the request is for the JSON API.
func isAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}

// error answers a failed request: JSON under /api/, an HTML page
// otherwise. Only internal errors are logged, with their cause; users see
// the one-line message, never the cause.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	if te := s.readTimeoutError(r, err); te != err {
		s.log.WarnContext(r.Context(), "read stopped at its time limit",
			"method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "limit", s.readTimeout, "err", err)
		err = te
	}
	status, code, msg := errorStatus(err)
	if status >= 500 && code != codeTimeout {
		s.log.ErrorContext(r.Context(), "request failed",
			"method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "err", err)
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/feeds/"):
		feedFail(w, status, msg)
		return
	case strings.HasPrefix(r.URL.Path, "/taxii2/"):
		taxiiFail(w, status, http.StatusText(status), msg)
		return
	}
	if isAPI(r) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="spoor"`)
		}
		writeJSON(w, status, apiError{Error: apiErrorBody{Code: code, Message: msg}})
		return
	}
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		s.redirectToLogin(w, r)
		return
	}
	s.render(w, r, status, "error", errorView{Status: status, StatusText: http.StatusText(status), Message: msg})
}

type errorView struct {
	Status     int
	StatusText string
	Message    string
}

// notFound is the answer for unknown paths.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.error(w, r, intel.Errorf(intel.CodeNotFound, "page not found: %s", r.URL.Path))
}

func errForbidden(format string, args ...any) error {
	return &intel.Error{Code: intel.CodeForbidden, Message: fmt.Sprintf(format, args...)}
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
