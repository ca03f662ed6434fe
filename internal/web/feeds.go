package web

// Feeds and exports: /feeds/{format} serves what spoor export writes, for
// firewalls, resolvers and sensors that poll a URL, and the exports page
// builds the same request with a download button. Both go through
// export.Run with one filter reader, so a feed, a download and the CLI
// give the same bytes for the same filters.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
)

// roleTLPCeiling is the highest TLP a role may receive through a feed or
// TAXII: readers up to TLP:AMBER, analysts and admins everything.
func roleTLPCeiling(role intel.Role) intel.TLP {
	if role == intel.RoleReader {
		return intel.TLPAmber
	}
	return ""
}

// capTLP lowers the asked ceiling to the role's.
func capTLP(asked, ceiling intel.TLP) intel.TLP {
	if ceiling == "" || asked != "" && asked.AtMost(ceiling) {
		return asked
	}
	return ceiling
}

// exportQuery reads an export request from query parameters, named as the
// CLI's flags: group, type (comma-separated, or repeated), since,
// min-confidence, tlp-max, exclude-warninglisted (1, true or on),
// sid-base, sid-count, zone. The caller's TLP ceiling bounds tlp-max.
func exportQuery(q url.Values, format string, ceiling intel.TLP, now time.Time) (export.Request, error) {
	var req export.Request
	var err error
	if req.Format, err = export.ParseFormat(format); err != nil {
		return req, err
	}
	req.Group = strings.TrimSpace(q.Get("group"))
	f := &req.Filter
	for _, v := range q["type"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				f.Types = append(f.Types, intel.IndicatorType(strings.ToLower(t)))
			}
		}
	}
	if v := strings.TrimSpace(q.Get("since")); v != "" {
		if f.Since, err = export.ParseSince(v, now); err != nil {
			return req, err
		}
	}
	if v := strings.TrimSpace(q.Get("min-confidence")); v != "" {
		if f.MinConfidence, err = strconv.ParseFloat(v, 64); err != nil {
			return req, intel.Errorf(intel.CodeInvalid, "min-confidence %q is not a number from 0 to 1", v)
		}
	}
	if v := strings.TrimSpace(q.Get("tlp-max")); v != "" {
		if f.TLPMax, err = intel.ParseTLP(v); err != nil {
			return req, err
		}
	}
	f.TLPMax = capTLP(f.TLPMax, ceiling)
	switch strings.ToLower(q.Get("exclude-warninglisted")) {
	case "", "0", "false", "off":
	case "1", "true", "on", "yes":
		f.ExcludeWarninglisted = true
	default:
		return req, intel.Errorf(intel.CodeInvalid, "exclude-warninglisted must be 1 or 0")
	}
	num := func(k string) (int, error) {
		v := strings.TrimSpace(q.Get(k))
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, intel.Errorf(intel.CodeInvalid, "%s %q is not a number", k, v)
		}
		return n, nil
	}
	if req.Options.SIDBase, err = num("sid-base"); err != nil {
		return req, err
	}
	if req.Options.SIDCount, err = num("sid-count"); err != nil {
		return req, err
	}
	req.Options.Zone = strings.TrimSpace(q.Get("zone"))
	return req, f.Validate()
}

// feedMedia is the Content-Type and file name of each format.
func feedMedia(f export.Format) (string, string) {
	switch f {
	case export.STIX:
		return "application/stix+json;version=2.1", "spoor-stix.json"
	case export.MISP:
		return "application/json", "spoor-misp.json"
	case export.CSV:
		return "text/csv; charset=utf-8", "spoor.csv"
	case export.RPZ:
		return "text/dns; charset=utf-8", "spoor.rpz"
	case export.Unbound:
		return "text/plain; charset=utf-8", "spoor-unbound.conf"
	case export.Suricata, export.Snort:
		return "text/plain; charset=utf-8", "spoor-" + string(f) + ".rules"
	case export.Zeek:
		return "text/plain; charset=utf-8", "spoor-zeek.intel"
	case export.Hosts:
		return "text/plain; charset=utf-8", "spoor.hosts"
	}
	return "text/plain; charset=utf-8", "spoor-" + string(f) + ".txt"
}

// feedFail answers a feed request that failed, in plain text: the
// pollers of feeds are firewalls and scripts, not browsers.
func feedFail(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="spoor feeds", charset="UTF-8"`)
		w.Header().Add("WWW-Authenticate", `Bearer realm="spoor feeds"`)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// feed serves /feeds/{format}: an API token (Bearer, or HTTP Basic with
// the user name and the token) or a session; the caller's role bounds the
// TLP. The ETag is the SHA-256 of the bytes: the export is written once
// into the hash, and only when the client's If-None-Match differs is it
// written again to the client (exports are deterministic, so the second
// pass gives the same bytes unless the store changed in between, and then
// the next poll sees the new tag). Memory stays flat either way.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	a := authFrom(r)
	if a.User == nil {
		feedFail(w, http.StatusUnauthorized, "send an API token: Authorization: Bearer <token>, or Basic with your user name and the token")
		return
	}
	if a.Token != nil && !auth.ScopeCan(a.Token.Scope, auth.ReadIntel) || !auth.Can(a.User.Role, auth.ReadIntel) {
		feedFail(w, http.StatusForbidden, "this token or role may not read intelligence")
		return
	}
	s.serveExport(w, r, r.PathValue("format"), false)
}

// exportDownload is the exports page's download button: the same export
// as the feed, as an attachment.
func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request) {
	s.serveExport(w, r, r.URL.Query().Get("format"), true)
}

func (s *Server) serveExport(w http.ResponseWriter, r *http.Request, format string, attach bool) {
	fail := func(err error) {
		status, _, msg := errorStatus(err)
		if status >= 500 {
			s.log.ErrorContext(r.Context(), "export", "path", r.URL.Path, "err", err)
		}
		feedFail(w, status, msg)
	}
	req, err := exportQuery(r.URL.Query(), format, roleTLPCeiling(authFrom(r).User.Role), s.now())
	if err != nil {
		fail(err)
		return
	}
	h := sha256.New()
	if _, err := export.Run(r.Context(), s.store, h, req); err != nil {
		fail(err)
		return
	}
	etag := etagOf(h)
	ctype, name := feedMedia(req.Format)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Authorization, Cookie")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if attach {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	if r.Method == http.MethodHead {
		return
	}
	// Headers are sent with the first byte; a failure after that can only
	// cut the body short, and is logged.
	if _, err := export.Run(r.Context(), s.store, w, req); err != nil {
		s.log.ErrorContext(r.Context(), "export", "path", r.URL.Path, "err", err)
	}
}

func etagOf(h hash.Hash) string {
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// etagMatch reports whether an If-None-Match header names tag (weak
// comparison, as RFC 9110 asks for If-None-Match) or is "*".
func etagMatch(header, tag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == tag {
			return true
		}
	}
	return false
}

// exportType is an indicator type's box on the exports page.
type exportType struct {
	Type    intel.IndicatorType
	Checked bool
}

// exportsData is the exports page: the filters as chosen, the choices,
// and the feed URL of the chosen request.
type exportsData struct {
	Formats  [][2]string
	Types    []exportType
	TLPs     []intel.TLP
	Format   string
	Group    string
	Since    string
	MinConf  string
	TLPMax   string
	NoWarn   bool
	Ceiling  intel.TLP
	Query    string // the filters as a query string, for the feed URL
	FeedPath string
	Error    string
}

func (s *Server) exportsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &exportsData{Formats: export.Formats(),
		TLPs:   []intel.TLP{intel.TLPClear, intel.TLPGreen, intel.TLPAmber, intel.TLPAmberStrict, intel.TLPRed},
		Format: q.Get("format"), Group: q.Get("group"), Since: q.Get("since"),
		MinConf: q.Get("min-confidence"), TLPMax: q.Get("tlp-max"), NoWarn: q.Get("exclude-warninglisted") != "",
		Ceiling: roleTLPCeiling(authFrom(r).User.Role)}
	for _, t := range intel.IndicatorTypes {
		d.Types = append(d.Types, exportType{t, slices.Contains(q["type"], string(t))})
	}
	if d.Format == "" {
		d.Format = string(export.CSV)
	} else if _, err := exportQuery(q, d.Format, d.Ceiling, s.now()); err != nil {
		_, _, d.Error = errorStatus(err)
	} else {
		keep := url.Values{}
		for k, vs := range q {
			if k != "format" && slices.ContainsFunc(vs, func(v string) bool { return v != "" }) {
				keep[k] = vs
			}
		}
		d.Query, d.FeedPath = keep.Encode(), "/feeds/"+url.PathEscape(d.Format)
	}
	s.render(w, r, http.StatusOK, "exports", d)
}
