// Package keyfile finds the key that seals a store's secrets, outside the
// database: SPOOR_SECRET_KEY when it is set, else a key file — by default
// the one beside a SQLite database (spoor.db → spoor.key), created with
// mode 0600 on first need. It rotates the key file and checks the key for
// spoor doctor. The sealing itself is internal/secret's.
//
// A key file holds one key as base64 or hex (lines starting with # are
// comments). During a rotation the previous key waits in FILE.old, and
// every load reads it too, so whichever key the database's values were
// sealed under at a crash, they open.
package keyfile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
)

// EnvVar is the environment variable that holds the key.
const EnvVar = "SPOOR_SECRET_KEY"

// Config says where a store's key comes from.
type Config struct {
	// Env is the value of SPOOR_SECRET_KEY: a key, or during a rotation
	// several separated by commas (the first seals, each one opens). It
	// wins over File.
	Env string
	// File is the key file: the one beside a SQLite database, or the one
	// --secret-key-file names. Empty when there is none (PostgreSQL).
	File string
	// Create lets the first seal create File when it does not exist. Only
	// the default file beside a SQLite database is created, and only while
	// no stored secret is sealed: a missing key must be an error, not
	// silently a new key, and replicas must not each invent their own.
	Create bool
}

// Beside is the key file of a SQLite database: the database's path with
// the extension .key (spoor.db → spoor.key), so two databases in one
// directory never share, and rotate, one key.
func Beside(dbPath string) string {
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".key"
}

// Keys are a store's secret keys, loaded on first use: a command that
// touches no secret needs no key. They seal under the current key and
// open under it and the old one of an unfinished rotation; a key file
// replaced by another process (spoor secrets rotate beside a running
// server) is read again.
type Keys struct {
	cfg Config

	mu  sync.Mutex
	box *secret.Box
	cur secret.Key
	fi  os.FileInfo // of cfg.File when box was read from it
}

// New returns the keys of cfg; nothing is read until they are used.
func New(cfg Config) *Keys { return &Keys{cfg: cfg} }

// Source says where the key comes from, for messages and status.
func (k *Keys) Source() string {
	switch {
	case k.cfg.Env != "":
		return EnvVar
	case k.cfg.File != "":
		return k.cfg.File
	}
	return "none"
}

// Seal seals plain under the current key, creating the key file first
// when Config.Create allows.
func (k *Keys) Seal(plain, ad string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.fresh(k.cfg.Create); err != nil {
		return "", err
	}
	return k.box.Seal(plain, ad)
}

// Open opens a sealed value. A value sealed under a key the keys lack
// reads the key files again once (another process may have rotated
// them); the error then says what to do.
func (k *Keys) Open(sealed, ad string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.box == nil {
		if err := k.load(false); err != nil {
			return "", err
		}
	}
	v, err := k.box.Open(sealed, ad)
	if _, wrong := errors.AsType[*secret.WrongKeyError](err); wrong && k.cfg.Env == "" {
		if k.load(false) == nil {
			v, err = k.box.Open(sealed, ad)
		}
	}
	if _, wrong := errors.AsType[*secret.WrongKeyError](err); wrong {
		return "", fmt.Errorf("%w; %s", err, k.hint())
	}
	return v, err
}

// KeyIDs are the ids of the keys that open, the sealing one first; it
// creates nothing.
func (k *Keys) KeyIDs() ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.fresh(false); err != nil {
		return nil, err
	}
	return k.box.KeyIDs(), nil
}

// hint says how to give spoor the key a value needs.
func (k *Keys) hint() string {
	switch {
	case k.cfg.Env != "":
		return "add the key it was sealed under to " + EnvVar + " (comma-separated, after the current one)"
	case k.cfg.File != "":
		return "set " + EnvVar + " or restore " + k.cfg.File
	}
	return "set " + EnvVar + " (or --secret-key-file)"
}

// fresh loads the keys unless they are loaded and the key file has not
// been replaced since.
func (k *Keys) fresh(create bool) error {
	if k.box != nil {
		if k.cfg.Env != "" {
			return nil
		}
		fi, err := os.Stat(k.cfg.File)
		if err == nil && os.SameFile(fi, k.fi) && fi.ModTime().Equal(k.fi.ModTime()) && fi.Size() == k.fi.Size() {
			return nil
		}
	}
	return k.load(create)
}

// load reads the keys from the environment or the key file (and the
// .old file of an unfinished rotation).
func (k *Keys) load(create bool) error {
	if k.cfg.Env != "" {
		keys, err := parseEnv(k.cfg.Env)
		if err != nil {
			return err
		}
		k.cur, k.box, k.fi = keys[0], secret.NewBox(keys[0], keys[1:]...), nil
		return nil
	}
	if k.cfg.File == "" {
		return fmt.Errorf("%w: a PostgreSQL store has no key file beside it; %s", secret.ErrNoKey, k.hint())
	}
	cur, fi, err := readKeyFile(k.cfg.File)
	if errors.Is(err, fs.ErrNotExist) && create {
		cur, fi, err = createKeyFile(k.cfg.File)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s does not exist; %s", secret.ErrNoKey, k.cfg.File, k.hint())
	}
	if err != nil {
		return err
	}
	var older []secret.Key
	switch old, _, err := readKeyFile(k.cfg.File + ".old"); {
	case err == nil:
		older = append(older, old)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	k.cur, k.box, k.fi = cur, secret.NewBox(cur, older...), fi
	return nil
}

func parseEnv(v string) ([]secret.Key, error) {
	var keys []secret.Key
	for i, text := range strings.Split(v, ",") {
		key, err := secret.ParseKey(text)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "%s, key %d: %v", EnvVar, i+1, err)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// readKeyFile reads the one key of a key file.
func readKeyFile(path string) (secret.Key, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return secret.Key{}, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return secret.Key{}, nil, err
	}
	if !fi.Mode().IsRegular() {
		return secret.Key{}, nil, intel.Errorf(intel.CodeInvalid, "key file %s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096)) // a key is 44 bytes; comments a few lines
	if err != nil {
		return secret.Key{}, nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		return secret.Key{}, nil, intel.Errorf(intel.CodeInvalid, "key file %s: want one key line, found %d", path, len(lines))
	}
	key, err := secret.ParseKey(lines[0])
	if err != nil {
		return secret.Key{}, nil, intel.Errorf(intel.CodeInvalid, "key file %s: %v", path, err)
	}
	return key, fi, nil
}

// Text is what a key file holds.
func Text(key secret.Key) string {
	return fmt.Sprintf("# spoor secret key, id %s. Keep it apart from the database and its backups;\n"+
		"# without it the secrets in the database cannot be read.\n%s\n", key.ID(), key.Text())
}

// writeKeyFile writes key to path with mode 0600, whatever the umask,
// and flushes it to the disk before returning.
func writeKeyFile(path string, key secret.Key, flag int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flag, 0o600)
	if err != nil {
		return err
	}
	err = f.Chmod(0o600) // the umask may have taken bits; a reused file may have had more
	if err == nil {
		_, err = f.WriteString(Text(key))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	return nil
}

// createKeyFile makes a new key file at path. The key is written to a
// temporary file and linked into place, which fails if path exists: two
// processes creating at once end with one key, and no reader ever sees a
// half-written file.
func createKeyFile(path string) (secret.Key, os.FileInfo, error) {
	key := secret.NewKey()
	var suffix [6]byte
	rand.Read(suffix[:])
	tmp := path + ".tmp-" + hex.EncodeToString(suffix[:])
	if err := writeKeyFile(tmp, key, os.O_EXCL); err != nil {
		return secret.Key{}, nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return readKeyFile(path) // another process made it first
	} else if err != nil {
		return secret.Key{}, nil, fmt.Errorf("create key file %s: %w", path, err)
	}
	if err := syncDir(path); err != nil {
		return secret.Key{}, nil, err
	}
	fi, err := os.Stat(path)
	return key, fi, err
}

// syncDir flushes the directory entry of path, so a rename or link
// survives a crash.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", filepath.Dir(path), err)
	}
	return nil
}

// NewKeyText returns a fresh key as SPOOR_SECRET_KEY or a key file holds
// it.
func NewKeyText() string { return secret.NewKey().Text() }

// Lister lists the secrets a store keeps, as stored.
type Lister func(ctx context.Context) ([]secret.Stored, error)

// CheckKey checks what a store's secrets need of the key, for spoor
// doctor: the key loads (the file exists or no secret is sealed yet, the
// environment parses); key files are readable by their owner only (mode
// 0600); every sealed secret opens; none is left plain; no rotation was
// left unfinished. It returns nil, or one error listing every problem.
func CheckKey(ctx context.Context, k *Keys, list Lister) error {
	stored, err := list(ctx)
	if err != nil {
		return err
	}
	sealed := 0
	for _, s := range stored {
		if secret.IsSealed(s.Value) {
			sealed++
		}
	}
	var problems []string
	if k.cfg.Env == "" && k.cfg.File != "" {
		for _, p := range []string{k.cfg.File, k.cfg.File + ".old"} {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
				problems = append(problems, fmt.Sprintf("key file %s has mode %04o: others may read it; chmod 600 %s", p, fi.Mode().Perm(), p))
			}
		}
		if _, err := os.Stat(k.cfg.File + ".old"); err == nil {
			problems = append(problems, fmt.Sprintf("%s.old is left from a rotation that did not finish: run spoor secrets rotate", k.cfg.File))
		}
	}
	_, loadErr := k.KeyIDs()
	noKeyYet := errors.Is(loadErr, secret.ErrNoKey) && sealed == 0
	if loadErr != nil && !noKeyYet {
		problems = append(problems, loadErr.Error())
	}
	if loadErr == nil || sealed > 0 {
		rep := secret.Inspect(k, stored)
		if n := len(rep.Failed); n > 0 && loadErr == nil {
			problems = append(problems, fmt.Sprintf("%d of %d secrets do not open: %s", n, rep.Total, rep.Failed[0]))
		}
	}
	if plain := len(stored) - sealed; plain > 0 {
		problems = append(problems, fmt.Sprintf("%d secrets are stored in plain text: open the store with a key (%s) to seal them", plain, k.hint()))
	}
	if len(problems) > 0 {
		return intel.Errorf(intel.CodeInvalid, "secret key (%s): %s", k.Source(), strings.Join(problems, "; "))
	}
	return nil
}
