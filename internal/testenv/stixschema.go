package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// STIXSchemas loads the OASIS STIX 2.1 JSON schemas of the shared data
// directory into a compiler, each file under its $id (no network), and
// returns it with the $id of each schema by file name ("indicator",
// "bundle", "core", …). A test without the data skips, as DataFile says.
func STIXSchemas(t testing.TB) (*jsonschema.Compiler, map[string]string) {
	t.Helper()
	dir := DataFile(t, "stix2-json-schemas", "schemas")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	ids := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			t.Fatalf("%s has no $id", path)
		}
		ids[strings.TrimSuffix(filepath.Base(path), ".json")] = id
		return c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatalf("load the STIX schemas: %v", err)
	}
	return c, ids
}
