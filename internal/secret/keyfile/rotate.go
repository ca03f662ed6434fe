package keyfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
)

// Resealer seals every secret a store keeps again with box — opened under
// whichever of its keys it was sealed with, sealed under its first — in
// one transaction, and returns how many it sealed.
type Resealer func(ctx context.Context, box *secret.Box) (int, error)

// Rotation is what a rotation did.
type Rotation struct {
	Old      []string // ids of the keys given up
	New      string   // id of the key every secret is now sealed under
	Resealed int
}

// Rotate puts every secret under a new key.
//
// With a key file it makes a new key and replaces the file; the database
// transaction that re-seals is the commit point, and the key that opens
// the database's values is on the disk at every step:
//
//  1. the new key is written to FILE.new (0600, fsync);
//  2. the current key is written to FILE.old (0600, fsync);
//  3. FILE.new is renamed over FILE (directory fsync): FILE holds the new
//     key, FILE.old the old one, and every load reads both;
//  4. one transaction re-seals every secret under the new key;
//  5. FILE.old is removed once that commit succeeded.
//
// A crash before 3 leaves the old key in FILE; between 3 and 5 both files
// are read, so the values open whether or not the commit happened. A
// failed re-seal leaves both files for the same reason. A rotation that
// finds FILE.old (an earlier one did not finish) first re-seals under
// FILE's key and removes FILE.old, so no key still in use is overwritten.
//
// With SPOOR_SECRET_KEY, which spoor cannot rewrite, the operator puts a
// new key first and the old one after a comma; Rotate re-seals every
// secret under the first, after which the others may be removed.
//
// Nothing is changed when a stored secret does not open: it is reported.
func (k *Keys) Rotate(ctx context.Context, list Lister, reseal Resealer) (Rotation, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	stored, err := list(ctx)
	if err != nil {
		return Rotation{}, err
	}
	if k.cfg.Env != "" {
		return k.rotateEnv(ctx, stored, reseal)
	}
	if k.cfg.File == "" {
		return Rotation{}, fmt.Errorf("cannot rotate: %w: %s", secret.ErrNoKey, k.hint())
	}
	// A missing key file is created as on first need, when allowed; else
	// the check below reports what does not open.
	err = k.load(k.cfg.Create)
	if err != nil && !errors.Is(err, secret.ErrNoKey) {
		return Rotation{}, err
	}
	var cur *secret.Box
	if err == nil {
		cur = k.box
	}
	if err := checkOpen(cur, stored, k.hint()); err != nil {
		return Rotation{}, err
	}
	if cur == nil {
		return Rotation{}, fmt.Errorf("cannot rotate: %w", err)
	}
	old := k.cur
	oldFile := k.cfg.File + ".old"
	if _, err := os.Stat(oldFile); err == nil {
		if _, err := reseal(ctx, cur); err != nil {
			return Rotation{}, fmt.Errorf("finish the earlier rotation (re-seal under key %s): %w", old.ID(), err)
		}
		if err := removeSynced(oldFile); err != nil {
			return Rotation{}, err
		}
	}

	next := secret.NewKey()
	newFile := k.cfg.File + ".new"
	if err := writeKeyFile(newFile, next, os.O_TRUNC); err != nil {
		return Rotation{}, err
	}
	if err := writeKeyFile(oldFile, old, os.O_TRUNC); err != nil {
		os.Remove(newFile)
		return Rotation{}, err
	}
	if err := os.Rename(newFile, k.cfg.File); err != nil {
		os.Remove(newFile)
		os.Remove(oldFile)
		return Rotation{}, fmt.Errorf("replace key file %s: %w", k.cfg.File, err)
	}
	if err := syncDir(k.cfg.File); err != nil {
		return Rotation{}, err
	}
	both := secret.NewBox(next, old)
	k.cur, k.box, k.fi = next, both, nil // read again on next use
	n, err := reseal(ctx, both)
	if err != nil {
		return Rotation{}, fmt.Errorf("re-seal under the new key %s: %w; nothing is lost: %s holds the new key and %s the old one %s, "+
			"and both are read: run spoor secrets rotate again", next.ID(), err, k.cfg.File, oldFile, old.ID())
	}
	if err := removeSynced(oldFile); err != nil {
		return Rotation{}, fmt.Errorf("every secret is sealed under the new key %s, but %w", next.ID(), err)
	}
	k.box = secret.NewBox(next)
	return Rotation{Old: []string{old.ID()}, New: next.ID(), Resealed: n}, nil
}

func (k *Keys) rotateEnv(ctx context.Context, stored []secret.Stored, reseal Resealer) (Rotation, error) {
	keys, err := parseEnv(k.cfg.Env)
	if err != nil {
		return Rotation{}, err
	}
	if len(keys) == 1 {
		return Rotation{}, intel.Errorf(intel.CodeInvalid, "%s holds one key (%s), and spoor cannot change the environment: "+
			"make a key with spoor secrets new-key, set %s=NEW,OLD for every process, then rotate again", EnvVar, keys[0].ID(), EnvVar)
	}
	box := secret.NewBox(keys[0], keys[1:]...)
	if err := checkOpen(box, stored, k.hint()); err != nil {
		return Rotation{}, err
	}
	n, err := reseal(ctx, box)
	if err != nil {
		return Rotation{}, fmt.Errorf("re-seal under key %s: %w", keys[0].ID(), err)
	}
	ids := box.KeyIDs()
	return Rotation{Old: ids[1:], New: ids[0], Resealed: n}, nil
}

// checkOpen refuses a rotation while a stored secret does not open:
// re-sealing would fail on it, and the operator must first find its key.
func checkOpen(box *secret.Box, stored []secret.Stored, hint string) error {
	var o secret.Opener
	if box != nil {
		o = box
	}
	rep := secret.Inspect(o, stored)
	if len(rep.Failed) == 0 {
		return nil
	}
	more := ""
	if len(rep.Failed) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(rep.Failed)-1)
	}
	return intel.Errorf(intel.CodeInvalid, "cannot rotate, nothing changed: %s%s; %s", strings.TrimSpace(rep.Failed[0]), more, hint)
}

func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return syncDir(path)
}
