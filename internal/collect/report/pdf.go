package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"
)

// MaxPDFPages bounds the pages read from one PDF; a report past it is
// read up to it. Real reports have tens of pages; the bound keeps a
// hostile file with millions of empty pages from running for minutes.
const MaxPDFPages = 2000

// pdftotextTimeout bounds one pdftotext run.
const pdftotextTimeout = 2 * time.Minute

// PDF reads a PDF report into text. With Options.PDFToText set it runs
// `pdftotext -layout`; otherwise it uses the pure-Go reader
// (github.com/ledongthuc/pdf) with its own line assembly (readPDF). The
// title is the document's Info Title when it has one, else the first line.
// A truncated or corrupt file gives an error wrapping ErrUnreadable, never
// a panic.
func PDF(data []byte, name string, opts Options) (*Document, error) {
	if int64(len(data)) > opts.maxBytes() {
		return nil, unreadable(name, "report is larger than the %d-byte limit", opts.maxBytes())
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data, "\x00\t\r\n "), []byte("%PDF-")) {
		return nil, unreadable(name, "not a PDF: the file does not start with %%PDF-")
	}
	var (
		text, title string
		err         error
	)
	if opts.PDFToText != "" {
		text, err = pdftotext(opts.PDFToText, data, name)
		if err != nil {
			return nil, err
		}
		// The title still comes from the pure reader's Info dictionary; a
		// failure there only costs the title.
		title, _ = pdfTitle(data)
	} else {
		text, title, err = readPDF(data, name)
		if err != nil {
			return nil, err
		}
	}
	text = cleanText(text, opts.maxText())
	if text == "" {
		return nil, unreadable(name, "the PDF has no text (is it a scan?)")
	}
	if title == "" {
		title = firstLine(text)
	}
	return newDocument(title, "", time.Time{}, text, FormatPDF), nil
}

// readPDF runs the library under recover: it panics on many malformed
// files (bad xref offsets, truncated streams, wrong operand counts), and
// a corrupt upload must come back as an error.
func readPDF(data []byte, name string) (text, title string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, title, err = "", "", unreadable(name, "corrupt or truncated PDF: %v", r)
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) {
			return "", "", unreadable(name, "the PDF is encrypted")
		}
		return "", "", unreadable(name, "corrupt or truncated PDF: %v", err)
	}
	title = strings.TrimSpace(rd.Trailer().Key("Info").Key("Title").Text())
	var b strings.Builder
	var pageErr error
	for i, p := range pages(rd.Trailer().Key("Root").Key("Pages")) {
		page, err := pageText(p)
		if err != nil {
			// One broken page costs its text, not the report's.
			if pageErr == nil {
				pageErr = fmt.Errorf("page %d: %v", i+1, err)
			}
			continue
		}
		if page == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(page)
	}
	if b.Len() == 0 && pageErr != nil {
		return "", "", unreadable(name, "corrupt PDF: %v", pageErr)
	}
	return b.String(), title, nil
}

// pageText reads one page under recover: the content-stream interpreter
// panics on operands of the wrong kind and on missing streams.
func pageText(p pdf.Page) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("%v", r)
		}
	}()
	return assembleLines(p.Content().Text), nil
}

// maxPageTreeDepth bounds the page tree walk. Real trees are a few levels
// deep; the bound, with the node budget, stops a tree whose Kids point
// back at an ancestor.
const maxPageTreeDepth = 32

// pages walks the page tree. It replaces the library's Reader.Page, which
// loops forever on a Pages node that lists itself among its Kids: a
// hostile file must not hang the importer.
func pages(root pdf.Value) []pdf.Page {
	var out []pdf.Page
	budget := 4*MaxPDFPages + 64 // nodes visited, pages and intermediate
	var walk func(v pdf.Value, depth int)
	walk = func(v pdf.Value, depth int) {
		if depth > maxPageTreeDepth || budget <= 0 || len(out) >= MaxPDFPages {
			return
		}
		budget--
		switch v.Key("Type").Name() {
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len(); i++ {
				walk(kids.Index(i), depth+1)
			}
		case "Page":
			out = append(out, pdf.Page{V: v})
		}
	}
	walk(root, 0)
	return out
}

func pdfTitle(data []byte) (title string, err error) {
	defer func() {
		if r := recover(); r != nil {
			title, err = "", fmt.Errorf("pdf title: %v", r)
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(rd.Trailer().Key("Info").Key("Title").Text()), nil
}

// Line assembly constants, as fractions of the font size. They were tuned
// on a hand-written PDF, a Ghostscript (ps2pdf) PDF and a Chromium PDF:
//   - glyphs whose baselines differ by less than lineTolerance belong to one
//     line (sub- and superscripts and rounding stay on their line, while
//     the next line, at least ~1 em lower, starts a new one);
//   - a horizontal gap wider than spaceGap between the end of one glyph and
//     the start of the next is a word space. Ghostscript positions words
//     with explicit moves and draws no space glyphs, so the gap is the only
//     sign of a space; letter spacing and kerning stay well below 0.15 em.
const (
	lineTolerance = 0.45
	spaceGap      = 0.15
)

// assembleLines rebuilds the lines of a page from its glyph runs: it sorts
// them by Y (top of the page first) then X, starts a new line when Y moves
// by more than lineTolerance, and puts a space where the X gap between two
// glyphs is wider than spaceGap. The library's GetPlainText joins lines
// without a separator on some producers ("APT99The actor",
// "203.0.113.7.SHA256"), which makes wrong indicators.
func assembleLines(glyphs []pdf.Text) string {
	gs := make([]pdf.Text, 0, len(glyphs))
	for _, g := range glyphs {
		// The library emits a synthetic "\n" glyph after every TJ array;
		// lines come from positions here, so those are dropped.
		if g.S == "" || strings.Trim(g.S, "\r\n") == "" {
			continue
		}
		gs = append(gs, g)
	}
	if len(gs) == 0 {
		return ""
	}
	// Stable: glyphs drawn with no advance (fonts without a Widths array)
	// share an X and must keep their drawing order.
	slices.SortStableFunc(gs, func(a, b pdf.Text) int {
		switch {
		case a.Y > b.Y:
			return -1
		case a.Y < b.Y:
			return 1
		}
		return 0
	})
	var lines [][]pdf.Text
	start := 0
	for i := 1; i <= len(gs); i++ {
		if i < len(gs) && gs[start].Y-gs[i].Y <= lineTolerance*fontSize(gs[start]) {
			continue
		}
		line := gs[start:i]
		slices.SortStableFunc(line, func(a, b pdf.Text) int {
			switch {
			case a.X < b.X:
				return -1
			case a.X > b.X:
				return 1
			}
			return 0
		})
		lines = append(lines, line)
		start = i
	}
	var b strings.Builder
	for li, line := range lines {
		if li > 0 {
			b.WriteByte('\n')
		}
		prev := line[0]
		b.WriteString(prev.S)
		for _, g := range line[1:] {
			// Fake bold draws the same glyph twice at almost the same place.
			if g.S == prev.S && g.X-prev.X < 0.05*fontSize(g) && g.X != prev.X {
				continue
			}
			gap := g.X - (prev.X + prev.W)
			if gap > spaceGap*fontSize(g) && !strings.HasSuffix(prev.S, " ") && !strings.HasPrefix(g.S, " ") {
				b.WriteByte(' ')
			}
			b.WriteString(g.S)
			prev = g
		}
	}
	return b.String()
}

// fontSize is the glyph's size, with a floor so that a zero or tiny size
// from a broken text matrix does not put every glyph on its own line.
func fontSize(g pdf.Text) float64 {
	if g.FontSize < 1 {
		return 1
	}
	return g.FontSize
}

// pdftotext runs poppler's pdftotext on data and returns its output.
func pdftotext(bin string, data []byte, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pdftotextTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-layout", "-enc", "UTF-8", "-q", "-", "-")
	cmd.Stdin = bytes.NewReader(data)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", unreadable(name, "pdftotext took longer than %s", pdftotextTimeout)
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		if _, ok := errors.AsType[*exec.ExitError](err); ok {
			return "", unreadable(name, "corrupt or truncated PDF: pdftotext: %s", firstLine(msg))
		}
		return "", fmt.Errorf("%s: run pdftotext: %w", name, err)
	}
	// -layout pads columns with runs of spaces; one space reads the same
	// to the indicator scanner and the matcher, and stores smaller.
	lines := strings.Split(out.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n"), nil
}
