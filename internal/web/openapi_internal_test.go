package web

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/store"
)

// TestOpenAPIMatchesRoutes checks that the OpenAPI document and the mux
// describe the same API: every registered /api/v1 pattern is documented,
// and every documented operation reaches its own handler.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var st *store.Store // never called: the test only inspects routes
	s, err := New(Deps{Store: st, Auth: auth.NewService(st, auth.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	doc := s.openAPI()
	if _, err := json.Marshal(doc); err != nil {
		t.Fatalf("document does not encode: %v", err)
	}
	var documented []string
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			pattern := strings.ToUpper(method) + " " + path
			documented = append(documented, pattern)
			o := op.(map[string]any)
			if o["summary"] == "" || o["responses"] == nil {
				t.Errorf("%s: no summary or responses", pattern)
			}
			if o["x-permission"] == "none" && path != "/api/v1/openapi.json" {
				t.Errorf("%s: documented as public", pattern)
			}
			// The mux sends a request for the operation to the pattern.
			req := httptest.NewRequest(strings.ToUpper(method), strings.ReplaceAll(path, "{id}", "1"), nil)
			if _, got := s.mux.Handler(req); got != pattern {
				t.Errorf("%s: the mux routes it to %q", pattern, got)
			}
		}
	}
	var registered []string
	for _, p := range s.patterns {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/") {
			registered = append(registered, p)
		}
	}
	slices.Sort(documented)
	slices.Sort(registered)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("registered (-) and documented (+) API routes differ:\n%s", diff)
	}
	if len(registered) < 25 {
		t.Errorf("only %d API routes", len(registered))
	}
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a \x02match\x03 b", "a <mark>match</mark> b"},
		{"<script>alert(1)</script> \x02x\x03", "&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>"},
		{"\x02<b>\x03", "<mark>&lt;b&gt;</mark>"},
		{`" onload="x`, "&#34; onload=&#34;x"},
	} {
		if got := string(highlight(tc.in)); got != tc.want {
			t.Errorf("highlight(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/",
		"/groups?prefix=a":     "/groups?prefix=a",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"/a\r\nSet-Cookie: x":  "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSchemaFlattensEmbedded checks that views embedding the store's
// types are documented as encoding/json writes them: the embedded
// fields at the top level, beside the view's own.
func TestSchemaFlattensEmbedded(t *testing.T) {
	g := schemaGen{schemas: map[string]any{}}
	g.schema(reflect.TypeFor[groupView]())
	props := g.schemas["GroupView"].(map[string]any)["properties"].(map[string]any)
	for _, want := range []string{"object", "techniques", "documents", "alias_sources", "merges", "indicator_total", "mentions"} {
		if props[want] == nil {
			t.Errorf("GroupView schema lacks %q", want)
		}
	}
	if props["Profile"] != nil {
		t.Error("GroupView schema names the embedded Profile as a field")
	}
	g.schema(reflect.TypeFor[relatedObject]())
	props = g.schemas["RelatedObject"].(map[string]any)["properties"].(map[string]any)
	for _, want := range []string{"indicator_id", "object_id", "object_name"} {
		if props[want] == nil {
			t.Errorf("RelatedObject schema lacks %q", want)
		}
	}
}
