package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
)

// Document is a report read into plain text.
type Document struct {
	Title       string    `json:"title"`
	URL         string    `json:"url,omitempty"`
	Published   time.Time `json:"published,omitzero"`
	Text        string    `json:"text"`
	ContentHash string    `json:"content_hash"` // SHA-256 of Text, hex
	Format      string    `json:"format"`       // "html", "pdf" or "text"
}

// Formats a reader recognises.
const (
	FormatHTML = "html"
	FormatPDF  = "pdf"
	FormatText = "text"
)

// DefaultMaxBytes bounds the input a reader accepts when Options.MaxBytes
// is zero. Real reports are rarely above a few MiB; 64 MiB leaves room for
// image-heavy PDFs without letting a hostile server exhaust memory.
const DefaultMaxBytes = 64 << 20

// DefaultMaxText bounds the extracted text when Options.MaxText is zero.
const DefaultMaxText = 8 << 20

// Options control the readers. The zero value is ready to use.
type Options struct {
	// MaxBytes bounds the input; larger input is an error. 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxText bounds the extracted text; longer text is cut at a line
	// boundary. 0 means DefaultMaxText.
	MaxText int
	// PDFToText is the path of a pdftotext binary (poppler-utils). When set,
	// PDFs are read by running `pdftotext -layout` instead of the pure-Go
	// reader; its output is better on unusual fonts. The caller decides
	// (for example with exec.LookPath), so that this package never looks at
	// the environment by itself.
	PDFToText string
	// Now is the clock used to reject publication dates in the future; nil
	// means time.Now.
	Now func() time.Time
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o Options) maxText() int {
	if o.MaxText > 0 {
		return o.MaxText
	}
	return DefaultMaxText
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// ErrUnreadable is in the chain of every error for input that is not a
// readable report: a truncated or corrupt PDF, binary data given as HTML,
// input over the size limit, or a report with no text.
var ErrUnreadable = errors.New("unreadable report")

// unreadable returns a user-facing error that wraps ErrUnreadable.
func unreadable(name, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if name != "" {
		msg = name + ": " + msg
	}
	return &intel.Error{Code: intel.CodeInvalid, Message: msg, Err: ErrUnreadable}
}

// Read reads a report of any supported format. The format is taken from
// contentType when it names one (as an HTTP server sends it), else sniffed
// from the first bytes. name is how errors refer to the input; pageURL is
// the report's address, if known.
func Read(r io.Reader, name, pageURL, contentType string, opts Options) (*Document, error) {
	data, err := readAll(r, name, opts)
	if err != nil {
		return nil, err
	}
	switch Sniff(data, contentType) {
	case FormatPDF:
		return PDF(data, name, opts)
	case FormatHTML:
		return HTML(data, name, pageURL, opts)
	default:
		return Text(data, name, pageURL, opts)
	}
}

// readAll reads at most the size limit and fails, rather than truncating,
// when the input is larger: a cut PDF is unreadable anyway and a cut page
// would be stored as if complete.
func readAll(r io.Reader, name string, opts Options) ([]byte, error) {
	limit := opts.maxBytes()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, unreadable(name, "report is larger than the %d-byte limit", limit)
	}
	return data, nil
}

// Sniff names the format of data: the one contentType gives when it is
// HTML, PDF or plain text, else what the first bytes look like.
func Sniff(data []byte, contentType string) string {
	ct := strings.ToLower(contentType)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch strings.TrimSpace(ct) {
	case "application/pdf", "application/x-pdf":
		return FormatPDF
	case "text/html", "application/xhtml+xml":
		return FormatHTML
	case "text/plain":
		return FormatText
	}
	head := data[:min(len(data), 1024)]
	if bytes.HasPrefix(bytes.TrimLeft(head, "\x00\t\r\n "), []byte("%PDF-")) {
		return FormatPDF
	}
	lower := bytes.ToLower(bytes.TrimLeft(head, "\ufeff\t\r\n "))
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<!--", "<meta", "<title", "<p", "<div", "<article"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			return FormatHTML
		}
	}
	return FormatText
}

// Text reads a plain-text report. Its title is its first non-empty line.
func Text(data []byte, name, pageURL string, opts Options) (*Document, error) {
	if int64(len(data)) > opts.maxBytes() {
		return nil, unreadable(name, "report is larger than the %d-byte limit", opts.maxBytes())
	}
	if looksBinary(data) {
		return nil, unreadable(name, "not a text report: the input is binary data")
	}
	text := cleanText(string(data), opts.maxText())
	if text == "" {
		return nil, unreadable(name, "the report has no text")
	}
	return newDocument(firstLine(text), pageURL, time.Time{}, text, FormatText), nil
}

func newDocument(title, pageURL string, published time.Time, text, format string) *Document {
	h := sha256.Sum256([]byte(text))
	return &Document{
		Title:       title,
		URL:         pageURL,
		Published:   published,
		Text:        text,
		ContentHash: hex.EncodeToString(h[:]),
		Format:      format,
	}
}

// looksBinary reports whether data is not text: it holds NUL bytes, or
// more than 2% of its first 8 KiB are control characters or invalid UTF-8.
// Legacy 8-bit encodings stay under that share in practice, so real pages
// in Latin-1 or Windows-1252 still pass.
func looksBinary(data []byte) bool {
	head := data[:min(len(data), 8<<10)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	bad := 0
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// A rune cut by the 8 KiB window is not junk.
			if len(head)-i >= utf8.UTFMax || len(head) == len(data) {
				bad++
			}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f':
			bad++
		}
		i += size
	}
	return bad*50 > len(head)
}

// cleanText normalises line endings, trims trailing space on each line,
// collapses runs of blank lines to one, removes control characters and
// cuts the text at max bytes on a line boundary.
func cleanText(s string, max int) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	blank := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.Map(func(r rune) rune {
			switch {
			case r == '\t':
				return ' '
			case r == '\u00a0':
				return ' '
			case r < 0x20 || r == 0x7f || r == '\u200b' || r == '\ufeff':
				return -1
			}
			return r
		}, line)
		line = strings.TrimRight(line, " ")
		if strings.TrimSpace(line) == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			if blank > 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteByte('\n')
			}
		}
		blank = 0
		if b.Len()+len(line) > max {
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

func firstLine(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(line)
	if len(line) > 200 {
		line = line[:200]
		for !utf8.ValidString(line) {
			line = line[:len(line)-1]
		}
	}
	return line
}
