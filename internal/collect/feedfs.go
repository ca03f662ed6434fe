package collect

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"time"
)

// urlFS serves the files of a feed published over HTTP (a MISP feed:
// manifest.json and <uuid>.json beside it) as an fs.FS, so the feed
// parser reads a URL as it reads a directory. Each Open is one GET of
// base + name through the download client; a 404 is fs.ErrNotExist.
type urlFS struct {
	ctx    context.Context
	base   *url.URL // ends in "/"
	client *http.Client
	auth   string // the Authorization header, when the feed needs one
}

func newURLFS(ctx context.Context, location string, allowPrivate bool, auth string) (urlFS, error) {
	u, err := url.Parse(location)
	if err != nil {
		return urlFS{}, err
	}
	if u.Path == "" || u.Path[len(u.Path)-1] != '/' {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return urlFS{ctx: ctx, base: u, client: downloadClient(allowPrivate), auth: auth}, nil
}

func (u urlFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	body, err := get(u.ctx, u.client, u.base.ResolveReference(&url.URL{Path: name}).String(), u.auth)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &urlFile{ReadCloser: body, name: name}, nil
}

// urlFile is a downloaded file: read once, in order.
type urlFile struct {
	io.ReadCloser
	name string
}

func (f *urlFile) Stat() (fs.FileInfo, error) { return urlFileInfo{f.name}, nil }

type urlFileInfo struct{ name string }

func (i urlFileInfo) Name() string       { return i.name }
func (i urlFileInfo) Size() int64        { return -1 } // unknown until read
func (i urlFileInfo) Mode() fs.FileMode  { return 0o444 }
func (i urlFileInfo) ModTime() time.Time { return time.Time{} }
func (i urlFileInfo) IsDir() bool        { return false }
func (i urlFileInfo) Sys() any           { return nil }
