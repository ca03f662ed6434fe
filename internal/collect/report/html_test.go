package report_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHTMLVendorReport(t *testing.T) {
	doc, err := report.HTML(readFixture(t, "vendor_report.html"), "vendor_report.html",
		"https://labs.example.com/blog/paper-kite", report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != report.FormatHTML {
		t.Errorf("format = %q", doc.Format)
	}
	if !strings.Contains(doc.Title, "Operation Paper Kite") {
		t.Errorf("title = %q", doc.Title)
	}
	if want := time.Date(2023, 5, 17, 7, 30, 0, 0, time.UTC); !doc.Published.Equal(want) {
		t.Errorf("published = %v, want %v", doc.Published, want)
	}
	if doc.URL != "https://labs.example.com/blog/paper-kite" {
		t.Errorf("url = %q", doc.URL)
	}
	if len(doc.ContentHash) != 64 {
		t.Errorf("content hash = %q", doc.ContentHash)
	}
	for _, gone := range []string{"NAVLINK", "SIDEBAR", "FOOTER", "dataLayer", "font-family"} {
		if strings.Contains(doc.Text, gone) {
			t.Errorf("text still holds %q:\n%s", gone, doc.Text)
		}
	}
	for _, kept := range []string{"attribute the activity", "Indicators of compromise", "continue to monitor"} {
		if !strings.Contains(doc.Text, kept) {
			t.Errorf("text lost %q:\n%s", kept, doc.Text)
		}
	}
	found := map[string]bool{}
	for _, m := range ioc.Extract(doc.Text, ioc.DefaultOptions()) {
		found[m.Type.String()+" "+m.Value] = true
	}
	for _, want := range []string{
		"ipv4 203.0.113.7",
		"domain update-kite.com",
		"url https://paper-kite.net/upload.php",
		"sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"md5 5d41402abc4b2a76b9719d911017c592",
		"technique T1059.001",
	} {
		if !found[want] {
			t.Errorf("indicator %s not found in the text; found %v", want, found)
		}
	}
}

func TestHTMLFallbackWalk(t *testing.T) {
	// Too short for readability: the plain walk must still give the text
	// without the nav and footer.
	doc, err := report.HTML(readFixture(t, "listing.html"), "listing.html", "", report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Text, "block 198.51.100.23 now") {
		t.Errorf("text = %q", doc.Text)
	}
	if strings.Contains(doc.Text, "NAVLINK") || strings.Contains(doc.Text, "FOOTER") {
		t.Errorf("chrome kept: %q", doc.Text)
	}
	if doc.Title != "Short note" {
		t.Errorf("title = %q", doc.Title)
	}
}

func TestHTMLPublishedSources(t *testing.T) {
	now := func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
	body := "<p>" + strings.Repeat("APT28 used a new loader in this campaign. ", 10) + "</p>"
	tests := []struct {
		name string
		head string
		want time.Time
	}{
		{"meta", `<meta property="article:published_time" content="2022-03-04T05:06:07Z">`, time.Date(2022, 3, 4, 5, 6, 7, 0, time.UTC)},
		{"json-ld", `<script type="application/ld+json">[{"@type":"Article","datePublished":"2021-02-03"}]</script>`, time.Date(2021, 2, 3, 0, 0, 0, 0, time.UTC)},
		{"time", `</head><body><time datetime="2020-01-02T03:04:05Z">Jan 2</time>`, time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"future rejected", `<meta name="date" content="2030-01-01">`, time.Time{}},
		{"none", ``, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := "<html><head><title>T</title>" + tc.head + "</head><body><article>" + body + "</article></body></html>"
			doc, err := report.HTML([]byte(page), tc.name, "", report.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if !doc.Published.Equal(tc.want) {
				t.Errorf("published = %v, want %v", doc.Published, tc.want)
			}
		})
	}
}

func TestHTMLRejectsJunk(t *testing.T) {
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	tests := []struct {
		name string
		data []byte
		opts report.Options
	}{
		{"binary", junk, report.Options{}},
		{"pdf", []byte("%PDF-1.4\n1 0 obj\n"), report.Options{}},
		{"empty", []byte("<html><body><nav>only nav</nav></body></html>"), report.Options{}},
		{"too large", []byte("<html><body><p>" + strings.Repeat("a ", 600) + "</p></body></html>"), report.Options{MaxBytes: 1000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.HTML(tc.data, "input.html", "", tc.opts)
			if !errors.Is(err, report.ErrUnreadable) {
				t.Fatalf("err = %v, want ErrUnreadable", err)
			}
			if intel.ErrorCode(err) != intel.CodeInvalid {
				t.Errorf("code = %q", intel.ErrorCode(err))
			}
			if !strings.HasPrefix(err.Error(), "input.html: ") {
				t.Errorf("error does not name the input: %v", err)
			}
		})
	}
}

func TestReadSniffs(t *testing.T) {
	doc, err := report.Read(strings.NewReader(string(readFixture(t, "vendor_report.html"))), "x", "", "", report.Options{})
	if err != nil || doc.Format != report.FormatHTML {
		t.Fatalf("html: %v %v", doc, err)
	}
	doc, err = report.Read(strings.NewReader("APT28 used 203.0.113.7\nsecond line"), "x", "", "", report.Options{})
	if err != nil || doc.Format != report.FormatText || doc.Title != "APT28 used 203.0.113.7" {
		t.Fatalf("text: %v %v", doc, err)
	}
	doc, err = report.Read(strings.NewReader(string(makePDF(false, [][]string{{"Hello PDF"}}))), "x", "", "", report.Options{})
	if err != nil || doc.Format != report.FormatPDF {
		t.Fatalf("pdf: %v %v", doc, err)
	}
	_, err = report.Read(strings.NewReader(strings.Repeat("x", 100)), "x", "", "text/plain", report.Options{MaxBytes: 10})
	if !errors.Is(err, report.ErrUnreadable) {
		t.Fatalf("size limit: %v", err)
	}
}

func FuzzHTML(f *testing.F) {
	f.Add([]byte("<html><body><p>APT28 203.0.113[.]7</p></body></html>"))
	f.Add([]byte(`<meta property="article:published_time" content="2023-01-01"><time datetime="x">`))
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[[[{"datePublished":1}]]]}</script>`))
	f.Add([]byte("<table><tr><td>a<td>b</table><pre>x\n y</pre>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := report.HTML(data, "fuzz", "https://example.com/", report.Options{MaxText: 1 << 16})
		if err != nil {
			if !errors.Is(err, report.ErrUnreadable) {
				t.Fatalf("error outside ErrUnreadable: %v", err)
			}
			return
		}
		if doc.Text == "" || len(doc.Text) > 1<<16 {
			t.Fatalf("text length %d", len(doc.Text))
		}
	})
}
