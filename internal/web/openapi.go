package web

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// openAPI builds the OpenAPI 3.1 document of the API from its route
// table; the schemas are derived from the Go types by reflection, so the
// document follows the code.
func (s *Server) openAPI() map[string]any {
	schemas := map[string]any{
		"Error": map[string]any{
			"type":     "object",
			"required": []string{"error"},
			"properties": map[string]any{"error": map[string]any{
				"type":     "object",
				"required": []string{"code", "message"},
				"properties": map[string]any{
					"code": map[string]any{"type": "string", "enum": []string{
						"invalid", "not_found", "conflict", "unauthorized", "forbidden", "internal",
						codeTooLarge, codeRateLimited, "method_not_allowed"}},
					"message": map[string]any{"type": "string"},
				},
			}},
		},
	}
	gen := schemaGen{schemas: schemas}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	paths := map[string]any{}
	for _, rt := range s.apiRoutes() {
		path := "/api/v1" + rt.Path
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt.Method, rt.Path),
		}
		var params []any
		for _, name := range pathParams(rt.Path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true,
				"schema": map[string]any{"type": "integer", "format": "int64"}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Doc,
				"schema": map[string]any{"type": q.Type}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != nil {
			content := map[string]any{"application/json": map[string]any{"schema": gen.schema(reflect.TypeOf(rt.Body))}}
			for mt, sc := range rt.AlsoAccepts {
				content[mt] = map[string]any{"schema": sc}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		ok := map[string]any{"description": http.StatusText(rt.Status)}
		if rt.Result != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": gen.schema(reflect.TypeOf(rt.Result))}}
		}
		if rt.Path == "/openapi.json" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
		}
		responses := map[string]any{strconv.Itoa(rt.Status): ok}
		op["x-permission"] = "none"
		if rt.Perm != public {
			op["x-permission"] = rt.Perm.String()
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			responses["401"] = errResp("Not signed in, or a bad token")
			responses["403"] = errResp("The role may not do this")
		} else {
			op["security"] = []any{}
		}
		if rt.Body != nil || rt.Query != nil {
			responses["400"] = errResp("Invalid input; the message names the field")
		}
		if rt.Body != nil {
			responses["413"] = errResp(fmt.Sprintf("Body larger than %d bytes", bodyLimit(rt.Method, "/api/v1"+rt.Path)))
		}
		if strings.Contains(rt.Path, "{id}") {
			responses["404"] = errResp("No such ID")
		}
		responses["default"] = errResp("Other errors")
		op["responses"] = responses
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "spoor API",
			"version":     s.version,
			"description": "Threat intelligence: groups (with the provenance of their names, their merge log, and merging and splitting by hand), techniques, software, documents, indicators and their sources, events, indicator extraction, sources and their collection runs, search, users and tokens. Authenticate with `Authorization: Bearer spoor_…`.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An API token from /tokens"},
			},
		},
	}
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPIDoc())
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

func pathParams(path string) []string {
	var names []string
	for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	return names
}

// operationID names an operation from its method and path:
// GET /groups/{id} → getGroupsById.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for seg := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		if p, ok := strings.CutPrefix(seg, "{"); ok {
			seg = "by_" + strings.TrimSuffix(p, "}")
		}
		for part := range strings.FieldsFuncSeq(seg, func(r rune) bool { return r == '_' || r == '.' || r == '-' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// schemaGen derives JSON Schemas from Go types the way encoding/json
// encodes them; named structs become components.
type schemaGen struct {
	schemas map[string]any
}

var timeType = reflect.TypeFor[time.Time]()

func (g schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := g.schemas[name]; !ok {
			g.schemas[name] = nil // a placeholder stops recursion
			props := map[string]any{}
			var required []string
			g.fields(t, props, &required)
			sc := map[string]any{"type": "object", "properties": props}
			if required != nil {
				sc["required"] = required
			}
			g.schemas[name] = sc
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// fields adds the properties of struct t to props. An embedded struct
// without a JSON name contributes its own fields, as encoding/json
// flattens it (the web's views embed the store's types this way).
func (g schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		fname, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && fname == "" {
			et := f.Type
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				g.fields(et, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if fname == "" {
			fname = f.Name
		}
		props[fname] = g.schema(f.Type)
		if !strings.Contains(opts, "omit") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, fname)
		}
	}
}

// schemaName names a struct's component: its Go name, with generic pages
// named after their items (Page[*intel.Object] → ObjectPage) and the
// web's own input types capitalised (groupInput → GroupInput).
func schemaName(t reflect.Type) string {
	name := t.Name()
	if base, _, ok := strings.Cut(name, "["); ok {
		if f, ok := t.FieldByName("Items"); ok {
			elem := f.Type.Elem()
			for elem.Kind() == reflect.Pointer {
				elem = elem.Elem()
			}
			return capitalize(elem.Name()) + base
		}
		return base
	}
	return capitalize(name)
}

func capitalize(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
