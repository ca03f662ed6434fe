//go:build unix

package keyfile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/secret/keyfile"
)

// store is a database's secrets in memory: reseal is all or nothing, as
// the store's transaction is, and can be made to fail before or after
// its commit.
type store struct {
	values []secret.Stored
	// failBefore fails a reseal with nothing changed (a rollback),
	// failAfter after the change (a commit whose answer was lost).
	failBefore, failAfter bool
}

func (s *store) list(context.Context) ([]secret.Stored, error) {
	return append([]secret.Stored(nil), s.values...), nil
}

func (s *store) reseal(_ context.Context, box *secret.Box) (int, error) {
	next := make([]secret.Stored, len(s.values))
	for i, v := range s.values {
		plain, err := v.Place.Reveal(box, v.Value)
		if err != nil {
			return 0, err
		}
		sealed, _ := v.Place.Seal(box, plain)
		next[i] = secret.Stored{Place: v.Place, Value: sealed}
	}
	if s.failBefore {
		return 0, errors.New("database is locked")
	}
	s.values = next
	if s.failAfter {
		return 0, errors.New("connection lost during commit")
	}
	return len(next), nil
}

// opens checks every stored value opens to its plain text with keys.
func (s *store) opens(t *testing.T, keys secret.Opener, want map[string]string) {
	t.Helper()
	for _, v := range s.values {
		plain, err := v.Place.Reveal(keys, v.Value)
		if err != nil || plain != want[v.Place.What] {
			t.Errorf("%s opens to %q, %v; want %q", v.Place.What, plain, err, want[v.Place.What])
		}
	}
}

// keyIDs are the key ids the stored values are sealed under.
func (s *store) keyIDs() []string {
	var ids []string
	for _, v := range s.values {
		id, _ := secret.KeyID(v.Value)
		ids = append(ids, id)
	}
	return ids
}

var plains = map[string]string{
	`option password of source "A"`: "hunter2",
	`option token of source "B"`:    "t0ken",
}

// newStore seals the plain values with keys.
func newStore(t *testing.T, keys secret.Sealer) *store {
	t.Helper()
	s := &store{}
	for _, p := range []secret.Place{secret.SourceOption("A", "password"), secret.SourceOption("B", "token")} {
		v, err := p.Seal(keys, plains[p.What])
		if err != nil {
			t.Fatal(err)
		}
		s.values = append(s.values, secret.Stored{Place: p, Value: v})
	}
	return s
}

func fileKeyID(t *testing.T, path string) string {
	t.Helper()
	k := keyfile.New(keyfile.Config{File: path})
	ids, err := k.KeyIDs()
	if err != nil {
		t.Fatalf("key file %s: %v", path, err)
	}
	return ids[0]
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestBeside(t *testing.T) {
	for db, want := range map[string]string{
		"spoor.db": "spoor.key", "/var/lib/spoor/spoor.db": "/var/lib/spoor/spoor.key", "data/intel.sqlite": "data/intel.key", "store": "store.key",
	} {
		if got := keyfile.Beside(db); got != want {
			t.Errorf("Beside(%q) = %q, want %q", db, got, want)
		}
	}
}

// The key file beside a SQLite database appears on the first seal, not
// before, with mode 0600 whatever the umask; a second process reads the
// same key. Not parallel: the umask belongs to the whole process.
func TestKeyFileIsCreatedPrivateOnFirstNeed(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "spoor.key")
	k := keyfile.New(keyfile.Config{File: path, Create: true})
	if _, err := k.Open("enc:v1:00000000:AAAA", "ad"); !errors.Is(err, secret.ErrNoKey) {
		t.Errorf("Open before any key: %v, want ErrNoKey", err)
	}
	if exists(path) {
		t.Fatal("opening created the key file")
	}
	sealed, err := k.Seal("hunter2", "ad")
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("key file mode %v, want -rw-------", m)
	}
	matches, _ := filepath.Glob(path + ".*")
	if len(matches) != 0 {
		t.Errorf("files left beside the key: %v", matches)
	}
	again := keyfile.New(keyfile.Config{File: path})
	if plain, err := again.Open(sealed, "ad"); err != nil || plain != "hunter2" {
		t.Errorf("another process opens %q, %v", plain, err)
	}

	// A named key file (--secret-key-file) is never invented: replicas
	// must share one key.
	named := filepath.Join(t.TempDir(), "secret.key")
	_, err = keyfile.New(keyfile.Config{File: named}).Seal("x", "ad")
	want := fmt.Sprintf("no secret key: %s does not exist; set SPOOR_SECRET_KEY or restore %s", named, named)
	if err == nil || err.Error() != want || exists(named) {
		t.Errorf("Seal without the named file: %v; want %q and no file", err, want)
	}
	_, err = keyfile.New(keyfile.Config{}).Seal("x", "ad")
	if !errors.Is(err, secret.ErrNoKey) || !strings.Contains(err.Error(), "set SPOOR_SECRET_KEY") {
		t.Errorf("Seal with neither variable nor file (PostgreSQL): %v", err)
	}
}

func TestEnvironmentKeyWins(t *testing.T) {
	cur, old := secret.NewKey(), secret.NewKey()
	path := filepath.Join(t.TempDir(), "spoor.key")
	k := keyfile.New(keyfile.Config{Env: cur.Text() + ", " + old.Text(), File: path, Create: true})
	sealedOld, _ := secret.NewBox(old).Seal("from before", "ad")
	sealed, err := k.Seal("hunter2", "ad")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := secret.KeyID(sealed); id != cur.ID() || exists(path) {
		t.Errorf("sealed under %s (file created: %v); want the variable's first key %s and no file", id, exists(path), cur.ID())
	}
	if plain, err := k.Open(sealedOld, "ad"); err != nil || plain != "from before" {
		t.Errorf("the variable's second key opens %q, %v", plain, err)
	}
	lost, _ := secret.NewBox(secret.NewKey()).Seal("x", "ad")
	if _, err := k.Open(lost, "ad"); err == nil || !strings.HasSuffix(err.Error(), "; add the key it was sealed under to SPOOR_SECRET_KEY (comma-separated, after the current one)") {
		t.Errorf("a value under a key not in the variable: %v", err)
	}
	bad := cur.Text() + ",not-a-key"
	_, err = keyfile.New(keyfile.Config{Env: bad}).Seal("x", "ad")
	if err == nil || !strings.Contains(err.Error(), "SPOOR_SECRET_KEY, key 2: not a secret key") || strings.Contains(err.Error(), cur.Text()) {
		t.Errorf("a bad variable: %v", err)
	}
}

// A lost or replaced key is one line naming the place, both key ids and
// what to do; the value is not touched.
func TestWrongKeyIsOneClearError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spoor.key")
	k := keyfile.New(keyfile.Config{File: path, Create: true})
	place := secret.SourceOption("Partner", "token")
	sealed, err := place.Seal(k, "t0ken")
	if err != nil {
		t.Fatal(err)
	}
	first := fileKeyID(t, path)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	fresh := keyfile.New(keyfile.Config{File: path})
	_, err = place.Reveal(fresh, sealed)
	want := fmt.Sprintf(`cannot decrypt option token of source "Partner": no secret key: %s does not exist; set SPOOR_SECRET_KEY or restore %s`, path, path)
	if err == nil || err.Error() != want {
		t.Errorf("missing key:\n got %v\nwant %s", err, want)
	}
	other := secret.NewKey()
	if err := os.WriteFile(path, []byte(other.Text()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = place.Reveal(keyfile.New(keyfile.Config{File: path}), sealed)
	want = fmt.Sprintf(`cannot decrypt option token of source "Partner": wrong key (sealed under key id %s; the key loaded is %s); set SPOOR_SECRET_KEY or restore %s`,
		first, other.ID(), path)
	if err == nil || err.Error() != want {
		t.Errorf("wrong key:\n got %v\nwant %s", err, want)
	}
}

func TestRotateKeyFile(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "spoor.key")
	k := keyfile.New(keyfile.Config{File: path, Create: true})
	st := newStore(t, k)
	before := fileKeyID(t, path)
	aside := filepath.Join(t.TempDir(), "old.key")
	if b, err := os.ReadFile(path); err != nil || os.WriteFile(aside, b, 0o600) != nil {
		t.Fatal("cannot keep the old key aside")
	}
	// A server that loaded the key before the rotation.
	server := keyfile.New(keyfile.Config{File: path})
	st.opens(t, server, plains)

	rot, err := k.Rotate(t.Context(), st.list, st.reseal)
	if err != nil {
		t.Fatal(err)
	}
	after := fileKeyID(t, path)
	if diff := cmp.Diff(keyfile.Rotation{Old: []string{before}, New: after, Resealed: 2}, rot); diff != "" || after == before {
		t.Errorf("rotation (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{after, after}, st.keyIDs()); diff != "" {
		t.Errorf("values sealed under (-want +got):\n%s", diff)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("new key file mode %v", m)
	}
	for _, left := range []string{path + ".old", path + ".new"} {
		if exists(left) {
			t.Errorf("%s left after a rotation that committed", filepath.Base(left))
		}
	}
	st.opens(t, keyfile.New(keyfile.Config{File: path}), plains)
	// The old key no longer opens them.
	if _, err := st.values[0].Place.Reveal(keyfile.New(keyfile.Config{File: aside}), st.values[0].Value); err == nil {
		t.Error("the old key still opens a value")
	}
	// The running server reads the replaced file: it opens the new values
	// and seals new ones under the new key.
	st.opens(t, server, plains)
	if v, _ := server.Seal("x", "ad"); !strings.HasPrefix(v, "enc:v1:"+after+":") {
		t.Errorf("the server seals %q after the rotation; want key %s", v, after)
	}
}

// Whatever step a rotation stops at, every value opens with the files it
// leaves, and the next rotation finishes the job.
func TestRotateCrashWindows(t *testing.T) {
	tests := []struct {
		name   string
		before func(path string, st *store) // make the state a crash leaves
		// wantErr is the rotation's error, wantOld whether FILE.old is
		// left for the next load.
		wantErr string
		wantOld bool
	}{
		{name: "crash before the rename left FILE.new", before: func(path string, _ *store) {
			os.WriteFile(path+".new", []byte("half a key"), 0o600)
		}},
		{name: "re-seal rolled back", before: func(_ string, st *store) { st.failBefore = true },
			wantErr: "database is locked", wantOld: true},
		{name: "commit succeeded but its answer was lost", before: func(_ string, st *store) { st.failAfter = true },
			wantErr: "connection lost during commit", wantOld: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "spoor.key")
			k := keyfile.New(keyfile.Config{File: path, Create: true})
			st := newStore(t, k)
			tt.before(path, st)
			_, err := k.Rotate(t.Context(), st.list, st.reseal)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) ||
				!strings.Contains(err.Error(), "nothing is lost")) {
				t.Fatalf("Rotate: %v, want %q", err, tt.wantErr)
			}
			if exists(path+".old") != tt.wantOld {
				t.Errorf("FILE.old exists: %v, want %v", exists(path+".old"), tt.wantOld)
			}
			if exists(path + ".new") {
				t.Error("FILE.new left")
			}
			// A process starting now opens every value, whichever key holds it.
			st.opens(t, keyfile.New(keyfile.Config{File: path}), plains)
			if tt.wantOld {
				if err := keyfile.CheckKey(t.Context(), keyfile.New(keyfile.Config{File: path}), st.list); err == nil ||
					!strings.Contains(err.Error(), "rotation that did not finish") {
					t.Errorf("CheckKey after an unfinished rotation: %v", err)
				}
			}
			// The next rotation finishes: one key, every value under it.
			st.failBefore, st.failAfter = false, false
			rot, err := keyfile.New(keyfile.Config{File: path}).Rotate(t.Context(), st.list, st.reseal)
			if err != nil {
				t.Fatalf("second rotation: %v", err)
			}
			if exists(path+".old") || st.keyIDs()[0] != rot.New || st.keyIDs()[1] != rot.New || fileKeyID(t, path) != rot.New {
				t.Errorf("after the second rotation: old file %v, values under %v, file key %s; want all %s",
					exists(path+".old"), st.keyIDs(), fileKeyID(t, path), rot.New)
			}
			st.opens(t, keyfile.New(keyfile.Config{File: path}), plains)
			if err := keyfile.CheckKey(t.Context(), keyfile.New(keyfile.Config{File: path}), st.list); err != nil {
				t.Errorf("CheckKey after finishing: %v", err)
			}
		})
	}
}

// A value that does not open stops a rotation before anything changes.
func TestRotateRefusesWhatDoesNotOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spoor.key")
	k := keyfile.New(keyfile.Config{File: path, Create: true})
	st := newStore(t, k)
	lost, _ := secret.SourceOption("C", "api_key").Seal(secret.NewBox(secret.NewKey()), "gone")
	st.values = append(st.values, secret.Stored{Place: secret.SourceOption("C", "api_key"), Value: lost})
	keyText, _ := os.ReadFile(path)
	values := append([]secret.Stored(nil), st.values...)
	_, err := k.Rotate(t.Context(), st.list, st.reseal)
	if err == nil || !strings.HasPrefix(err.Error(), `cannot rotate, nothing changed: cannot decrypt option api_key of source "C": wrong key`) ||
		!strings.HasSuffix(err.Error(), "; set SPOOR_SECRET_KEY or restore "+path) {
		t.Errorf("Rotate: %v", err)
	}
	if now, _ := os.ReadFile(path); string(now) != string(keyText) || exists(path+".old") || exists(path+".new") {
		t.Error("a refused rotation touched the key files")
	}
	if diff := cmp.Diff(values, st.values); diff != "" {
		t.Errorf("a refused rotation changed values (-want +got):\n%s", diff)
	}
}

func TestRotateEnvironmentKey(t *testing.T) {
	cur, next := secret.NewKey(), secret.NewKey()
	st := newStore(t, secret.NewBox(cur))
	_, err := keyfile.New(keyfile.Config{Env: cur.Text()}).Rotate(t.Context(), st.list, st.reseal)
	if err == nil || !strings.Contains(err.Error(), "SPOOR_SECRET_KEY holds one key") || !strings.Contains(err.Error(), "SPOOR_SECRET_KEY=NEW,OLD") {
		t.Errorf("rotating a single variable key: %v", err)
	}
	rot, err := keyfile.New(keyfile.Config{Env: next.Text() + "," + cur.Text()}).Rotate(t.Context(), st.list, st.reseal)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(keyfile.Rotation{Old: []string{cur.ID()}, New: next.ID(), Resealed: 2}, rot); diff != "" {
		t.Errorf("rotation (-want +got):\n%s", diff)
	}
	st.opens(t, secret.NewBox(next), plains)
}

func TestCheckKey(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "spoor.key")
	empty := func(context.Context) ([]secret.Stored, error) { return nil, nil }
	if err := keyfile.CheckKey(ctx, keyfile.New(keyfile.Config{File: path, Create: true}), empty); err != nil {
		t.Errorf("no key yet and no secret: %v", err)
	}
	if exists(path) {
		t.Error("CheckKey created the key file")
	}
	k := keyfile.New(keyfile.Config{File: path, Create: true})
	st := newStore(t, k)
	if err := keyfile.CheckKey(ctx, keyfile.New(keyfile.Config{File: path}), st.list); err != nil {
		t.Errorf("a good key: %v", err)
	}

	os.Chmod(path, 0o644)
	st.values = append(st.values, secret.Stored{Place: secret.SourceOption("D", "pwd"), Value: "legacy"})
	lost, _ := secret.SourceOption("C", "api_key").Seal(secret.NewBox(secret.NewKey()), "gone")
	st.values = append(st.values, secret.Stored{Place: secret.SourceOption("C", "api_key"), Value: lost})
	err := keyfile.CheckKey(ctx, keyfile.New(keyfile.Config{File: path}), st.list)
	for _, want := range []string{
		"key file " + path + " has mode 0644: others may read it; chmod 600 " + path,
		`1 of 4 secrets do not open: cannot decrypt option api_key of source "C": wrong key`,
		"1 secrets are stored in plain text",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckKey: %v\nwant it to say %q", err, want)
		}
	}
	os.Remove(path)
	err = keyfile.CheckKey(ctx, keyfile.New(keyfile.Config{File: path, Create: true}), st.list)
	if err == nil || !strings.Contains(err.Error(), "no secret key: "+path+" does not exist") {
		t.Errorf("CheckKey with sealed secrets and no key file: %v", err)
	}
}
