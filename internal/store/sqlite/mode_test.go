//go:build unix

package sqlite_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// The database and the -wal and -shm files beside it are created readable
// by their owner only, whatever the umask: the store holds password
// hashes, session hashes and intelligence marked TLP:RED. Not parallel:
// the umask belongs to the whole process.
func TestDatabaseFilesArePrivate(t *testing.T) {
	for _, umask := range []int{0o000, 0o022, 0o277} {
		t.Run(fs.FileMode(umask).String(), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			path := filepath.Join(t.TempDir(), "spoor.db")
			st, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer st.Close()
			// A write makes SQLite create the write-ahead log and its index.
			if err := st.UpsertSource(context.Background(), &intel.Source{Name: "manual", Kind: intel.SourceManual}); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(name)
				if err != nil {
					t.Fatalf("stat: %v", err)
				}
				if got := fi.Mode().Perm(); got != 0o600 {
					t.Errorf("%s has mode %v, want -rw-------", filepath.Base(name), got)
				}
			}
		})
	}
}

// A database file that exists keeps the mode its owner gave it.
func TestExistingDatabaseKeepsItsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spoor.db")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	st.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the owner's -rw-r-----", fi.Mode().Perm())
	}
}
