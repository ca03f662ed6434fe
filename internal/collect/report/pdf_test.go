package report_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/ioc"
)

// reportLines is the text every test PDF carries. The first two lines are
// the pair that the library's GetPlainText joins into "APT99The actor" on
// Ghostscript output, and the IP at the end of line 2 is followed by a
// line starting with a word, which a joined reading turns into a domain.
var reportLines = []string{
	"Threat actor APT99",
	"The actor used 203.0.113.7",
	"SHA256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"and the domain kite-update.com for staging.",
}

// makePDF writes a minimal uncompressed PDF with Helvetica, one text
// object per line. With tj false, lines are drawn with Tj and literal
// spaces and the font has no Widths array, so the library reports no glyph
// advance. With tj true, the font has Widths and words are drawn as a TJ
// array with a kerning gap and no space glyph, the way Ghostscript
// positions words.
func makePDF(tj bool, pages [][]string) []byte { return makePDFWith(tj, pages, nil) }

// makePDFWith is makePDF with edit applied to the object bodies before the
// cross-reference table is written, so that edited files stay well formed.
func makePDFWith(tj bool, pages [][]string, edit func(objs []string)) []byte {
	var objs []string
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
	if tj {
		ws := strings.TrimSpace(strings.Repeat("556 ", 95))
		font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [" + ws + "] >>"
	}
	// 1: catalog, 2: pages, 3: font, then a page and a content stream per page.
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>", "", font)
	var kids []string
	for _, lines := range pages {
		var cs strings.Builder
		for i, line := range lines {
			esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
			fmt.Fprintf(&cs, "BT /F1 12 Tf 72 %d Td ", 750-16*i)
			if tj {
				cs.WriteString("[")
				for j, w := range strings.Fields(line) {
					if j > 0 {
						cs.WriteString(" -300 ")
					}
					cs.WriteString("(" + esc.Replace(w) + ")")
				}
				cs.WriteString("] TJ ET\n")
			} else {
				cs.WriteString("(" + esc.Replace(line) + ") Tj ET\n")
			}
		}
		pageNum := len(objs) + 1
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", pageNum+1),
			fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", cs.Len(), cs.String()))
		kids = append(kids, fmt.Sprintf("%d 0 R", pageNum))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	objs = append(objs, "<< /Title (Paper Kite report) >>")
	if edit != nil {
		edit(objs)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, len(objs), xref)
	return b.Bytes()
}

// checkReportText asserts what every reader must get right on reportLines.
func checkReportText(t *testing.T, text string) {
	t.Helper()
	for _, bad := range []string{"APT99The", "203.0.113.7SHA", "203.0.113.7.SHA", "203.0.113.7 SHA256"} {
		if strings.Contains(text, bad) {
			t.Errorf("lines joined (%q) in:\n%s", bad, text)
		}
	}
	for _, line := range reportLines {
		if !strings.Contains(text, line) {
			t.Errorf("line %q missing from:\n%s", line, text)
		}
	}
	ipv4 := map[string]bool{}
	found := map[string]bool{}
	for _, m := range ioc.Extract(text, ioc.DefaultOptions()) {
		found[m.Type.String()+" "+m.Value] = true
		if m.Type == ioc.TypeIPv4 {
			ipv4[m.Raw] = true
		}
	}
	if len(ipv4) != 1 || !ipv4["203.0.113.7"] {
		t.Errorf("IPv4 indicators = %v, want exactly 203.0.113.7", ipv4)
	}
	for _, want := range []string{"sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "domain kite-update.com"} {
		if !found[want] {
			t.Errorf("%s not found; found %v", want, found)
		}
	}
}

func TestPDFHandWritten(t *testing.T) {
	for _, tj := range []bool{false, true} {
		t.Run(fmt.Sprintf("tj=%v", tj), func(t *testing.T) {
			data := makePDF(tj, [][]string{reportLines, {"Second page mentions Sofacy."}})
			doc, err := report.PDF(data, "hand.pdf", report.Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkReportText(t, doc.Text)
			if doc.Title != "Paper Kite report" {
				t.Errorf("title = %q", doc.Title)
			}
			if !strings.Contains(doc.Text, "staging.\n\nSecond page mentions Sofacy.") {
				t.Errorf("pages not separated by a blank line:\n%s", doc.Text)
			}
		})
	}
}

func TestPDFCorrupt(t *testing.T) {
	data := makePDF(true, [][]string{reportLines})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", data[:len(data)/2]},
		{"no header", []byte("hello world, not a pdf")},
		{"header only", []byte("%PDF-1.7\n")},
		{"garbage body", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0xff, 0x00, 0x13}, 500)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.PDF(tc.data, "bad.pdf", report.Options{})
			if !errors.Is(err, report.ErrUnreadable) {
				t.Fatalf("err = %v, want ErrUnreadable", err)
			}
			if !strings.HasPrefix(err.Error(), "bad.pdf: ") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
	// Every prefix: never a panic, and an error unless the text survived.
	for n := 0; n < len(data); n += 13 {
		if _, err := report.PDF(data[:n], "cut.pdf", report.Options{}); err != nil && !errors.Is(err, report.ErrUnreadable) {
			t.Fatalf("cut at %d: unexpected error kind %v", n, err)
		}
	}
}

func TestPDFSizeLimit(t *testing.T) {
	data := makePDF(false, [][]string{reportLines})
	if _, err := report.PDF(data, "big.pdf", report.Options{MaxBytes: int64(len(data) - 1)}); !errors.Is(err, report.ErrUnreadable) {
		t.Fatalf("err = %v", err)
	}
}

// reportPostScript draws reportLines on two pages the way a word
// processor's PostScript does: one show per word, positioned by moveto.
func reportPostScript() string {
	var b strings.Builder
	b.WriteString("%!PS\n/Helvetica findfont 12 scalefont setfont\n")
	for page := 0; page < 2; page++ {
		for i, line := range reportLines {
			fmt.Fprintf(&b, "72 %d moveto\n", 750-16*i)
			for _, w := range strings.Fields(line) {
				fmt.Fprintf(&b, "(%s) show 3.3 0 rmoveto\n", w)
			}
		}
		b.WriteString("showpage\n")
	}
	return b.String()
}

func TestPDFGhostscript(t *testing.T) {
	ps2pdf, err := exec.LookPath("ps2pdf")
	if err != nil {
		t.Skip("ps2pdf (Debian ghostscript) is not on PATH; skipping the Ghostscript PDF test")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "report.ps"), filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, []byte(reportPostScript()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if b, err := exec.CommandContext(ctx, ps2pdf, in, out).CombinedOutput(); err != nil {
		t.Fatalf("ps2pdf: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.PDF(data, "gs.pdf", report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkReportText(t, doc.Text)
	if n := strings.Count(doc.Text, "Threat actor APT99"); n != 2 {
		t.Errorf("want the text of both pages, got %d copies:\n%s", n, doc.Text)
	}
	t.Run("pdftotext", func(t *testing.T) {
		bin, err := exec.LookPath("pdftotext")
		if err != nil {
			t.Skip("pdftotext (poppler-utils) is not on PATH")
		}
		doc, err := report.PDF(data, "gs.pdf", report.Options{PDFToText: bin})
		if err != nil {
			t.Fatal(err)
		}
		checkReportText(t, doc.Text)
		if _, err := report.PDF(data[:len(data)/2], "cut.pdf", report.Options{PDFToText: bin}); !errors.Is(err, report.ErrUnreadable) {
			t.Errorf("truncated PDF through pdftotext: err = %v", err)
		}
	})
}

func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SPOOR_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but Chromium is missing: set SPOOR_CHROMIUM or put chromium on PATH")
	}
	t.Skip("Chromium not found (SPOOR_CHROMIUM or chromium on PATH); skipping the Chromium PDF test")
	return ""
}

func TestPDFChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	var page strings.Builder
	page.WriteString("<!doctype html><html><head><meta charset=utf-8><title>Paper Kite</title>" +
		"<style>body{font:12pt sans-serif} p{margin:0 0 6pt 0}</style></head><body>")
	for _, l := range reportLines {
		page.WriteString("<p>" + l + "</p>")
	}
	page.WriteString("</body></html>")
	in, out := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, []byte(page.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Chromium can stall on a loaded machine; the test must not.
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.PDF(data, "chromium.pdf", report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkReportText(t, doc.Text)
}

func FuzzPDF(f *testing.F) {
	f.Add(makePDF(false, [][]string{reportLines}))
	f.Add(makePDF(true, [][]string{{"a"}, {"b c"}}))
	f.Add([]byte("%PDF-1.4\ntrailer\n<< /Root 1 0 R >>\n%%EOF"))
	f.Add(makePDFWith(false, [][]string{{"a"}}, func(objs []string) {
		objs[1] = strings.Replace(objs[1], "/Kids [4 0 R]", "/Kids [2 0 R 4 0 R]", 1)
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := report.PDF(data, "fuzz.pdf", report.Options{})
		if err != nil && !errors.Is(err, report.ErrUnreadable) {
			t.Fatalf("error outside ErrUnreadable: %v", err)
		}
	})
}

// TestPDFHostileStructure feeds PDFs whose object graph loops. The
// library's own page lookup never returns on a page tree that lists itself
// among its kids; the reader must finish, with the text or an error.
func TestPDFHostileStructure(t *testing.T) {
	pages := [][]string{{"hello from page one"}, {"page two"}}
	good := string(makePDF(false, pages))
	for _, tc := range []struct {
		name, old, new string
		wantText       bool
	}{
		{"pages lists itself", "/Kids [4 0 R 6 0 R]", "/Kids [2 0 R]", false},
		{"pages lists itself and a page", "/Kids [4 0 R 6 0 R]", "/Kids [2 0 R 4 0 R 2 0 R]", true},
		{"root is a page tree loop", "/Pages 2 0 R", "/Pages 1 0 R", false},
		{"reference to itself", "<< /Type /Catalog /Pages 2 0 R >>", "1 0 R", false},
		{"huge count", "/Count 2", "/Count 999999999", true},
		{"contents are the page", "/Contents 5 0 R", "/Contents [5 0 R 4 0 R]", false},
		{"second page broken", "/Contents 7 0 R", "/Contents [7 0 R 6 0 R]", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("fixture lacks %q", tc.old)
			}
			data := makePDFWith(false, pages, func(objs []string) {
				for i := range objs {
					objs[i] = strings.Replace(objs[i], tc.old, tc.new, 1)
				}
			})
			type result struct {
				doc *report.Document
				err error
			}
			done := make(chan result, 1)
			go func() {
				doc, err := report.PDF(data, "loop.pdf", report.Options{})
				done <- result{doc, err}
			}()
			select {
			case r := <-done:
				if r.err != nil && !errors.Is(r.err, report.ErrUnreadable) {
					t.Fatalf("err = %v", r.err)
				}
				if tc.wantText && (r.err != nil || !strings.Contains(r.doc.Text, "hello from page one")) {
					t.Errorf("want the page text, got %v %v", r.doc, r.err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the PDF reader did not return")
			}
		})
	}
}
