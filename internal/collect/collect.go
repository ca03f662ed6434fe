// Package collect brings intelligence into spoor: it opens a source's
// location (file, URL or standard input), hands the bytes to the parser of
// the source's format (collect/<format>), and writes the result through a
// Sink in one transaction. The CLI, the API and the scheduler all import
// through this package.
package collect

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
)

// Sink is where collected intelligence goes (the store).
type Sink interface {
	ImportBundle(ctx context.Context, b *intel.Bundle, progress func(done, total int)) (*intel.ImportStats, error)
	// ImportLinks writes what a STIX bundle says beyond its records
	// (indicator links, report coverage, victims, sightings), after
	// ImportBundle of the same bundle.
	ImportLinks(ctx context.Context, l *intel.BundleLinks) (*intel.ImportStats, error)
}

// MaxDownload bounds what Open reads from a URL.
const MaxDownload = 1 << 30

// Open returns a reader for a location typed by a person at a terminal
// (spoor extract): "-" (stdin), an http(s) URL, or any file path they can
// read. name is how errors refer to it. A URL that resolves to a private,
// loopback or link-local address is refused.
func Open(ctx context.Context, location string, stdin io.Reader) (r io.ReadCloser, name string, err error) {
	return openLocation(ctx, location, stdin, false, AnyFile{})
}

// openLocation is Open with the private-address refusal and the rule for
// file paths under the caller's control. A nil stdin refuses "-".
func openLocation(ctx context.Context, location string, stdin io.Reader, allowPrivate bool, files Files) (r io.ReadCloser, name string, err error) {
	switch {
	case location == "-":
		if stdin == nil {
			return nil, "", intel.Errorf(intel.CodeInvalid, `location "-" (standard input) is for the command line only`)
		}
		return io.NopCloser(stdin), "stdin", nil
	case strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://"):
		body, err := get(ctx, downloadClient(allowPrivate), location, "")
		if err != nil {
			return nil, "", err
		}
		return body, location, nil
	default:
		f, err := files.Open(location)
		if err != nil {
			return nil, "", err
		}
		return f, location, nil
	}
}

// downloadClient is the HTTP client of feed downloads: the crawler's
// transport, which refuses private, loopback and link-local addresses at
// dial time (redirects included) unless allowPrivate. The two transports
// are built once, so downloads share their connections.
func downloadClient(allowPrivate bool) *http.Client {
	t := downloadTransports[0]
	if allowPrivate {
		t = downloadTransports[1]
	}
	return &http.Client{Timeout: 10 * time.Minute, Transport: t()}
}

var downloadTransports = [2]func() http.RoundTripper{downloadTransport(false), downloadTransport(true)}

func downloadTransport(allowPrivate bool) func() http.RoundTripper {
	return sync.OnceValue(func() http.RoundTripper {
		return crawl.New(crawl.Options{AllowPrivate: allowPrivate, Timeout: time.Minute}).Transport()
	})
}

// get fetches a URL and returns its body, limited to MaxDownload. Any
// answer but 200 is an error; a 404 has fs.ErrNotExist in its chain. auth,
// when set, is sent as the Authorization header (net/http drops it on a
// redirect to another host).
func get(ctx context.Context, client *http.Client, location, auth string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "bad URL %q: %v", location, err)
	}
	req.Header.Set("User-Agent", "spoor")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &intel.Error{Code: intel.CodeInvalid, Message: fmt.Sprintf("fetch %s: %v", location, err), Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		var cause error
		if resp.StatusCode == http.StatusNotFound {
			cause = fs.ErrNotExist
		}
		return nil, &intel.Error{Code: intel.CodeInvalid, Message: fmt.Sprintf("fetch %s: %s", location, resp.Status), Err: cause}
	}
	return readCloser{io.LimitReader(resp.Body, MaxDownload), resp.Body}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// STIXResult is what an import of a STIX bundle did.
type STIXResult struct {
	Stats   *intel.ImportStats `json:"stats"`
	Ignored map[string]int     `json:"ignored"`
	Author  string             `json:"author,omitempty"`
	Notes   []string           `json:"notes,omitempty"`
}

// ImportSTIX parses a STIX 2.1 bundle from r and writes it to sink: the
// records in one transaction, then the links between them in a second
// (both idempotent, so a failure between them heals on the next run). A
// parse error leaves the sink untouched.
func ImportSTIX(ctx context.Context, sink Sink, r io.Reader, name string, src intel.Source, progress func(done, total int)) (*STIXResult, error) {
	if err := src.Validate(); err != nil {
		return nil, err
	}
	res, err := stix.Parse(r, name, src)
	if err != nil {
		return nil, err
	}
	stats, err := sink.ImportBundle(ctx, res.Bundle, progress)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	if res.Links != nil && res.Links.Len() > 0 {
		links, err := sink.ImportLinks(ctx, res.Links)
		if err != nil {
			return nil, fmt.Errorf("import %s: links: %w", name, err)
		}
		mergeStats(stats, links)
	}
	stats.Types = res.Types
	return &STIXResult{Stats: stats, Ignored: res.Ignored, Author: res.Author, Notes: res.Notes}, nil
}

// mergeStats adds the counts and warnings of b into a.
func mergeStats(a, b *intel.ImportStats) {
	if b == nil {
		return
	}
	for kind, c := range b.Counts {
		a.Count(kind).Add(*c)
	}
	a.Warnings = append(a.Warnings, b.Warnings...)
}
