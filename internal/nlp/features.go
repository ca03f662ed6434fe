package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token kinds, a coarse class of what a token is written like.
const (
	kindWord byte = iota
	kindNumber
	kindYear
	kindCVE
	kindTechnique
	kindHash
	kindIP
	kindURL
	kindEmail
	kindFile
	kindDomain
	kindVersion
	kindPath
	kindPunct
)

// fileExts are extensions that make a dotted token a file name.
var fileExts = map[string]bool{
	"exe": true, "dll": true, "sys": true, "scr": true, "bat": true, "cmd": true, "ps1": true, "vbs": true, "js": true,
	"jar": true, "doc": true, "docx": true, "docm": true, "xls": true, "xlsx": true, "xlsm": true, "ppt": true, "pptx": true,
	"rtf": true, "pdf": true, "zip": true, "rar": true, "7z": true, "lnk": true, "hta": true, "iso": true, "img": true,
	"msi": true, "py": true, "sh": true, "php": true, "asp": true, "aspx": true, "jsp": true, "dat": true, "tmp": true,
	"bin": true, "ocx": true, "cpl": true, "apk": true, "elf": true, "so": true, "txt": true, "log": true, "ini": true,
	"xml": true, "html": true, "htm": true, "chm": true, "wsf": true, "gz": true, "tar": true, "cab": true, "db": true,
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tokenKind classifies a token cheaply by how it is written.
func tokenKind(w string) byte {
	if w == "" {
		return kindPunct
	}
	lw := strings.ToLower(w)
	switch {
	case allDigits(w):
		if len(w) == 4 && (w[0] == '1' || w[0] == '2') {
			return kindYear
		}
		return kindNumber
	case strings.HasPrefix(lw, "cve-"):
		return kindCVE
	case (w[0] == 'T' || w[0] == 't') && len(w) >= 5 && allDigits(w[1:5]) && (len(w) == 5 || len(w) == 9 && w[5] == '.' && allDigits(w[6:])):
		return kindTechnique
	case (len(w) == 32 || len(w) == 40 || len(w) == 64 || len(w) == 128) && isHexString(w):
		return kindHash
	case strings.Contains(lw, "://") || strings.HasPrefix(lw, "hxxp"):
		return kindURL
	case strings.Contains(w, "@") && strings.Contains(w[strings.IndexByte(w, '@'):], "."):
		return kindEmail
	case strings.ContainsAny(w, `\/`) && len(w) > 2:
		return kindPath
	}
	if k := strings.LastIndexByte(lw, '.'); k > 0 && k < len(lw)-1 {
		ext := lw[k+1:]
		parts := strings.Split(lw, ".")
		num := true
		for _, p := range parts {
			if !allDigits(strings.TrimPrefix(p, "v")) {
				num = false
			}
		}
		switch {
		case num && len(parts) == 4:
			return kindIP
		case num:
			return kindVersion
		case fileExts[ext]:
			return kindFile
		case len(ext) >= 2 && isLetters(ext):
			return kindDomain
		}
	}
	r, _ := utf8.DecodeRuneInString(w)
	if utf8.RuneCountInString(w) == 1 && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return kindPunct
	}
	return kindWord
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// shape maps letters to X/x, digits to d and keeps other characters;
// runs are collapsed to at most two in the short shape.
func shape(w string) (full, short string) {
	var b, s strings.Builder
	var last rune
	run := 0
	n := 0
	for _, r := range w {
		var c rune
		switch {
		case unicode.IsUpper(r):
			c = 'X'
		case unicode.IsLetter(r):
			c = 'x'
		case unicode.IsDigit(r):
			c = 'd'
		default:
			c = r
		}
		if n < 12 {
			b.WriteRune(c)
		}
		n++
		if c == last {
			run++
		} else {
			run = 1
			last = c
		}
		if run <= 2 {
			s.WriteRune(c)
		}
	}
	return b.String(), s.String()
}

// tokInfo is what the features of a sentence need from each token.
type tokInfo struct {
	lower string
	shape string
	short string
	kind  byte
	gaz   string // B-type / I-type of the gazetteer match, or ""
	cap   bool
}

// feature template identifiers, hashed with their values.
const (
	fBias byte = iota + 1
	fWord
	fLower
	fPre1
	fPre2
	fPre3
	fPre4
	fSuf1
	fSuf2
	fSuf3
	fSuf4
	fShape
	fShort
	fKind
	fPrev
	fNext
	fPrev2
	fNext2
	fBiPrev
	fBiNext
	fShortPrev
	fShortNext
	fGaz
	fGazPrev
	fGazNext
	fGazCap
	fFirst
	fKindPrev
	fKindNext
	fLowerNoDigits
	fPrevNext
	fSufPrev
	fSufNext
	fTri
	fWordShapeNext
	fWordShapePrev
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashFeat(t byte, s string) uint64 {
	h := uint64(fnvOffset)
	h ^= uint64(t)
	h *= fnvPrime
	return hashStr(h, s)
}

func hashFeat2(t byte, a, b string) uint64 {
	h := hashFeat(t, a)
	h ^= 0xff
	h *= fnvPrime
	return hashStr(h, b)
}

// hashFeat3 is hashFeat2(t, a+" "+b, c) without building the string.
func hashFeat3(t byte, a, b, c string) uint64 {
	h := hashStr(hashStr(hashFeat(t, a), " "), b)
	h ^= 0xff
	h *= fnvPrime
	return hashStr(h, c)
}

// prefix and suffix return the first or last n runes of s, or "" when s is
// shorter.
func prefix(s string, n int) string {
	i := 0
	for k := 0; k < n; k++ {
		if i >= len(s) {
			return ""
		}
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return s[:i]
}

func suffix(s string, n int) string {
	i := len(s)
	for k := 0; k < n; k++ {
		if i <= 0 {
			return ""
		}
		_, sz := utf8.DecodeLastRuneInString(s[:i])
		i -= sz
	}
	return s[i:]
}

// infos computes the per-token information of a sentence.
func infos(tokens []string, gz *Gazetteer) []tokInfo {
	inf := make([]tokInfo, len(tokens))
	for i, w := range tokens {
		full, short := shape(w)
		r, _ := utf8.DecodeRuneInString(w)
		inf[i] = tokInfo{lower: strings.ToLower(w), shape: full, short: short, kind: tokenKind(w), cap: unicode.IsUpper(r)}
	}
	if gz != nil {
		gz.mark(inf)
	}
	return inf
}

func stripDigits(s string) string {
	if strings.IndexAny(s, "0123456789") < 0 {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '0'
		}
	}
	return string(b)
}

// features appends the hashed features of token i to dst.
func features(dst []uint64, tokens []string, inf []tokInfo, i int) []uint64 {
	t := &inf[i]
	at := func(k int) string {
		switch {
		case k < 0:
			return "<s>"
		case k >= len(inf):
			return "</s>"
		}
		return inf[k].lower
	}
	shortAt := func(k int) string {
		switch {
		case k < 0:
			return "<s>"
		case k >= len(inf):
			return "</s>"
		}
		return inf[k].short
	}
	kindAt := func(k int) string {
		switch {
		case k < 0:
			return "<s>"
		case k >= len(inf):
			return "</s>"
		}
		return string(rune('a' + inf[k].kind))
	}
	dst = append(dst,
		hashFeat(fBias, ""),
		hashFeat(fWord, tokens[i]),
		hashFeat(fLower, t.lower),
		hashFeat(fShape, t.shape),
		hashFeat(fShort, t.short),
		hashFeat(fKind, kindAt(i)),
		hashFeat(fPrev, at(i-1)),
		hashFeat(fNext, at(i+1)),
		hashFeat(fPrev2, at(i-2)),
		hashFeat(fNext2, at(i+2)),
		hashFeat2(fBiPrev, at(i-1), t.lower),
		hashFeat2(fBiNext, t.lower, at(i+1)),
		hashFeat2(fShortPrev, shortAt(i-1), t.short),
		hashFeat2(fShortNext, t.short, shortAt(i+1)),
		hashFeat(fKindPrev, kindAt(i-1)),
		hashFeat(fKindNext, kindAt(i+1)),
		hashFeat(fLowerNoDigits, stripDigits(t.lower)),
		hashFeat2(fPrevNext, at(i-1), at(i+1)),
		hashFeat3(fTri, at(i-1), t.lower, at(i+1)),
		hashFeat2(fWordShapeNext, t.lower, shortAt(i+1)),
		hashFeat2(fWordShapePrev, shortAt(i-1), t.lower),
	)
	if i > 0 {
		dst = append(dst, hashFeat(fSufPrev, suffix(inf[i-1].lower, 3)))
	}
	if i+1 < len(inf) {
		dst = append(dst, hashFeat(fSufNext, suffix(inf[i+1].lower, 3)))
	}
	if i == 0 {
		dst = append(dst, hashFeat(fFirst, t.short))
	}
	for n, tp := range [4]byte{fPre1, fPre2, fPre3, fPre4} {
		if p := prefix(t.lower, n+1); p != "" {
			dst = append(dst, hashFeat(tp, p))
		}
	}
	for n, tp := range [4]byte{fSuf1, fSuf2, fSuf3, fSuf4} {
		if s := suffix(t.lower, n+1); s != "" {
			dst = append(dst, hashFeat(tp, s))
		}
	}
	if t.gaz != "" {
		c := "l"
		if t.cap {
			c = "u"
		}
		dst = append(dst, hashFeat(fGaz, t.gaz), hashFeat2(fGazCap, t.gaz, c))
	}
	if i > 0 && inf[i-1].gaz != "" {
		dst = append(dst, hashFeat(fGazPrev, inf[i-1].gaz))
	}
	if i+1 < len(inf) && inf[i+1].gaz != "" {
		dst = append(dst, hashFeat(fGazNext, inf[i+1].gaz))
	}
	return dst
}
