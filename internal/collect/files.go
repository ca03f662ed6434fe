package collect

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Files is how a collector reads server paths: the locations of sources
// that are neither a URL nor "-". A path typed by a person at a terminal
// may name any file that person can read (AnyFile): they have the shell
// already. A path that reaches the server through its pages, its API or
// a schedule may name only files inside the configured import
// directories (ImportDirs), or an admin's form would read /etc/shadow
// into a document every reader can open.
type Files interface {
	// Open opens a file to read.
	Open(location string) (io.ReadCloser, error)
	// OpenDir opens a directory (a MISP feed) as an fs.FS; closing the
	// returned closer ends its use.
	OpenDir(location string) (fs.FS, io.Closer, error)
	// Check reports whether location may be read, without reading it
	// (when a source is defined); a file that does not exist yet passes.
	Check(location string) error
}

// AnyFile reads any path the process can: the rule of `spoor import`
// and `spoor collect`, run by a person at a terminal. Pipes and devices
// are fine there (`spoor import stix <(zcat x.gz)`).
type AnyFile struct{}

// Open opens the file.
func (AnyFile) Open(location string) (io.ReadCloser, error) {
	f, err := os.Open(location)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "open %s: %v", location, unwrapPathError(err))
	}
	return f, nil
}

// OpenDir opens the directory.
func (AnyFile) OpenDir(location string) (fs.FS, io.Closer, error) {
	if fi, err := os.Stat(location); err != nil || !fi.IsDir() {
		return nil, nil, intel.Errorf(intel.CodeInvalid, "%s is not a directory", location)
	}
	return os.DirFS(location), io.NopCloser(nil), nil
}

// Check allows every path.
func (AnyFile) Check(string) error { return nil }

// ImportDirs confines server paths to a few directories. A location must
// be an absolute path, without "..", inside one of them; it is resolved
// with os.Root, so no symbolic link leads out of the directory, and only
// regular files (and, for a feed, directories) are read: never a device,
// a socket or a FIFO, whose open would block or read without end. The
// zero value (and nil) allows nothing: a server reads no files unless
// told where.
type ImportDirs struct {
	dirs []string // absolute and clean
}

// NewImportDirs checks that each directory exists and returns the
// confinement to them.
func NewImportDirs(dirs []string) (*ImportDirs, error) {
	d := &ImportDirs{}
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "import directory %s: %v", dir, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "import directory %s: %v", dir, unwrapPathError(err))
		}
		if !fi.IsDir() {
			return nil, intel.Errorf(intel.CodeInvalid, "import directory %s is not a directory", dir)
		}
		d.dirs = append(d.dirs, abs)
	}
	return d, nil
}

// Dirs lists the directories, absolute.
func (d *ImportDirs) Dirs() []string {
	if d == nil {
		return nil
	}
	return append([]string(nil), d.dirs...)
}

// refuse is the one error of a refused location.
func refuse(location, format string, args ...any) error {
	return intel.Errorf(intel.CodeForbidden, "location %s: %s", location, fmt.Sprintf(format, args...))
}

// find returns the import directory that holds location and the path
// inside it, judged on the text alone.
func (d *ImportDirs) find(location string) (dir, rel string, err error) {
	if d == nil || len(d.dirs) == 0 {
		return "", "", refuse(location, "this server reads no files: no import directory is configured (--import-dir)")
	}
	if !filepath.IsAbs(location) {
		return "", "", refuse(location, "a server path must be absolute, inside an import directory (%s)", strings.Join(d.dirs, ", "))
	}
	for _, el := range strings.Split(filepath.ToSlash(location), "/") {
		if el == ".." {
			return "", "", refuse(location, `".." is not allowed in a server path`)
		}
	}
	clean := filepath.Clean(location)
	for _, dir := range d.dirs {
		if clean == dir {
			return dir, ".", nil
		}
		if r, ok := strings.CutPrefix(clean, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator)); ok {
			return dir, r, nil
		}
	}
	return "", "", refuse(location, "outside the import directories (%s)", strings.Join(d.dirs, ", "))
}

// Check refuses a location outside the import directories, or one that
// exists and leads out of them or is not a regular file or directory.
func (d *ImportDirs) Check(location string) error {
	dir, rel, err := d.find(location)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return refuse(location, "import directory %s: %v", dir, unwrapPathError(err))
	}
	defer root.Close()
	fi, err := root.Stat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return resolveError(location, dir, err)
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		return refuse(location, "%s, not a regular file", modeName(fi.Mode()))
	}
	return nil
}

// Open opens a regular file inside an import directory.
func (d *ImportDirs) Open(location string) (io.ReadCloser, error) {
	dir, rel, err := d.find(location)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, refuse(location, "import directory %s: %v", dir, unwrapPathError(err))
	}
	defer root.Close() // the file stays open
	f, err := openRegular(root, rel)
	if err != nil {
		return nil, resolveError(location, dir, err)
	}
	return f, nil
}

// OpenDir opens a directory inside an import directory as an fs.FS that
// serves regular files only, confined to it.
func (d *ImportDirs) OpenDir(location string) (fs.FS, io.Closer, error) {
	dir, rel, err := d.find(location)
	if err != nil {
		return nil, nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, refuse(location, "import directory %s: %v", dir, unwrapPathError(err))
	}
	fi, err := root.Stat(rel)
	if err == nil && !fi.IsDir() {
		err = &fs.PathError{Op: "open", Path: rel, Err: &notRegular{fi.Mode()}}
		if fi.Mode().IsRegular() {
			err = intel.Errorf(intel.CodeInvalid, "%s is not a directory", location)
		}
	}
	if err != nil {
		root.Close()
		if intel.ErrorCode(err) == intel.CodeInvalid {
			return nil, nil, err
		}
		return nil, nil, resolveError(location, dir, err)
	}
	if rel == "." {
		return rootFS{root}, root, nil
	}
	defer root.Close()
	sub, err := root.OpenRoot(rel)
	if err != nil {
		return nil, nil, resolveError(location, dir, err)
	}
	return rootFS{sub}, sub, nil
}

// resolveError explains why a path inside an import directory could not
// be opened: it does not exist, a link leads out, it is not a regular
// file…
func resolveError(location, dir string, err error) error {
	var nr *notRegular
	switch {
	case errors.As(err, &nr):
		return refuse(location, "%s, not a regular file", modeName(nr.mode))
	case errors.Is(err, fs.ErrNotExist):
		return intel.Errorf(intel.CodeInvalid, "open %s: no such file or directory", location)
	case errors.Is(err, fs.ErrPermission):
		return intel.Errorf(intel.CodeInvalid, "open %s: permission denied", location)
	}
	// os.Root's "path escapes from parent": a link that leads out.
	return refuse(location, "cannot be read inside the import directory %s: %v", dir, unwrapPathError(err))
}

// notRegular is the error of a path that is not a regular file.
type notRegular struct{ mode fs.FileMode }

func (e *notRegular) Error() string { return modeName(e.mode) + ", not a regular file" }

// openRegular opens name in root if it is a regular file. It looks
// before it opens, so that a FIFO or a device is never opened, and opens
// without blocking and checks again, so that one swapped in between is
// refused rather than waited on.
func openRegular(root *os.Root, name string) (*os.File, error) {
	fi, err := root.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: &notRegular{fi.Mode()}}
	}
	f, err := root.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	if fi2, err := f.Stat(); err != nil || !fi2.Mode().IsRegular() || !os.SameFile(fi, fi2) {
		f.Close()
		mode := fs.ModeIrregular
		if err == nil {
			mode = fi2.Mode()
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: &notRegular{mode}}
	}
	return f, nil
}

// modeName says what kind of file a mode is.
func modeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a plain file"
}

// rootFS serves the regular files of a root: a MISP feed directory.
type rootFS struct{ root *os.Root }

func (r rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := openRegular(r.root, name)
	if err != nil {
		return nil, err
	}
	return f, nil
}
