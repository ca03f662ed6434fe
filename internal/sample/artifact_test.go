package sample_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
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

// objectStreamPDF writes a PDF 1.5 file as most writers now do: the Info
// dictionary compressed inside an object stream, found through a
// cross-reference stream, so its dates are not in the file's bytes.
func objectStreamPDF(t *testing.T, info string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	offsets := map[int]int{}
	obj := func(n int, body string) {
		offsets[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
	// Object 4 (the Info dictionary) lives in object stream 3.
	inner := "4 0 " + "<< " + info + " >>"
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(inner))
	zw.Close()
	offsets[3] = b.Len()
	fmt.Fprintf(&b, "3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	// The cross-reference stream, object 5: W [1 4 2] rows for objects 0–5.
	xref := b.Len()
	var rows bytes.Buffer
	row := func(typ byte, f2 uint32, f3 uint16) {
		rows.WriteByte(typ)
		binary.Write(&rows, binary.BigEndian, f2)
		binary.Write(&rows, binary.BigEndian, f3)
	}
	row(0, 0, 0xffff)
	row(1, uint32(offsets[1]), 0)
	row(1, uint32(offsets[2]), 0)
	row(1, uint32(offsets[3]), 0)
	row(2, 3, 0) // object 4: in stream 3, index 0
	row(1, uint32(xref), 0)
	fmt.Fprintf(&b, "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Info 4 0 R /Length %d >>\nstream\n", rows.Len())
	b.Write(rows.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

func TestInspectPDFObjectStream(t *testing.T) {
	data := objectStreamPDF(t, "/Title (Invoice) /CreationDate (D:20240312141500+04'00') /ModDate (D:20240313091500+04'00')")
	if bytes.Contains(data, []byte("CreationDate")) {
		t.Fatal("the fixture must hide its Info dictionary in a compressed stream")
	}
	a, err := sample.Inspect("invoice.pdf", data, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range a.Times {
		got = append(got, st.Field+" "+st.Time.Format(time.RFC3339)+" "+st.Offset)
	}
	want := []string{"PDF creation date 2024-03-12T10:15:00Z +04:00", "PDF modification date 2024-03-13T05:15:00Z +04:00"}
	if strings.Join(got, "|") != strings.Join(want, "|") || a.Title != "Invoice" {
		t.Errorf("times %q title %q, want %q and Invoice", got, a.Title, want)
	}
}
