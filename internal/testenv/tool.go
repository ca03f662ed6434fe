package testenv

import (
	"os/exec"
	"testing"
)

// Tool returns the path of a command a test checks its output with
// (named-checkzone, unbound-checkconf). When it is not on PATH the test is
// skipped with a message naming the Debian package, or fails under CI,
// whose .ci/run installs it.
func Tool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	for _, dir := range []string{"/usr/sbin/", "/sbin/"} {
		if err != nil { // daemons' checkers live in sbin, which a user's PATH may lack
			p, err = exec.LookPath(dir + name)
		}
	}
	if err != nil {
		if CI() {
			t.Fatalf("%s not found: .ci/run installs Debian's %s", name, debianPackage)
		}
		t.Skipf("%s not found; install Debian's %s to run this check", name, debianPackage)
	}
	return p
}
