package nlp

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Sentence is one labelled sentence: tokens and their BIO tags. Doc names
// the document it belongs to (AnnoCTR), or is empty.
type Sentence struct {
	Tokens []string
	Tags   []string
	Doc    int
}

// DNRTITypes are DNRTI's 13 entity types.
var DNRTITypes = []string{"HackOrg", "OffAct", "SamFile", "SecTeam", "Tool", "Time", "Purp", "Area", "Idus", "Org", "Way", "Exp", "Features"}

// AnnoCTRTypes are the 11 types of AnnoCTR's merged tag column.
var AnnoCTRTypes = []string{"CLICommand/CodeSnippet", "CON", "DATE", "GROUP", "LOC", "MALWARE", "ORG", "SECTOR", "TACTIC", "TECHNIQUE", "TOOL"}

// ParseError names the input and line a corpus reader could not read.
type ParseError struct {
	Name string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// checkTag reports whether tag is O or B-/I- of one of types.
func checkTag(tag string, types map[string]bool) bool {
	if tag == "O" {
		return true
	}
	if len(tag) < 3 || tag[1] != '-' || tag[0] != 'B' && tag[0] != 'I' {
		return false
	}
	return types[tag[2:]]
}

func typeSet(types []string) map[string]bool {
	m := make(map[string]bool, len(types))
	for _, t := range types {
		m[t] = true
	}
	return m
}

// ReadDNRTI reads DNRTI's format: one "token TAG" pair a line, the tag after
// the last space (upstream keeps a few empty tokens and tokens with a space),
// a blank line between sentences. name labels errors. A line without a
// valid tag is an error naming name and the line.
func ReadDNRTI(r io.Reader, name string) ([]Sentence, error) {
	return readColumns(r, name, DNRTITypes, func(line string) (string, string, bool) {
		line = strings.TrimRight(line, " ") // a few lines end in a space
		k := strings.LastIndexByte(line, ' ')
		if k < 0 {
			// Upstream has a few lines holding only a tag: an empty token.
			return "", line, line == "O" || strings.HasPrefix(line, "B-") || strings.HasPrefix(line, "I-")
		}
		return line[:k], line[k+1:], true
	})
}

// ReadAnnoCTR reads AnnoCTR's .bio format: a token and six tab-separated tag
// columns, of which the last (all 11 types merged) is used; "<DOCSTART>"
// opens a document, blank lines separate sentences. Sentence.Doc numbers
// the documents from 0. A line with another number of columns or a bad tag
// is an error naming name and the line.
func ReadAnnoCTR(r io.Reader, name string) ([]Sentence, error) {
	return readColumns(r, name, AnnoCTRTypes, func(line string) (string, string, bool) {
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return "", "", false
		}
		return f[0], f[6], true
	})
}

// ReadCoNLL reads a generic CoNLL file: whitespace-separated columns, the
// token first and the gold tag last, a blank line between sentences. Any
// BIO type is accepted; types returns the types seen, sorted by first use.
func ReadCoNLL(r io.Reader, name string) ([]Sentence, []string, error) {
	var types []string
	seen := map[string]bool{}
	sents, err := readColumns(r, name, nil, func(line string) (string, string, bool) {
		f := strings.Fields(line)
		if len(f) < 2 {
			return "", "", false
		}
		tag := f[len(f)-1]
		if len(tag) > 2 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-' && !seen[tag[2:]] {
			seen[tag[2:]] = true
			types = append(types, tag[2:])
		}
		return f[0], tag, true
	})
	return sents, types, err
}

// readColumns is the reader the formats share. types nil accepts any type.
func readColumns(r io.Reader, name string, types []string, split func(string) (tok, tag string, ok bool)) ([]Sentence, error) {
	var allowed map[string]bool
	if types != nil {
		allowed = typeSet(types)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []Sentence
	var cur Sentence
	doc := -1
	flush := func() {
		if len(cur.Tokens) > 0 {
			cur.Doc = max(doc, 0)
			out = append(out, cur)
		}
		cur = Sentence{}
	}
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if strings.HasPrefix(line, "<DOCSTART>") || strings.HasPrefix(line, "-DOCSTART-") {
			flush()
			doc++
			continue
		}
		tok, tag, ok := split(line)
		if !ok {
			return nil, &ParseError{name, n, fmt.Sprintf("cannot read %q as a token and its tag", clip(line))}
		}
		if allowed != nil && !checkTag(tag, allowed) || allowed == nil && tag != "O" && !(len(tag) > 2 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-') {
			return nil, &ParseError{name, n, fmt.Sprintf("unknown tag %q", clip(tag))}
		}
		cur.Tokens = append(cur.Tokens, tok)
		cur.Tags = append(cur.Tags, tag)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	flush()
	return out, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
