package sample

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/ioc"
)

// Artifact kinds.
const (
	KindPE     = "pe"
	KindPDF    = "pdf"
	KindOffice = "office" // OOXML: docx, xlsx, pptx and their macro forms
	KindEmail  = "email"
)

// Stamp is one activity time an artifact records: which field held it,
// the instant, and the UTC offset the writer's clock was set to when the
// field recorded one (PDF dates and e-mail headers do; OOXML times are
// written in UTC).
type Stamp struct {
	Field     string    `json:"field"`
	Time      time.Time `json:"time"`
	Precision string    `json:"precision"`
	Offset    string    `json:"utc_offset,omitempty"` // "+04:00"
}

// Artifact is one file of an intrusion read without running or rendering
// it: a PE sample, a lure document (PDF, Office) or an e-mail. Times are
// the stamps that count as activity; Flags name the ones left out and why
// (a zero PE stamp, a date before 1992 or in the future).
type Artifact struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	Title  string   `json:"title,omitempty"` // a document's title, an e-mail's subject
	Size   int64    `json:"size"`
	MD5    string   `json:"md5"`
	SHA1   string   `json:"sha1"`
	SHA256 string   `json:"sha256"`
	Times  []Stamp  `json:"times"`
	Flags  []string `json:"flags,omitempty"`
	// Indicators are those the artifact holds: a PE's strings, an
	// e-mail's sender, reply address and body.
	Indicators []ioc.Match `json:"indicators,omitempty"`
	PE         *Sample     `json:"pe,omitempty"`
}

// Inspect reads one artifact: a PE (MZ), a PDF (%PDF-), an OOXML
// document (a zip with docProps/core.xml) or an e-mail (RFC 5322 headers
// with a Date: or From:). Anything else, or a file of one of these kinds
// too damaged to read, is one error naming the file; now is the reference
// for times in the future.
func Inspect(name string, data []byte, now time.Time) (*Artifact, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("sample %s: larger than %d bytes", name, MaxSize)
	}
	m5, s1, s256 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
	a := &Artifact{Name: name, Size: int64(len(data)), MD5: hex.EncodeToString(m5[:]), SHA1: hex.EncodeToString(s1[:]),
		SHA256: hex.EncodeToString(s256[:]), Times: []Stamp{}}
	var err error
	switch {
	case bytes.HasPrefix(data, []byte("MZ")):
		a.Kind = KindPE
		if a.PE, err = Parse(name, data, now); err != nil {
			return nil, err
		}
		a.Indicators = a.PE.Indicators
		if t, ok := a.PE.TrustedTime(); ok {
			a.Times = append(a.Times, Stamp{Field: "compile time", Time: t, Precision: analyze.PrecisionSecond.String()})
		} else {
			a.Flags = append(a.Flags, fmt.Sprintf("compile time %s: %s", a.PE.Compiled.Format(time.RFC3339), a.PE.StampFlag))
		}
		return a, nil
	case bytes.HasPrefix(data, []byte("%PDF-")):
		a.Kind = KindPDF
		err = a.readPDF(data)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		a.Kind = KindOffice
		err = a.readOffice(data)
	case looksLikeMail(data):
		a.Kind = KindEmail
		err = a.readMail(data)
	default:
		return nil, fmt.Errorf("sample %s: not a PE, PDF, Office (OOXML) document or e-mail", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", name, err)
	}
	a.keepPlausible(now)
	return a, nil
}

// stamp adds a parsed time from field.
func (a *Artifact) stamp(field string, ts analyze.Timestamp) {
	st := Stamp{Field: field, Time: ts.Time.UTC(), Precision: ts.Precision.String()}
	if ts.HasOffset {
		st.Offset = formatOffset(ts.Offset)
	}
	a.Times = append(a.Times, st)
}

func formatOffset(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("%s%02d:%02d", sign, int(d.Hours()), int(d.Minutes())%60)
}

// keepPlausible moves times before 1992 or after now into the flags, as
// the PE reader does with its stamps, and the same instant written twice
// (a document never modified after its creation) into one.
func (a *Artifact) keepPlausible(now time.Time) {
	var kept []Stamp
	for _, st := range a.Times {
		switch {
		case st.Time.Year() < 1992:
			a.Flags = append(a.Flags, fmt.Sprintf("%s %s: %s", st.Field, st.Time.Format(time.RFC3339), FlagEarly))
		case !now.IsZero() && st.Time.After(now):
			a.Flags = append(a.Flags, fmt.Sprintf("%s %s: %s", st.Field, st.Time.Format(time.RFC3339), FlagFuture))
		case slices.ContainsFunc(kept, func(k Stamp) bool { return k.Time.Equal(st.Time) }):
		default:
			kept = append(kept, st)
		}
	}
	a.Times = append([]Stamp{}, kept...)
}

// pdfDate finds the Info dictionary's dates, and XMP's, in a PDF's bytes,
// for files the PDF library cannot open; an Info dictionary in a
// compressed object stream is then not found (no time, not an error).
var (
	pdfDate   = regexp.MustCompile(`/(CreationDate|ModDate)\s*\(\s*(D:[0-9+\-Z']{4,30})\s*\)`)
	xmpDate   = regexp.MustCompile(`<xmp:(CreateDate|ModifyDate)>\s*([0-9T:+\-.Z ]{4,40})\s*</xmp:`)
	pdfTitle  = regexp.MustCompile(`/Title\s*\(([^()\\]{1,200})\)`)
	pdfFields = map[string]string{"CreationDate": "PDF creation date", "ModDate": "PDF modification date",
		"CreateDate": "XMP creation date", "ModifyDate": "XMP modification date"}
)

func (a *Artifact) readPDF(data []byte) error {
	if !bytes.Contains(data[max(0, len(data)-2048):], []byte("%%EOF")) {
		return errors.New("truncated PDF (no %%EOF at its end)")
	}
	// The Info dictionary through a PDF reader first: it finds one kept
	// in a compressed object stream, as most PDF 1.5+ writers do. A file
	// the reader cannot open is scanned as bytes below.
	if info, ok := pdfInfo(data); ok {
		for _, k := range []string{"CreationDate", "ModDate"} {
			if v := info[k]; v != "" {
				ts, err := analyze.ParsePDFDate(v)
				if err != nil {
					a.Flags = append(a.Flags, fmt.Sprintf("%s %q: %v", pdfFields[k], v, err))
					continue
				}
				a.stamp(pdfFields[k], ts)
			}
		}
		a.Title = info["Title"]
	} else {
		a.scanPDFInfo(data)
	}
	for _, m := range xmpDate.FindAllSubmatch(data, 8) {
		ts, err := analyze.ParseISO(strings.TrimSpace(string(m[2])))
		if err != nil {
			a.Flags = append(a.Flags, fmt.Sprintf("%s %q: %v", pdfFields[string(m[1])], m[2], err))
			continue
		}
		a.stamp(pdfFields[string(m[1])], ts)
	}
	return nil
}

// pdfInfo reads the Info dictionary's Title and dates with the PDF
// library, under recover: it panics on many malformed files.
func pdfInfo(data []byte) (info map[string]string, ok bool) {
	defer func() {
		if recover() != nil {
			info, ok = nil, false
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, false
	}
	v := rd.Trailer().Key("Info")
	if v.IsNull() {
		return nil, false
	}
	info = map[string]string{}
	for _, k := range []string{"Title", "CreationDate", "ModDate"} {
		info[k] = strings.TrimSpace(v.Key(k).Text())
	}
	return info, true
}

// scanPDFInfo finds the Info dictionary's dates and title in the bytes,
// for a file the library cannot open.
func (a *Artifact) scanPDFInfo(data []byte) {
	for _, m := range pdfDate.FindAllSubmatch(data, 8) {
		ts, err := analyze.ParsePDFDate(string(m[2]))
		if err != nil {
			a.Flags = append(a.Flags, fmt.Sprintf("%s %q: %v", pdfFields[string(m[1])], m[2], err))
			continue
		}
		a.stamp(pdfFields[string(m[1])], ts)
	}
	if m := pdfTitle.FindSubmatch(data); m != nil {
		a.Title = strings.TrimSpace(string(m[1]))
	}
}

// coreProperties is the part of an OOXML package's docProps/core.xml
// that dates and names it.
type coreProperties struct {
	Title    string `xml:"title"`
	Created  string `xml:"created"`
	Modified string `xml:"modified"`
	Printed  string `xml:"lastPrinted"`
}

// maxCoreXML bounds the metadata part read from a document.
const maxCoreXML = 1 << 20

func (a *Artifact) readOffice(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("not a readable zip (Office) file: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != "docProps/core.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("docProps/core.xml: %w", err)
		}
		defer rc.Close()
		var cp coreProperties
		if err := xml.NewDecoder(io.LimitReader(rc, maxCoreXML)).Decode(&cp); err != nil {
			return fmt.Errorf("docProps/core.xml: %w", err)
		}
		a.Title = strings.TrimSpace(cp.Title)
		for _, f := range []struct{ field, v string }{{"Office creation time", cp.Created}, {"Office modification time", cp.Modified},
			{"Office last printed", cp.Printed}} {
			if v := strings.TrimSpace(f.v); v != "" {
				ts, err := analyze.ParseISO(v)
				if err != nil {
					a.Flags = append(a.Flags, fmt.Sprintf("%s %q: %v", f.field, v, err))
					continue
				}
				a.stamp(f.field, ts)
			}
		}
		return nil
	}
	return errors.New("a zip without docProps/core.xml: not an Office (OOXML) document")
}

// looksLikeMail reports whether data begins with RFC 5322 header lines
// and has a Date: or From: among them.
func looksLikeMail(data []byte) bool {
	head := data[:min(len(data), 16<<10)]
	sc := bufio.NewScanner(bytes.NewReader(head))
	seen, lines := false, 0
	for sc.Scan() && lines < 200 {
		line := sc.Text()
		if line == "" {
			break
		}
		lines++
		if line[0] == ' ' || line[0] == '\t' {
			continue // a folded header
		}
		k, _, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return false
		}
		switch strings.ToLower(k) {
		case "date", "from":
			seen = true
		}
	}
	return seen
}

// maxMailBody bounds the body scanned for indicators.
const maxMailBody = 4 << 20

func (a *Artifact) readMail(data []byte) error {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a readable e-mail: %w", err)
	}
	h := msg.Header
	a.Title = h.Get("Subject")
	if d := h.Get("Date"); d != "" {
		ts, err := analyze.ParseMailDate(d)
		if err != nil {
			a.Flags = append(a.Flags, fmt.Sprintf("Date: %q: %v", d, err))
		} else {
			a.stamp("e-mail Date", ts)
		}
	}
	// The sender's and reply addresses, the originating address some
	// mail services add, then what the body holds.
	var text strings.Builder
	for _, k := range []string{"From", "Reply-To", "Return-Path", "X-Originating-IP", "X-Sender-IP"} {
		text.WriteString(h.Get(k))
		text.WriteByte('\n')
	}
	body, _ := io.ReadAll(io.LimitReader(msg.Body, maxMailBody))
	text.Write(body)
	for _, m := range ioc.Extract(text.String(), ioc.Options{Refang: true}) {
		if m.Label() == "" {
			a.Indicators = append(a.Indicators, m)
		}
	}
	return nil
}
