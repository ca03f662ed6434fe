package sample_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/sample"
	"github.com/spoor/spoor/internal/sample/sampletest"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// pdf is a minimal PDF whose Info dictionary dates it at 14:15 on the
// writer's UTC+04:00 clock, modified in the future.
func pdf(info string) []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< " + info + " >>\nendobj\n" +
		"trailer\n<< /Root 1 0 R /Info 2 0 R >>\n%%EOF\n")
}

// docx is an OOXML package with a core.xml as Word writes it.
func docx(t *testing.T, core string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>", "docProps/core.xml": core} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const coreXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>Invitation &amp; agenda</dc:title><dc:creator>user</dc:creator>
<dcterms:created xsi:type="dcterms:W3CDTF">2006-09-16T00:00:00Z</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-12T10:15:00Z</dcterms:modified>
</cp:coreProperties>`

const eml = "Received: from mx.example.net by mail.victim.test; Tue, 12 Mar 2024 10:20:00 +0000\r\n" +
	"From: \"HR\" <hr@mail-update.info>\r\nReply-To: payroll@secure-payroll.info\r\n" +
	"Subject: Salary review\r\nDate: Tue, 12 Mar 2024 14:15:00 +0400\r\nX-Originating-IP: [81.2.69.142]\r\n\r\n" +
	"Please open https://secure-payroll.info/review.doc before Friday.\r\n"

func TestInspectKinds(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       []byte
		kind       string
		title      string
		times      []string // field at instant [offset]
		flags      int
		indicators []string
	}{
		{"a.exe", sampletest.BuildPE(uint32(time.Date(2024, 3, 12, 10, 15, 0, 0, time.UTC).Unix()), []byte("http://update.mail-update.info/x\x00")),
			sample.KindPE, "", []string{"compile time 2024-03-12T10:15:00Z"}, 0, []string{"http://update.mail-update.info/x"}},
		{"zero.exe", sampletest.BuildPE(0, nil), sample.KindPE, "", nil, 1, nil},
		{"lure.pdf", pdf("/Title (Agenda) /CreationDate (D:20240312141500+04'00') /ModDate (D:20270101000000Z)"),
			sample.KindPDF, "Agenda", []string{"PDF creation date 2024-03-12T10:15:00Z +04:00"}, 1, nil},
		{"lure.docx", docx(t, coreXML), sample.KindOffice, "Invitation & agenda",
			[]string{"Office creation time 2006-09-16T00:00:00Z", "Office modification time 2024-03-12T10:15:00Z"}, 0, nil},
		{"phish.eml", []byte(eml), sample.KindEmail, "Salary review", []string{"e-mail Date 2024-03-12T10:15:00Z +04:00"}, 0,
			[]string{"hr@mail-update.info", "payroll@secure-payroll.info", "81.2.69.142", "https://secure-payroll.info/review.doc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := sample.Inspect(tc.name, tc.data, now)
			if err != nil {
				t.Fatal(err)
			}
			if a.Kind != tc.kind || a.Title != tc.title || len(a.SHA256) != 64 || len(a.MD5) != 32 || a.Size != int64(len(tc.data)) {
				t.Errorf("artifact %+v", a)
			}
			var got []string
			for _, st := range a.Times {
				s := st.Field + " " + st.Time.Format(time.RFC3339)
				if st.Offset != "" {
					s += " " + st.Offset
				}
				got = append(got, s)
			}
			if strings.Join(got, "|") != strings.Join(tc.times, "|") {
				t.Errorf("times %q, want %q", got, tc.times)
			}
			if len(a.Flags) != tc.flags {
				t.Errorf("flags %q, want %d", a.Flags, tc.flags)
			}
			var values []string
			for _, m := range a.Indicators {
				values = append(values, m.Value)
			}
			for _, want := range tc.indicators {
				if !strings.Contains(strings.Join(values, " "), want) {
					t.Errorf("indicators %q lack %q", values, want)
				}
			}
		})
	}
}

func TestInspectRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"notes.txt", []byte("just some notes\nnothing else\n"), "not a PE, PDF, Office"},
		{"cut.pdf", []byte("%PDF-1.4\n1 0 obj\n<< /CreationDate (D:20240312141500+04'00')"), "truncated PDF"},
		{"archive.zip", docx(t, "")[:0:0], "not a PE"},
		{"plain.zip", func() []byte {
			var b bytes.Buffer
			zw := zip.NewWriter(&b)
			w, _ := zw.Create("readme.txt")
			w.Write([]byte("hi"))
			zw.Close()
			return b.Bytes()
		}(), "without docProps/core.xml"},
		{"bad-core.docx", docx(t, "<cp:coreProperties><dcterms:created>"), "docProps/core.xml"},
		{"cut.exe", sampletest.BuildPE(1, nil)[:70], "cut.exe"},
	} {
		_, err := sample.Inspect(tc.name, tc.data, now)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", tc.name, err, tc.want)
		}
	}
}

func FuzzInspect(f *testing.F) {
	f.Add([]byte(eml))
	f.Add(pdf("/CreationDate (D:20240312141500+04'00')"))
	f.Add(sampletest.BuildPE(7, []byte("x")))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := sample.Inspect("fuzz", b, now)
		if err == nil && (a.Kind == "" || len(a.SHA256) != 64) {
			t.Errorf("accepted without a kind or hash: %+v", a)
		}
	})
}
