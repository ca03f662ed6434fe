package sample

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/spoor/spoor/internal/sample/sampletest"
)

func buildPE(t testing.TB, stamp uint32, body []byte) []byte {
	t.Helper()
	return sampletest.BuildPE(stamp, body)
}

func utf16le(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	body := append([]byte("\x00\x01beacon to update.evil-c2.xyz now\x00\x02"), utf16le("http://203.0.113.7/gate.php")...)
	good := buildPE(t, 1577880000, body) // 2020-01-01 12:00:00 UTC
	tests := []struct {
		name     string
		data     []byte
		wantErr  string
		wantFlag string
		wantTime time.Time
	}{
		{"good", good, "", "", time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)},
		{"zero stamp", buildPE(t, 0, body), "", FlagZero, time.Unix(0, 0).UTC()},
		{"delphi", buildPE(t, DelphiStamp, body), "", FlagDelphi, time.Date(1992, 6, 19, 22, 22, 17, 0, time.UTC)},
		{"early", buildPE(t, 86400*365*10, body), "", FlagEarly, time.Unix(86400*365*10, 0).UTC()},
		{"future", buildPE(t, uint32(now.Add(48*time.Hour).Unix()), body), "", FlagFuture, now.Add(48 * time.Hour)},
		{"not PE", []byte("%PDF-1.4 hello"), "no MZ header", "", time.Time{}},
		{"truncated", good[:0x50], "not a valid PE file", "", time.Time{}},
		{"empty", nil, "no MZ header", "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("x.exe", tt.data, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "x.exe") {
					t.Fatalf("err = %v, want one naming x.exe and %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.StampFlag != tt.wantFlag || !s.Compiled.Equal(tt.wantTime) {
				t.Errorf("stamp = %v flag %q, want %v flag %q", s.Compiled, s.StampFlag, tt.wantTime, tt.wantFlag)
			}
			if _, ok := s.TrustedTime(); ok != (tt.wantFlag == "") {
				t.Errorf("TrustedTime ok = %v with flag %q", ok, s.StampFlag)
			}
		})
	}
	s, err := Parse("good.exe", good, now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Machine != "i386" || len(s.Sections) != 1 || s.Sections[0].Name != ".data" || s.Size != int64(len(good)) {
		t.Errorf("header = %s %+v size %d", s.Machine, s.Sections, s.Size)
	}
	if len(s.SHA256) != 64 || len(s.SHA1) != 40 || len(s.MD5) != 32 {
		t.Errorf("hashes = %s %s %s", s.MD5, s.SHA1, s.SHA256)
	}
	got := map[string]bool{}
	for _, m := range s.Indicators {
		got[m.Type.String()+" "+m.Value] = true
	}
	for _, want := range []string{"domain update.evil-c2.xyz", "url http://203.0.113.7/gate.php"} {
		if !got[want] {
			t.Errorf("indicator %q not found in %v", want, got)
		}
	}
}

// The expected value was computed independently of this code with
// /usr/bin/python3 -c 'import hashlib; print(hashlib.md5(b"kernel32.createfilew,
// ws2_32.connect,mscomctl.dllregisterserver,drv.sys.open").hexdigest())'
// (the string written by hand from pefile's rules; pefile is not installed).
func TestImphash(t *testing.T) {
	syms := []string{"CreateFileW:KERNEL32.dll", "connect:WS2_32.DLL", "DllRegisterServer:MSCOMCTL.OCX", "Open:drv.sys.sys"}
	if got, want := Imphash(syms), "33372d1f27378571f08bda71b9289d95"; got != want {
		t.Errorf("Imphash = %s, want %s", got, want)
	}
	if got := Imphash(nil); got != "" {
		t.Errorf("Imphash(nil) = %q, want empty", got)
	}
}

func TestRead(t *testing.T) {
	good := buildPE(t, 1577880000, []byte("x"))
	s, err := Read("r.exe", bytes.NewReader(good), now)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Parse("r.exe", good, now)
	if s.SHA256 != p.SHA256 {
		t.Errorf("Read and Parse disagree: %s %s", s.SHA256, p.SHA256)
	}
}

func FuzzReadPE(f *testing.F) {
	f.Add(buildPE(f, 1577880000, []byte("evil.example.com")))
	f.Add(buildPE(f, 0, nil))
	f.Add([]byte("MZ"))
	f.Add([]byte("not a pe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.exe", data, now)
		if err == nil && (s == nil || len(s.SHA256) != 64) {
			t.Fatalf("no error but sample %+v", s)
		}
		if err != nil && !strings.Contains(err.Error(), "fuzz.exe") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
