// Package layers holds the test that keeps the import graph in the shape
// docs/ARCHITECTURE.md draws: every internal package has a level there,
// imports only packages of lower levels, and the pure ones never reach
// storage, HTTP or the operating system. The levels are read from the
// document itself, so the picture and the check cannot drift apart.
package layers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/spoor/spoor/"

// forbiddenInPure are the imports a pure package may not have: it takes and
// returns values and leaves storage, the network and files to its callers.
var forbiddenInPure = []string{"database/sql", "net/http", "os", "os/exec", module + "internal/store", module + "internal/web"}

// layer is one package's place in the architecture.
type layer struct {
	level int
	pure  bool
}

// treeLine matches a package line of the tree in ARCHITECTURE.md:
// two-space indent, the path below internal/ with a slash, then "L<n>".
var treeLine = regexp.MustCompile(`^  ([a-z0-9_/]+)/\s+L(\d)\s+(.*)$`)

// readLayers parses the tree of docs/ARCHITECTURE.md. A package is pure when
// its level is 0 or its description ends in "(pure)".
func readLayers(t *testing.T, doc []byte) map[string]layer {
	t.Helper()
	layers := map[string]layer{}
	inTree := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "internal/"):
			inTree = true
			continue
		case inTree && line != "" && !strings.HasPrefix(line, " "):
			inTree = false
		}
		if !inTree {
			continue
		}
		m := treeLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		level, _ := strconv.Atoi(m[2])
		layers[module+"internal/"+m[1]] = layer{level: level, pure: level == 0 || strings.Contains(m[3], "(pure)")}
	}
	if len(layers) == 0 {
		t.Fatal("docs/ARCHITECTURE.md: no package levels found in its tree (lines like \"  ioc/   L1 …\")")
	}
	return layers
}

type goPackage struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T, root string) []goPackage {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH; the layering check needs go list")
	}
	cmd := exec.Command(goBin, "list", "-json=ImportPath,Imports", "./internal/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportsPointDown(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	layers := readLayers(t, doc)
	var problems []string
	for _, p := range listPackages(t, root) {
		if p.ImportPath == module+"internal/layers" {
			continue
		}
		me, ok := layers[p.ImportPath]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no level in docs/ARCHITECTURE.md", p.ImportPath))
			continue
		}
		for _, imp := range p.Imports {
			if me.pure && slices.Contains(forbiddenInPure, imp) {
				problems = append(problems, fmt.Sprintf("%s is pure but imports %s", p.ImportPath, imp))
			}
			dep, internal := layers[imp]
			if !internal {
				continue
			}
			if dep.level >= me.level {
				problems = append(problems, fmt.Sprintf("%s (L%d) imports %s (L%d): imports must point to lower levels",
					p.ImportPath, me.level, imp, dep.level))
			}
		}
	}
	slices.Sort(problems)
	for _, p := range problems {
		t.Error(strings.TrimPrefix(p, module))
	}
}

// TestReadLayers checks the parser on a small tree, so that a change of the
// document's format fails here rather than silently checking nothing.
func TestReadLayers(t *testing.T) {
	doc := []byte("text\n\n```\ncmd/spoor/   root\ninternal/\n  intel/    L0 types\n  ioc/      L1 scanner (pure)\n" +
		"  store/    L2 queries\n  store/sqlite/  L3 driver\nbench/   not a package\n```\n")
	got := readLayers(t, doc)
	want := map[string]layer{
		module + "internal/intel":        {0, true},
		module + "internal/ioc":          {1, true},
		module + "internal/store":        {2, false},
		module + "internal/store/sqlite": {3, false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %+v, want %+v", k, got[k], v)
		}
	}
}
