// Package testenv tells tests about their environment: where the shared
// data is, whether they run under CI (where a missing prerequisite is a
// failure, not a skip) and whether the race detector is on.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// DataDir returns the shared data directory: $SPOOR_DATA, or
// ../shared/data beside the module root. When it is absent the test is
// skipped with a message, or fails under CI.
func DataDir(t testing.TB) string {
	t.Helper()
	dir := dataDir()
	if fi, err := os.Stat(dir); dir == "" || err != nil || !fi.IsDir() {
		if CI() {
			t.Fatalf("shared data not found at %q (set SPOOR_DATA)", dir)
		}
		t.Skipf("shared data not found at %q; set SPOOR_DATA to run", dir)
	}
	return dir
}

// dataDir is $SPOOR_DATA, else ../shared/data beside the module root, else
// "" (no module root found).
func dataDir() string {
	if dir := os.Getenv("SPOOR_DATA"); dir != "" {
		return dir
	}
	if root, ok := moduleRoot(); ok {
		return filepath.Join(root, "..", "shared", "data")
	}
	return ""
}

// DataPath returns a path inside the shared data directory and whether
// it exists, for helpers that decide themselves what absence means.
func DataPath(rel ...string) (string, bool) {
	dir := dataDir()
	if dir == "" {
		return "", false
	}
	p := filepath.Join(append([]string{dir}, rel...)...)
	_, err := os.Stat(p)
	return p, err == nil
}

// DataFile returns a file of the shared data directory, skipping (or
// failing under CI) when it is absent.
func DataFile(t testing.TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{DataDir(t)}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		if CI() {
			t.Fatalf("shared data file %s is missing", p)
		}
		t.Skipf("shared data file %s is missing", p)
	}
	return p
}

// Acceptance marks a test that reads whole real data sets. Under the race
// detector such a test is skipped: it would take minutes, and the code it
// runs is raced by the small tests. make test runs these tests in a
// second pass without -race, so under CI they always run.
func Acceptance(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("acceptance test on real data; skipped with -short")
	}
	if Race {
		t.Skip("acceptance test on real data; make test runs it without -race")
	}
}

// moduleRoot finds the directory of go.mod above the working directory.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
