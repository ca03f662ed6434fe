package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
)

// sessionCookie names the cookie holding the plain session token.
const sessionCookie = "spoor_session"

// csp allows nothing inline: every script and style comes from /static.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// middleware wraps the mux, outermost first: access log, security
// headers, host check, body limit, cross-origin protection,
// authentication, CSRF token check.
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, errForbidden("cross-origin request refused"))
	}))
	h := s.checkCSRF(next)
	h = s.authenticate(h)
	h = cop.Handler(h)
	return s.accessLog(s.headers(checkHost(s.allowedHosts, limitBody(s.limitReads(h)))))
}

// LoopbackHosts are the host names a server listening on loopback answers
// to when no allow-list is configured (HostsFor).
var LoopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// HostsFor returns the host allow-list of a server listening on listen:
// the configured names, or, when there are none and listen is a loopback
// address, LoopbackHosts. A page served from an attacker's domain that
// DNS rebinding points at 127.0.0.1 sends its own name as Host, so on a
// laptop the default keeps such a page out; a server listening on other
// addresses answers any host unless told its names.
func HostsFor(listen string, configured []string) []string {
	if len(configured) > 0 {
		return configured
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	if host == "localhost" {
		return LoopbackHosts
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return LoopbackHosts
	}
	return nil
}

// checkHost answers 421 Misdirected Request, in one line, to a request
// whose Host (without port) is not on allowed; an empty list allows any
// host. Health checks are exempt: load balancers probe by address, and
// "ok" tells a rebinding page nothing.
func checkHost(allowed []string, next http.Handler) http.Handler {
	if len(allowed) == 0 {
		return next
	}
	names := make([]string, len(allowed))
	for i, h := range allowed {
		names[i] = hostName(h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(names, hostName(r.Host)) && r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			http.Error(w, fmt.Sprintf("misdirected request: this server does not answer to host %q (see --allowed-host)", clipHost(r.Host)),
				http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostName is a Host header or allow-list entry as compared: without
// port or IPv6 brackets, lower case, without a final dot.
func hostName(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// clipHost bounds a hostile Host header in the refusal.
func clipHost(h string) string {
	if len(h) > 100 {
		return h[:100] + "…"
	}
	return h
}

// accessEntry is what the access log line of a request learns on the way
// down: who made it (authenticate fills it in).
type accessEntry struct {
	id   string
	user string
}

type accessKey struct{}

// requestID returns the ID of the request in ctx ("" outside a request).
func requestID(ctx context.Context) string {
	if e, ok := ctx.Value(accessKey{}).(*accessEntry); ok {
		return e.id
	}
	return ""
}

// accessLog gives every request an ID (X-Request-Id; a trusted proxy's
// own is kept when it looks like one) and logs one info line per request
// when it is answered: method, path (never the query), status, duration,
// user, request ID and client address.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		e := &accessEntry{id: r.Header.Get("X-Request-Id")}
		if !s.trusted(parseAddr(r.RemoteAddr)) || !validRequestID(e.id) {
			e.id = newRequestID()
		}
		w.Header().Set("X-Request-Id", e.id)
		sw := &statusWriter{ResponseWriter: w}
		ctx := context.WithValue(r.Context(), accessKey{}, e)
		next.ServeHTTP(sw, r.WithContext(ctx))
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
			slog.Duration("duration", time.Since(start)), slog.String("user", e.user),
			slog.String("request_id", e.id), slog.String("addr", addrString(s.clientAddr(r))))
	})
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// validRequestID accepts 1 to 64 letters, digits and ". _ -": enough for
// the IDs proxies make, and nothing that could forge a log line.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// statusWriter remembers the status of an answer for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// headers sets the security headers on every answer.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds every request body: maxBody, or maxExtractBody for
// the few routes that take pasted reports and uploaded files.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(r.Method, r.URL.Path))
		}
		next.ServeHTTP(w, r)
	})
}

// bodyLimit is the body size a request may have. It is decided here,
// before routing, because a limit can only shrink once it is set.
func bodyLimit(method, path string) int64 {
	if method == http.MethodPost {
		switch path {
		case "/extract", "/extract/save", "/api/v1/extract", "/api/v1/extract/save":
			return maxExtractBody
		case "/reputation", "/api/v1/reputation":
			return maxReputationBody
		}
	}
	return maxBody
}

// authInfo is who makes a request and how.
type authInfo struct {
	// User is nil when anonymous. For an API token, its Role is the
	// lesser of the user's role and the token's scope.
	User     *intel.User
	Session  *intel.Session  // set for cookie sign-ins
	Token    *intel.APIToken // set for API token requests
	ViaToken bool            // authenticated by an API token
}

type authKey struct{}

// authFrom returns the request's authInfo (never nil behind authenticate).
func authFrom(r *http.Request) *authInfo { return authOf(r.Context()) }

// authOf is authFrom for handlers that have only the request's context.
func authOf(ctx context.Context) *authInfo {
	if a, ok := ctx.Value(authKey{}).(*authInfo); ok {
		return a
	}
	return &authInfo{}
}

// authenticate finds the user of a request: an API token in
// "Authorization: Bearer spoor_…" (or HTTP Basic, see tokenAuth), or else
// the session cookie. A bad
// token is refused outright; a stale cookie is dropped and the request
// goes on anonymously. The context carries the actor (the user, or no one,
// and the client address) for the audit log.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r) // public, and no database work per asset
			return
		}
		actor := intel.Actor{Addr: addrString(s.clientAddr(r))}
		ctx := intel.WithActor(r.Context(), actor)
		a := &authInfo{}
		if h := r.Header.Get("Authorization"); h != "" {
			t, u, err := s.tokenAuth(ctx, h)
			if err != nil {
				s.error(w, r, err)
				return
			}
			a.User, a.Token, a.ViaToken = u, t, true
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			sess, u, err := s.auth.SessionUser(ctx, c.Value)
			switch intel.ErrorCode(err) {
			case "":
				a.User, a.Session = u, sess
			case intel.CodeUnauthorized:
				s.clearSessionCookie(w)
			default:
				s.error(w, r, err)
				return
			}
		}
		ctx = context.WithValue(ctx, authKey{}, a)
		if a.User != nil {
			// Every write made for this request is audited as this user.
			actor.UserID, actor.Login = a.User.ID, a.User.Login
			ctx = intel.WithActor(ctx, actor)
			if e, ok := ctx.Value(accessKey{}).(*accessEntry); ok {
				e.user = a.User.Login
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// tokenAuth reads the API token of an Authorization header: "Bearer
// <token>", or "Basic" with the user name and the token as the password,
// which is what TAXII clients and firewalls polling a feed URL can send.
// A Basic user name that is not the token's owner is refused like a bad
// token, so a token pasted under the wrong account is caught.
func (s *Server) tokenAuth(ctx context.Context, header string) (*intel.APIToken, *intel.User, error) {
	scheme, tok, _ := strings.Cut(header, " ")
	tok = strings.TrimSpace(tok)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return s.auth.TokenUser(ctx, tok)
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(tok)
		login, plain, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok {
			return nil, nil, intel.Errorf(intel.CodeUnauthorized, "HTTP Basic credentials must be user:API token")
		}
		t, u, err := s.auth.TokenUser(ctx, plain)
		if err != nil {
			return nil, nil, err
		}
		if !strings.EqualFold(login, u.Login) {
			return nil, nil, intel.Errorf(intel.CodeUnauthorized, "invalid API token")
		}
		return t, u, nil
	}
	return nil, nil, intel.Errorf(intel.CodeUnauthorized, "use Authorization: Bearer <API token>, or Basic with user name and API token")
}

// checkCSRF requires the session's CSRF token on every unsafe request
// made with the session cookie: in the X-CSRF-Token header (htmx sends it
// from hx-headers) or the csrf_token form field. Cross-origin checks stop
// most forgeries already; the token also covers same-site attackers
// (a sibling subdomain) and old browsers. API token requests carry no
// ambient credentials, so they need no CSRF token.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := authFrom(r)
		if safeMethod(r.Method) || a.Session == nil || a.ViaToken ||
			(r.Method == http.MethodPost && r.URL.Path == "/login") {
			next.ServeHTTP(w, r)
			return
		}
		tok := r.Header.Get("X-CSRF-Token")
		if tok == "" && !isAPI(r) {
			if err := parseAnyForm(r); err != nil {
				s.error(w, r, formError(err))
				return
			}
			tok = r.PostForm.Get("csrf_token")
		}
		if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(a.Session.CSRFToken)) != 1 {
			s.error(w, r, errForbidden("missing or invalid CSRF token; reload the page and try again"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// require lets the handler run only for a signed-in user whose role has
// permission p, and, for an API token, whose scope has it too. Every
// route but login, static files, health and the OpenAPI document goes
// through it.
func (s *Server) require(p auth.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := authFrom(r)
		u := a.User
		if u == nil {
			s.error(w, r, intel.Errorf(intel.CodeUnauthorized, "sign in first"))
			return
		}
		if a.Token != nil && !auth.ScopeCan(a.Token.Scope, p) {
			s.error(w, r, errForbidden("an API token of scope %s may not %s", a.Token.Scope, p))
			return
		}
		if !auth.Can(u.Role, p) {
			s.error(w, r, errForbidden("role %s may not %s", u.Role, p))
			return
		}
		h(w, r)
	})
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		// htmx would swap the login form into the page; reload instead.
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// setSessionCookie sets the session cookie. Its lifetime is relative
// (Max-Age), so a browser whose clock is off keeps it as long as the
// server keeps the session.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string, sess *intel.Session) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   max(1, int(sess.ExpiresAt.Sub(s.now()).Seconds())),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// localPath returns next when it is a path on this site, else "/": the
// login redirect must not become an open redirect.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

// parseAnyForm parses a posted form, URL-encoded or multipart (the
// Extract page uploads files). Multipart parts stay in memory: the body
// limit already bounds them.
func parseAnyForm(r *http.Request) error {
	if r.MultipartForm != nil {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return r.ParseMultipartForm(maxExtractBody)
	}
	return r.ParseForm()
}
