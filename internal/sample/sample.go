// Package sample reads the files of an intrusion as attribution and
// time-dimension input. A Windows PE sample: file hashes, imphash, the
// header's compile time (with flags for the stamps that cannot be trusted),
// machine, sections, and the indicators in its ASCII and UTF-16LE strings.
// Inspect also reads lure documents and e-mails (artifact.go): PDF Info and
// XMP dates, OOXML core properties, the e-mail Date: header, each with the
// UTC offset the writer's clock recorded. It parses bytes only and never
// executes or renders anything; the file is opened by the caller.
package sample

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"debug/pe"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/spoor/spoor/internal/ioc"
)

// MaxSize bounds the bytes read from one sample, so a huge file cannot
// exhaust memory.
const MaxSize = 64 << 20

// DelphiStamp is the TimeDateStamp old Borland Delphi linkers write into
// every binary (1992-06-19 22:22:17 UTC): it says nothing about the build.
const DelphiStamp = 0x2A425E19

// Stamp flags name why a compile time is not activity evidence.
const (
	FlagZero   = "zero"
	FlagEarly  = "before 1992"
	FlagFuture = "in the future"
	FlagDelphi = "delphi constant"
)

// Section is one section header.
type Section struct {
	Name    string `json:"name"`
	Size    uint32 `json:"size"`
	Virtual uint32 `json:"virtual_size"`
}

// Sample is what a PE tells without running it.
type Sample struct {
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	MD5     string `json:"md5"`
	SHA1    string `json:"sha1"`
	SHA256  string `json:"sha256"`
	Imphash string `json:"imphash,omitempty"`
	// Compiled is the header's TimeDateStamp in UTC (second precision).
	Compiled time.Time `json:"compiled"`
	// StampFlag is empty when the stamp is plausible, else one of the Flag
	// constants; a flagged stamp is not used as an activity time.
	StampFlag  string      `json:"stamp_flag,omitempty"`
	Machine    string      `json:"machine"`
	Sections   []Section   `json:"sections"`
	Imports    []string    `json:"imports,omitempty"`
	Indicators []ioc.Match `json:"indicators,omitempty"`
}

// TrustedTime reports the compile time when its stamp is not flagged.
func (s *Sample) TrustedTime() (time.Time, bool) {
	return s.Compiled, s.StampFlag == ""
}

// Read parses the PE in r. name names the file in errors; now is the
// reference for future stamps. A truncated or non-PE input is one error
// naming the file.
func Read(name string, r io.Reader, now time.Time) (*Sample, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", name, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("sample %s: larger than %d bytes", name, MaxSize)
	}
	return Parse(name, data, now)
}

// Parse is Read over bytes already in memory.
func Parse(name string, data []byte, now time.Time) (s *Sample, err error) {
	if len(data) < 2 || data[0] != 'M' || data[1] != 'Z' {
		return nil, fmt.Errorf("sample %s: not a PE file (no MZ header)", name)
	}
	// debug/pe trusts header counts; a hostile header must become an error,
	// never a crash of the importer.
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("sample %s: malformed PE: %v", name, p)
		}
	}()
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("sample %s: not a valid PE file: %w", name, err)
	}
	defer f.Close()
	m5, s1, s256 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
	s = &Sample{
		Name: name, Size: int64(len(data)),
		MD5: hex.EncodeToString(m5[:]), SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s256[:]),
		Compiled: time.Unix(int64(f.FileHeader.TimeDateStamp), 0).UTC(),
		Machine:  machineName(f.FileHeader.Machine),
	}
	s.StampFlag = stampFlag(f.FileHeader.TimeDateStamp, now)
	for _, sec := range f.Sections {
		s.Sections = append(s.Sections, Section{Name: sec.Name, Size: sec.Size, Virtual: sec.VirtualSize})
	}
	if syms, err := f.ImportedSymbols(); err == nil {
		s.Imports = syms
		s.Imphash = Imphash(syms)
	}
	s.Indicators = ioc.Extract(Strings(data, 5), ioc.Options{Refang: true})
	return s, nil
}

// stampFlag says why a TimeDateStamp is not a build time, or "".
func stampFlag(v uint32, now time.Time) string {
	t := time.Unix(int64(v), 0).UTC()
	switch {
	case v == 0:
		return FlagZero
	case v == DelphiStamp:
		return FlagDelphi
	case t.Year() < 1992:
		return FlagEarly
	case !now.IsZero() && t.After(now):
		return FlagFuture
	}
	return ""
}

// Imphash is pefile's import hash over debug/pe's "func:dll" symbols: each
// import as lower-cased DLL name without a .dll/.ocx/.sys extension, ".",
// lower-cased function name, joined by "," in import order, MD5 in hex.
// debug/pe skips imports by ordinal, so for a sample importing by ordinal
// the value differs from pefile's (which writes ordN, or a name from its
// ws2_32/oleaut32 tables).
func Imphash(symbols []string) string {
	if len(symbols) == 0 {
		return ""
	}
	parts := make([]string, 0, len(symbols))
	for _, sym := range symbols {
		fn, dll, ok := strings.Cut(sym, ":")
		if !ok {
			continue
		}
		dll = strings.ToLower(dll)
		if i := strings.LastIndexByte(dll, '.'); i >= 0 {
			switch dll[i+1:] {
			case "dll", "ocx", "sys":
				dll = dll[:i]
			}
		}
		parts = append(parts, dll+"."+strings.ToLower(fn))
	}
	sum := md5.Sum([]byte(strings.Join(parts, ",")))
	return hex.EncodeToString(sum[:])
}

// Strings returns the printable ASCII runs and UTF-16LE runs of at least
// min characters in data, one a line, for the indicator scanner.
func Strings(data []byte, min int) string {
	var b strings.Builder
	start := -1
	for i := 0; i <= len(data); i++ {
		if i < len(data) && printable(data[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= min {
			b.Write(data[start:i])
			b.WriteByte('\n')
		}
		start = -1
	}
	// UTF-16LE: printable byte then zero, at either alignment.
	for align := 0; align < 2; align++ {
		var run []uint16
		for i := align; i+1 < len(data)+1; i += 2 {
			if i+1 < len(data) && printable(data[i]) && data[i+1] == 0 {
				run = append(run, uint16(data[i]))
				continue
			}
			if len(run) >= min {
				b.WriteString(string(utf16.Decode(run)))
				b.WriteByte('\n')
			}
			run = run[:0]
		}
	}
	return b.String()
}

func printable(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\t' }

func machineName(m uint16) string {
	switch m {
	case pe.IMAGE_FILE_MACHINE_I386:
		return "i386"
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return "amd64"
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return "arm64"
	case pe.IMAGE_FILE_MACHINE_ARMNT:
		return "armnt"
	case pe.IMAGE_FILE_MACHINE_IA64:
		return "ia64"
	}
	return fmt.Sprintf("0x%04x", m)
}
