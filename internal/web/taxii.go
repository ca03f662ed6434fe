package web

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
)

// TAXII 2.1 server: /taxii2/ is the discovery document, /taxii2/api/ the
// one API root, and its collection "all" holds the stored indicators as
// STIX 2.1 (what spoor export --format stix writes: indicators with
// patterns, groups as intrusion sets, indicates relationships, TLP
// marking definitions, and the STIX objects kept whole as imported).
// Objects and the manifest page by keyset: a next token is the
// (date_added, id) of the last object given, so pages neither lose nor
// repeat an object while others are added. An object's date_added and
// version are its modified time (created when it has none; for a kept
// object with neither, when spoor stored it), which the store sets, never
// the clock.
//
// Clients authenticate with an API token as a bearer token or as the
// password of HTTP Basic (the session cookie works too); readers see the collection up to TLP:AMBER, analysts
// and admins all of it. Every answer, errors included, is
// application/taxii+json;version=2.1 with the spec's error document.

const (
	taxiiMedia      = "application/taxii+json;version=2.1"
	stixMedia       = "application/stix+json;version=2.1"
	taxiiCollection = "5c7fbf1e-6c8f-5a1d-9d3c-0f2b6d0a11a1" // the "all" collection
	taxiiMaxPage    = 10000
	taxiiDefPage    = 1000
)

type taxiiError struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

func taxiiWrite(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", taxiiMedia)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func taxiiFail(w http.ResponseWriter, status int, title, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="spoor TAXII"`)
	}
	taxiiWrite(w, status, taxiiError{Title: title, Description: desc, HTTPStatus: strconv.Itoa(status)})
}

// taxiiGuard checks the Accept header and the caller's right to read; it
// answers and returns false when the request may not go on, else the TLP
// ceiling of the caller.
func (s *Server) taxiiGuard(w http.ResponseWriter, r *http.Request) (intel.TLP, bool) {
	if acc := r.Header.Get("Accept"); acc != "" && !strings.Contains(acc, "application/taxii+json") &&
		!strings.Contains(acc, "*/*") && !strings.Contains(acc, "application/*") {
		taxiiFail(w, http.StatusNotAcceptable, "Not Acceptable", "this server answers "+taxiiMedia)
		return "", false
	}
	a := authFrom(r)
	if a.User == nil {
		taxiiFail(w, http.StatusUnauthorized, "Unauthorized", "send an API token: Authorization: Bearer <token>")
		return "", false
	}
	if a.Token != nil && !auth.ScopeCan(a.Token.Scope, auth.ReadIntel) || !auth.Can(a.User.Role, auth.ReadIntel) {
		taxiiFail(w, http.StatusForbidden, "Forbidden", "this token or role may not read intelligence")
		return "", false
	}
	return roleTLPCeiling(a.User.Role), true
}

func (s *Server) taxiiDiscovery(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.taxiiGuard(w, r); !ok {
		return
	}
	taxiiWrite(w, http.StatusOK, map[string]any{"title": "spoor", "description": "Threat intelligence from spoor",
		"default": "/taxii2/api/", "api_roots": []string{"/taxii2/api/"}})
}

func (s *Server) taxiiAPIRoot(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.taxiiGuard(w, r); !ok {
		return
	}
	taxiiWrite(w, http.StatusOK, map[string]any{"title": "spoor intelligence", "versions": []string{taxiiMedia},
		"max_content_length": 64 << 20})
}

func taxiiCollectionDoc() map[string]any {
	return map[string]any{"id": taxiiCollection, "title": "all", "description": "Every stored indicator with its groups and relationships, as STIX 2.1",
		"can_read": true, "can_write": false, "media_types": []string{stixMedia}}
}

func (s *Server) taxiiCollections(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.taxiiGuard(w, r); !ok {
		return
	}
	taxiiWrite(w, http.StatusOK, map[string]any{"collections": []any{taxiiCollectionDoc()}})
}

func (s *Server) taxiiCollectionGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.taxiiGuard(w, r); !ok {
		return
	}
	if r.PathValue("coll") != taxiiCollection {
		taxiiFail(w, http.StatusNotFound, "Not Found", "no such collection")
		return
	}
	taxiiWrite(w, http.StatusOK, taxiiCollectionDoc())
}

// taxiiObject is one STIX object of the collection.
type taxiiObject struct {
	id, typ string
	added   time.Time
	version string
	raw     json.RawMessage
}

// taxiiObjects reads the collection as the caller may see it, sorted by
// date_added and ID.
func (s *Server) taxiiObjects(r *http.Request, tlpMax intel.TLP) ([]taxiiObject, error) {
	var buf bytes.Buffer
	stored := map[string]time.Time{}
	if _, err := export.Run(r.Context(), s.store, &buf, export.Request{Format: export.STIX,
		Filter: intel.ExportFilter{TLPMax: tlpMax}, Stored: func(id string, at time.Time) {
			stored[id] = at
		}}); err != nil {
		return nil, err
	}
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
		return nil, err
	}
	out := make([]taxiiObject, 0, len(b.Objects))
	for _, raw := range b.Objects {
		var h struct{ ID, Type, Created, Modified string }
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339Nano, cmp.Or(h.Modified, h.Created))
		if err != nil {
			// A kept object without times (a cyber-observable), or with
			// one that is not a timestamp, was added when spoor stored it.
			at, ok := stored[h.ID]
			if !ok {
				return nil, fmt.Errorf("taxii: %s: %w", h.ID, err)
			}
			t = at
		}
		out = append(out, taxiiObject{id: h.ID, typ: h.Type, added: t.UTC(), version: t.UTC().Format("2006-01-02T15:04:05.000Z"), raw: raw})
	}
	slices.SortFunc(out, func(a, b taxiiObject) int {
		return cmp.Or(a.added.Compare(b.added), cmp.Compare(a.id, b.id))
	})
	return out, nil
}

// taxiiPage selects the objects a request asks for: the filters, then a
// page of at most limit after the next token.
func taxiiPage(r *http.Request, objs []taxiiObject, id string) (page []taxiiObject, more bool, next string, status int, msg string) {
	q := r.URL.Query()
	limit := taxiiDefPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, false, "", http.StatusBadRequest, "limit must be a positive number"
		}
		limit = min(n, taxiiMaxPage)
	}
	var after time.Time
	if v := q.Get("added_after"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, false, "", http.StatusBadRequest, "added_after must be an RFC 3339 timestamp"
		}
		after = t
	}
	var nextAdded time.Time
	nextID := ""
	if v := q.Get("next"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		ts, oid, ok := strings.Cut(string(raw), "|")
		t, terr := time.Parse(time.RFC3339Nano, ts)
		if err != nil || !ok || terr != nil {
			return nil, false, "", http.StatusBadRequest, "next is not a token this server gave"
		}
		nextAdded, nextID = t, oid
	}
	split := func(k string) []string {
		if v := q.Get(k); v != "" {
			return strings.Split(v, ",")
		}
		return nil
	}
	types, ids, versions := split("match[type]"), split("match[id]"), split("match[version]")
	if id != "" {
		ids = []string{id}
	}
	for _, o := range objs {
		if !after.IsZero() && !o.added.After(after) {
			continue
		}
		if nextID != "" && cmp.Or(o.added.Compare(nextAdded), cmp.Compare(o.id, nextID)) <= 0 {
			continue
		}
		if len(types) > 0 && !slices.Contains(types, o.typ) || len(ids) > 0 && !slices.Contains(ids, o.id) {
			continue
		}
		if len(versions) > 0 && !slices.ContainsFunc(versions, func(v string) bool {
			if v == "all" || v == "first" || v == "last" {
				return true // one version an object
			}
			t, err := time.Parse(time.RFC3339Nano, v)
			return err == nil && t.Equal(o.added)
		}) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, o)
	}
	if more {
		last := page[len(page)-1]
		next = base64.RawURLEncoding.EncodeToString([]byte(last.added.Format(time.RFC3339Nano) + "|" + last.id))
	}
	return page, more, next, 0, ""
}

// taxiiList answers the objects (manifest false) or the manifest of the
// collection, or one object's envelope (id set) or versions.
func (s *Server) taxiiList(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tlpMax, ok := s.taxiiGuard(w, r)
		if !ok {
			return
		}
		if r.PathValue("coll") != taxiiCollection {
			taxiiFail(w, http.StatusNotFound, "Not Found", "no such collection")
			return
		}
		objs, err := s.taxiiObjects(r, tlpMax)
		if err != nil {
			s.log.Error("taxii objects", "err", err)
			taxiiFail(w, http.StatusInternalServerError, "Internal Error", "")
			return
		}
		id := r.PathValue("object")
		page, more, next, status, msg := taxiiPage(r, objs, id)
		if status != 0 {
			taxiiFail(w, status, "Bad Request", msg)
			return
		}
		if id != "" && len(page) == 0 {
			taxiiFail(w, http.StatusNotFound, "Not Found", "no such object in this collection")
			return
		}
		if len(page) > 0 {
			w.Header().Set("X-TAXII-Date-Added-First", page[0].added.Format("2006-01-02T15:04:05.000000Z"))
			w.Header().Set("X-TAXII-Date-Added-Last", page[len(page)-1].added.Format("2006-01-02T15:04:05.000000Z"))
		}
		doc := map[string]any{"more": more}
		if next != "" {
			doc["next"] = next
		}
		switch kind {
		case "manifest":
			list := make([]map[string]string, 0, len(page))
			for _, o := range page {
				list = append(list, map[string]string{"id": o.id, "date_added": o.added.Format("2006-01-02T15:04:05.000000Z"),
					"version": o.version, "media_type": stixMedia})
			}
			if len(list) > 0 {
				doc["objects"] = list
			}
		case "versions":
			vs := make([]string, 0, len(page))
			for _, o := range page {
				vs = append(vs, o.version)
			}
			doc["versions"] = vs
		default:
			list := make([]json.RawMessage, 0, len(page))
			for _, o := range page {
				list = append(list, o.raw)
			}
			if len(list) > 0 {
				doc["objects"] = list
			}
		}
		taxiiWrite(w, http.StatusOK, doc)
	}
}

// taxiiRefuse answers a write or an unknown TAXII path.
func (s *Server) taxiiRefuse(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		taxiiFail(w, http.StatusMethodNotAllowed, "Method Not Allowed", "this collection is read-only")
		return
	}
	taxiiFail(w, http.StatusNotFound, "Not Found", "no such TAXII endpoint")
}
