//go:build unix

package collect_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// importTree is an import directory with the hostile entries a server
// must refuse, beside a directory it must not reach.
type importTree struct {
	dir     string // the import directory
	outside string // a file outside it
}

func newImportTree(t *testing.T) importTree {
	t.Helper()
	base := t.TempDir()
	tr := importTree{dir: filepath.Join(base, "imports"), outside: filepath.Join(base, "private", "secret.txt")}
	for _, d := range []string{tr.dir, filepath.Dir(tr.outside), filepath.Join(tr.dir, "sub"), filepath.Join(tr.dir, "feed")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, tr.outside, "the server's secret")
	write(t, filepath.Join(tr.dir, "report.txt"), "APT28 used evil.example.com")
	write(t, filepath.Join(tr.dir, "sub", "deep.txt"), "deep")
	for link, target := range map[string]string{
		"link-in":            "report.txt",
		"link-out":           tr.outside,
		"link-etc":           "/etc/passwd",
		"sub/link-up":        "../../private/secret.txt",
		"feed/manifest.json": tr.outside,
	} {
		if err := os.Symlink(target, filepath.Join(tr.dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(tr.dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(tr.dir, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return tr
}

// TestImportDirsConfineServerPaths: a server path is read only when it is
// a regular file inside an import directory, reached without leaving it;
// every refusal is one line naming the location.
func TestImportDirsConfineServerPaths(t *testing.T) {
	tr := newImportTree(t)
	dirs, err := collect.NewImportDirs([]string{tr.dir})
	if err != nil {
		t.Fatal(err)
	}
	in := func(name string) string { return filepath.Join(tr.dir, name) }
	tests := []struct {
		name, location string
		want           string // the content read, or
		refused        string // what the error says
	}{
		{"a file inside", in("report.txt"), "APT28 used evil.example.com", ""},
		{"a deeper file", in("sub/deep.txt"), "deep", ""},
		{"a link that stays inside", in("link-in"), "APT28 used evil.example.com", ""},
		{"/etc/passwd", "/etc/passwd", "", "outside the import directories"},
		{"a file beside the import directory", tr.outside, "", "outside the import directories"},
		{"dot-dot", tr.dir + "/../private/secret.txt", "", `".." is not allowed`},
		{"dot-dot that comes back", tr.dir + "/sub/../report.txt", "", `".." is not allowed`},
		{"a link to a file outside", in("link-out"), "", "cannot be read inside the import directory"},
		{"a link to /etc/passwd", in("link-etc"), "", "cannot be read inside the import directory"},
		{"a relative link out", in("sub/link-up"), "", "cannot be read inside the import directory"},
		{"a FIFO", in("fifo"), "", "a FIFO, not a regular file"},
		{"a socket", in("sock"), "", "a socket, not a regular file"},
		{"a directory", in("sub"), "", "a directory, not a regular file"},
		{"a relative path", "report.txt", "", "must be absolute"},
		{"a missing file", in("missing.json"), "", "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := dirs.Open(tt.location)
			if tt.refused == "" {
				if err != nil {
					t.Fatalf("Open(%s): %v", tt.location, err)
				}
				defer f.Close()
				b, err := io.ReadAll(f)
				if err != nil || string(b) != tt.want {
					t.Fatalf("read %q, %v; want %q", b, err, tt.want)
				}
				return
			}
			if err == nil {
				f.Close()
				t.Fatalf("Open(%s) succeeded; want it refused: %s", tt.location, tt.refused)
			}
			msg := intel.ErrorMessage(err)
			if !strings.Contains(msg, tt.refused) || !strings.Contains(msg, tt.location) || strings.Contains(msg, "\n") {
				t.Errorf("Open(%s) error %q; want one line naming the location and %q", tt.location, msg, tt.refused)
			}
		})
	}

	t.Run("no import directory reads nothing", func(t *testing.T) {
		var none *collect.ImportDirs
		if _, err := none.Open(in("report.txt")); err == nil || !strings.Contains(err.Error(), "reads no files") {
			t.Errorf("nil ImportDirs Open: %v; want a refusal", err)
		}
	})

	t.Run("check at definition", func(t *testing.T) {
		for loc, ok := range map[string]bool{
			in("report.txt"): true, in("later.json"): true, in("feed"): true,
			"/etc/shadow": false, in("link-out"): false, in("fifo"): false, tr.dir + "/../x": false,
		} {
			if err := dirs.Check(loc); (err == nil) != ok {
				t.Errorf("Check(%s) = %v, want ok=%v", loc, err, ok)
			}
		}
	})

	t.Run("a feed directory serves no link out", func(t *testing.T) {
		fsys, closer, err := dirs.OpenDir(in("feed"))
		if err != nil {
			t.Fatal(err)
		}
		defer closer.Close()
		if f, err := fsys.Open("manifest.json"); err == nil {
			f.Close()
			t.Error("feed/manifest.json, a link to a file outside, was opened")
		}
		if _, _, err := dirs.OpenDir(filepath.Dir(tr.outside)); err == nil {
			t.Error("a directory outside the import directories was opened")
		}
	})
}

// TestServerRunsStayInImportDirs is the hole it closes: an admin's source
// of format report at /etc/passwd, run by the server, stored the file as
// a document every reader could open. A server collector refuses it at
// definition and at every run (a stored source, a mirror given with
// From); the terminal's collector still reads what the person can.
func TestServerRunsStayInImportDirs(t *testing.T) {
	ctx := context.Background()
	tr := newImportTree(t)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	server := collect.NewCollector(st, nil)
	if server.Files, err = collect.NewImportDirs([]string{tr.dir}); err != nil {
		t.Fatal(err)
	}
	terminal := collect.NewCollector(st, nil)
	terminal.Files = collect.AnyFile{}

	passwd := &intel.Source{Name: "passwd", Format: "report", Location: "/etc/passwd"}
	if err := server.Define(ctx, passwd); intel.ErrorCode(err) != intel.CodeForbidden || !strings.Contains(err.Error(), "/etc/passwd") {
		t.Fatalf("server Define of /etc/passwd: %v; want forbidden, naming it", err)
	}
	// Defined at the terminal (spoor source add), then run by the server.
	secret := &intel.Source{Name: "secret", Format: "report", Location: tr.outside}
	if err := terminal.Define(ctx, secret); err != nil {
		t.Fatal(err)
	}
	run, err := server.Collect(ctx, secret, collect.Options{Trigger: "schedule"})
	if err == nil || run == nil || run.Status != intel.RunFailed || !strings.Contains(run.Error, "location "+tr.outside) {
		t.Fatalf("server run of %s: %+v, %v; want a failed run naming the location", tr.outside, run, err)
	}
	inside := &intel.Source{Name: "inside", Format: "report", Location: filepath.Join(tr.dir, "report.txt")}
	if run, err := server.Collect(ctx, inside, collect.Options{From: filepath.Join(tr.dir, "link-etc"), Trigger: "schedule"}); err == nil || run.Status != intel.RunFailed {
		t.Errorf("server run from a link to /etc/passwd: %+v, %v; want refused", run, err)
	}
	if page, err := st.FindDocuments(ctx, intel.DocumentFilter{}); err != nil || len(page.Items) != 0 {
		t.Fatalf("documents after refused runs: %d, %v; want none", len(page.Items), err)
	}
	if run, err := server.Collect(ctx, inside, collect.Options{Trigger: "schedule"}); err != nil || run.Status != intel.RunOK {
		t.Fatalf("server run of a file inside: %+v, %v", run, err)
	}
	if run, err := terminal.Collect(ctx, secret, collect.Options{Trigger: "cli"}); err != nil || run.Status != intel.RunOK {
		t.Fatalf("terminal run of %s: %+v, %v; the person at the terminal may read it", tr.outside, run, err)
	}
	if page, err := st.FindDocuments(ctx, intel.DocumentFilter{}); err != nil || len(page.Items) != 2 {
		t.Errorf("documents: %d, %v; want the file inside and the terminal's", len(page.Items), err)
	}
	stdin := &intel.Source{Name: "stdin", Format: "trail", Location: "-"}
	if run, err := server.Collect(ctx, stdin, collect.Options{Trigger: "schedule"}); err == nil || !strings.Contains(run.Error, "command line only") {
		t.Errorf("server run of stdin: %+v, %v; want refused", run, err)
	}
}
