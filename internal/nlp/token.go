package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/ioc"
)

// Token is one token of a text: its text as written and its byte offsets.
type Token struct {
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// splitPunct are the characters that stand alone as tokens when they lead or
// trail a run of non-space characters.
const splitPunct = "()[]{}\"'“”‘’,;:!?«»<>"

// abbreviations end with a period that ends no sentence.
var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "etc": true, "vs": true, "mr": true, "mrs": true, "dr": true, "inc": true,
	"ltd": true, "co": true, "corp": true, "jan": true, "feb": true, "mar": true, "apr": true, "jun": true,
	"jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "no": true,
	"u.s": true, "u.k": true, "st": true, "fig": true, "al": true, "approx": true, "ver": true, "v": true,
}

// Tokenize splits text into tokens. Indicators the IOC scanner finds (URLs,
// domains, addresses, hashes, e-mail addresses, CVE and ATT&CK IDs, paths,
// file names, registry keys) are single tokens whatever punctuation they
// hold, and so are versions (1.2.3, v2.0) and words with inner punctuation
// (admin@338, non-public, U.S.); other leading and trailing punctuation and a
// sentence-final period are tokens of their own.
func Tokenize(text string) []Token {
	var protected [][2]int
	for _, m := range ioc.Extract(text, ioc.Options{}) {
		s := int(m.Offset)
		e := s + len(m.Raw)
		if len(protected) > 0 && s < protected[len(protected)-1][1] {
			continue
		}
		protected = append(protected, [2]int{s, e})
	}
	var toks []Token
	p := 0
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		// A run of non-space characters, extended over protected spans
		// (a Windows path may hold a space).
		j := i
		for j < len(text) {
			for p < len(protected) && protected[p][1] <= j {
				p++
			}
			if p < len(protected) && protected[p][0] <= j && j < protected[p][1] {
				j = protected[p][1]
				continue
			}
			r, n := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		toks = splitRun(toks, text, i, j, protected)
		i = j
	}
	return toks
}

// splitRun appends the tokens of text[s:e], a run without spaces outside
// protected spans.
func splitRun(toks []Token, text string, s, e int, protected [][2]int) []Token {
	inProt := func(a, b int) (int, int, bool) {
		for _, pr := range protected {
			if pr[0] < b && a < pr[1] {
				return pr[0], pr[1], true
			}
		}
		return 0, 0, false
	}
	// Leading punctuation.
	for s < e {
		if ps, _, ok := inProt(s, s+1); ok && ps <= s {
			break
		}
		r, n := utf8.DecodeRuneInString(text[s:])
		if !strings.ContainsRune(splitPunct, r) {
			break
		}
		toks = append(toks, Token{text[s : s+n], s, s + n})
		s += n
	}
	// Trailing punctuation, collected backwards.
	var tail []Token
	for e > s {
		if _, pe, ok := inProt(e-1, e); ok && pe >= e {
			break
		}
		r, n := utf8.DecodeLastRuneInString(text[s:e])
		if strings.ContainsRune(splitPunct, r) || r == '.' && keepsPeriodApart(text[s:e]) {
			tail = append(tail, Token{text[e-n : e], e - n, e})
			e -= n
			continue
		}
		break
	}
	if e > s {
		// Inner splits: a protected span glued to words on either side
		// ("(see:CVE-2021-1234)" is already split above; "file.exe," too).
		toks = splitInner(toks, text, s, e, protected)
	}
	for k := len(tail) - 1; k >= 0; k-- {
		toks = append(toks, tail[k])
	}
	return toks
}

// splitInner separates protected spans from text glued to them by a
// separator such as a slash or a comma; otherwise the run is one token.
func splitInner(toks []Token, text string, s, e int, protected [][2]int) []Token {
	cur := s
	for _, pr := range protected {
		if pr[1] <= s || pr[0] >= e {
			continue
		}
		ps, pe := max(pr[0], s), min(pr[1], e)
		if ps > cur && isSep(text[ps-1]) {
			toks = appendTrim(toks, text, cur, ps)
			cur = ps
		}
		if ps == cur && (pe == e || isSep(text[pe])) {
			toks = append(toks, Token{text[ps:pe], ps, pe})
			cur = pe
		}
	}
	if cur < e {
		toks = appendTrim(toks, text, cur, e)
	}
	return toks
}

func isSep(b byte) bool {
	return b == ',' || b == ';' || b == '(' || b == ')' || b == '"' || b == '\'' || b == '='
}

// appendTrim appends text[s:e] as tokens, separators standing alone.
func appendTrim(toks []Token, text string, s, e int) []Token {
	a := s
	for k := s; k < e; k++ {
		if isSep(text[k]) {
			if k > a {
				toks = append(toks, Token{text[a:k], a, k})
			}
			toks = append(toks, Token{text[k : k+1], k, k + 1})
			a = k + 1
		}
	}
	if e > a {
		toks = append(toks, Token{text[a:e], a, e})
	}
	return toks
}

// keepsPeriodApart reports whether the period ending w is punctuation rather
// than part of the word: not in an abbreviation, an initial (J.) or a dotted
// acronym (U.S.).
func keepsPeriodApart(w string) bool {
	body := strings.TrimSuffix(w, ".")
	if body == "" || strings.HasSuffix(body, ".") {
		return body != ""
	}
	if abbreviations[strings.ToLower(body)] {
		return false
	}
	if utf8.RuneCountInString(body) == 1 && unicode.IsUpper([]rune(body)[0]) {
		return false
	}
	// U.S. / e.g. : single letters between periods.
	if strings.Contains(body, ".") {
		single := true
		for _, part := range strings.Split(body, ".") {
			if utf8.RuneCountInString(part) != 1 {
				single = false
			}
		}
		if single {
			return false
		}
	}
	return true
}

// Sentences splits text into sentences of tokens. A sentence ends at a
// blank line, or after a token ".", "!" or "?" followed by a token that
// starts with an upper-case letter, a digit or an opening quote or bracket.
func Sentences(text string) [][]Token {
	toks := Tokenize(text)
	var out [][]Token
	start := 0
	for i := range toks {
		end := false
		if i+1 < len(toks) {
			gap := text[toks[i].End:toks[i+1].Start]
			if strings.Count(gap, "\n") >= 2 {
				end = true
			} else if t := toks[i].Text; t == "." || t == "!" || t == "?" {
				r, _ := utf8.DecodeRuneInString(toks[i+1].Text)
				end = unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"“'‘([", r)
			}
		} else {
			end = true
		}
		if end {
			out = append(out, toks[start:i+1])
			start = i + 1
		}
	}
	return out
}
