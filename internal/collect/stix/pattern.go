package stix

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file is a parser for the STIX 2.1 patterning language (STIX 2.1
// part 9): a lexer and a recursive-descent parser that build a small
// syntax tree. spoor reads indicators from it; it does not evaluate
// patterns against observed data.
//
// Grammar (precedence from loosest to tightest):
//
//	pattern     = obsExpr EOF
//	obsExpr     = obsOr { "FOLLOWEDBY" obsOr }
//	obsOr       = obsAnd { "OR" obsAnd }
//	obsAnd      = obsQual { "AND" obsQual }
//	obsQual     = obsAtom { qualifier }
//	obsAtom     = "[" compExpr "]" | "(" obsExpr ")"
//	qualifier   = "WITHIN" number "SECONDS" | "REPEATS" int "TIMES"
//	            | "START" t'…' "STOP" t'…'
//	compExpr    = compAnd { "OR" compAnd }
//	compAnd     = compTest { "AND" compTest }
//	compTest    = "(" compExpr ")" | "EXISTS" path
//	            | path ["NOT"] op literal
//	op          = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" | "IN" | "LIKE"
//	            | "MATCHES" | "ISSUBSET" | "ISSUPERSET"
//	path        = objectType ":" step { "." step | "[" (int | "*") "]" }
//	literal     = 'string' | int | float | true | false | b'…' | h'…' | t'…'
//	            | "(" literal { "," literal } ")"     (IN only)

// maxPatternDepth bounds nesting so that a hostile pattern cannot exhaust
// the stack of the recursive-descent parser.
const maxPatternDepth = 100

// PatternError is a syntax error in a pattern with the byte offset (0-based)
// where it was found.
type PatternError struct {
	Offset  int
	Message string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("pattern offset %d: %s", e.Offset, e.Message)
}

// Pattern is a parsed STIX pattern.
type Pattern struct {
	Root ObsExpr
}

// ObsExpr is an observation expression: *Observation, *ObsBinary or
// *ObsQualified.
type ObsExpr interface{ obsExpr() }

// Observation is one bracketed observation: [comparison expression].
type Observation struct {
	Comp CompExpr
}

// ObsBinary joins two observation expressions with AND, OR or FOLLOWEDBY.
type ObsBinary struct {
	Op          string
	Left, Right ObsExpr
}

// ObsQualified is an observation expression with a qualifier.
type ObsQualified struct {
	Expr      ObsExpr
	Qualifier Qualifier
}

// Qualifier is WITHIN n SECONDS, REPEATS n TIMES or START t STOP t.
type Qualifier struct {
	Kind        string // "WITHIN", "REPEATS" or "START"
	Seconds     float64
	Times       int
	Start, Stop time.Time
}

func (*Observation) obsExpr()  {}
func (*ObsBinary) obsExpr()    {}
func (*ObsQualified) obsExpr() {}

// CompExpr is a comparison expression: *Comparison, *CompBinary or
// *Exists.
type CompExpr interface{ compExpr() }

// CompBinary joins two comparison expressions with AND or OR.
type CompBinary struct {
	Op          string
	Left, Right CompExpr
}

// Comparison tests an object path against a literal.
type Comparison struct {
	Path   ObjectPath
	Negate bool   // NOT before the operator
	Op     string // "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"
	Value  Literal
}

// Exists is EXISTS path.
type Exists struct {
	Path ObjectPath
}

func (*CompBinary) compExpr() {}
func (*Comparison) compExpr() {}
func (*Exists) compExpr()     {}

// ObjectPath is a cyber-observable object type and a property path, such as
// file:hashes.'SHA-256' (Steps "hashes", "SHA-256").
type ObjectPath struct {
	Type  string
	Steps []string // property names; list indexes are "[0]" or "[*]"
}

// String writes the path as a pattern would, quoting steps that are not
// plain identifiers.
func (p ObjectPath) String() string {
	var b strings.Builder
	b.WriteString(p.Type)
	b.WriteByte(':')
	for i, s := range p.Steps {
		switch {
		case strings.HasPrefix(s, "["):
			b.WriteString(s)
			continue
		case i > 0:
			b.WriteByte('.')
		}
		if plainIdent(s) {
			b.WriteString(s)
		} else {
			b.WriteString(quote(s))
		}
	}
	return b.String()
}

func plainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isIdentStart(c) || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return true
}

func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, `'`, `\'`) + "'"
}

// Literal is a constant in a comparison. Kind is "string", "int",
// "float", "bool", "binary", "hex", "timestamp" or "set" (IN's list, in
// Set). Text is the value as read (strings unescaped, numbers as written).
type Literal struct {
	Kind string
	Text string
	Set  []Literal
}

// ParsePattern parses a STIX 2.1 pattern. A syntax error is a
// *PatternError naming the byte offset.
func ParsePattern(s string) (*Pattern, error) {
	p := &patParser{lx: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	root, err := p.obsExpr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf("unexpected %s after the pattern", p.tok)
	}
	return &Pattern{Root: root}, nil
}

// Token kinds.
const (
	tEOF = iota
	tIdent
	tString
	tInt
	tFloat
	tBinary
	tHex
	tTimestamp
	tPunct // [ ] ( ) : . , * and comparison operators
)

type token struct {
	kind int
	text string // identifier or punctuation as written; literal value unescaped
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of pattern"
	case tString:
		return "string " + quote(t.text)
	case tIdent:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }

// next returns the next token. Identifiers may contain hyphens (object
// types such as network-traffic); the parser decides where that is allowed.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && strings.IndexByte(" \t\r\n", l.src[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	// Prefixed literals: b'base64', h'hex', t'timestamp'.
	if (c == 'b' || c == 'h' || c == 't') && l.pos+1 < len(l.src) && l.src[l.pos+1] == '\'' {
		l.pos++
		s, err := l.str()
		if err != nil {
			return token{}, err
		}
		switch c {
		case 'b':
			if !validBase64(s) {
				return token{}, &PatternError{start, "binary literal is not base64"}
			}
			return token{kind: tBinary, text: s, pos: start}, nil
		case 'h':
			if len(s)%2 != 0 || strings.Trim(s, "0123456789abcdefABCDEF") != "" {
				return token{}, &PatternError{start, "hex literal needs an even number of hex digits"}
			}
			return token{kind: tHex, text: s, pos: start}, nil
		default:
			if _, err := parseTime(s); err != nil {
				return token{}, &PatternError{start, "timestamp literal " + quote(s) + " is not RFC 3339"}
			}
			return token{kind: tTimestamp, text: s, pos: start}, nil
		}
	}
	switch {
	case isIdentStart(c):
		l.pos++
		for l.pos < len(l.src) && (isIdentStart(l.src[l.pos]) || isDigit(l.src[l.pos]) || l.src[l.pos] == '-') {
			l.pos++
		}
		return token{kind: tIdent, text: l.src[start:l.pos], pos: start}, nil
	case c == '\'':
		s, err := l.str()
		if err != nil {
			return token{}, err
		}
		return token{kind: tString, text: s, pos: start}, nil
	case c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1]),
		(c == '-' || c == '+') && l.pos+2 < len(l.src) && l.src[l.pos+1] == '.' && isDigit(l.src[l.pos+2]):
		// A float without an integer part (.5, -.5), as the grammar allows.
		if c != '.' {
			l.pos++
		}
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tFloat, text: l.src[start:l.pos], pos: start}, nil
	case isDigit(c) || ((c == '-' || c == '+') && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])):
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		kind := tInt
		if l.pos < len(l.src) && l.src[l.pos] == '.' {
			l.pos++
			if l.pos >= len(l.src) || !isDigit(l.src[l.pos]) {
				return token{}, &PatternError{l.pos, "digit expected after the decimal point"}
			}
			for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
				l.pos++
			}
			kind = tFloat
		}
		return token{kind: kind, text: l.src[start:l.pos], pos: start}, nil
	}
	for _, op := range []string{"!=", "<>", "<=", ">="} {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += 2
			return token{kind: tPunct, text: op, pos: start}, nil
		}
	}
	if strings.IndexByte("[]():.,*=<>", c) >= 0 {
		l.pos++
		return token{kind: tPunct, text: string(c), pos: start}, nil
	}
	return token{}, &PatternError{start, fmt.Sprintf("unexpected character %q", rune(c))}
}

// str reads a quoted string at l.pos. The only escapes are \' and \\.
func (l *lexer) str() (string, error) {
	start := l.pos
	l.pos++ // opening quote
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case '\'':
			l.pos++
			return b.String(), nil
		case '\\':
			if l.pos+1 >= len(l.src) {
				return "", &PatternError{l.pos, "unterminated escape"}
			}
			e := l.src[l.pos+1]
			if e != '\'' && e != '\\' {
				return "", &PatternError{l.pos, fmt.Sprintf("invalid escape \\%c (only \\' and \\\\)", e)}
			}
			b.WriteByte(e)
			l.pos += 2
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return "", &PatternError{start, "unterminated string"}
}

func validBase64(s string) bool {
	if len(s)%4 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := isIdentStart(c) && c != '_' || isDigit(c) || c == '+' || c == '/' || (c == '=' && i >= len(s)-2)
		if !ok {
			return false
		}
	}
	return true
}

type patParser struct {
	lx  lexer
	tok token
}

func (p *patParser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *patParser) errorf(format string, args ...any) error {
	return &PatternError{Offset: p.tok.pos, Message: fmt.Sprintf(format, args...)}
}

func (p *patParser) is(kind int, text string) bool {
	return p.tok.kind == kind && p.tok.text == text
}

func (p *patParser) expect(kind int, text, what string) error {
	if !p.is(kind, text) {
		return p.errorf("%s expected, found %s", what, p.tok)
	}
	return p.advance()
}

func (p *patParser) deeper(depth int) error {
	if depth > maxPatternDepth {
		return p.errorf("pattern nests deeper than %d", maxPatternDepth)
	}
	return nil
}

// obsExpr parses FOLLOWEDBY, then OR, then AND joins of observations.
func (p *patParser) obsExpr(depth int) (ObsExpr, error) {
	return p.obsJoin(depth, 0)
}

var obsOps = []string{"FOLLOWEDBY", "OR", "AND"}

func (p *patParser) obsJoin(depth, level int) (ObsExpr, error) {
	if level == len(obsOps) {
		return p.obsQual(depth)
	}
	left, err := p.obsJoin(depth, level+1)
	if err != nil {
		return nil, err
	}
	for p.is(tIdent, obsOps[level]) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.obsJoin(depth, level+1)
		if err != nil {
			return nil, err
		}
		left = &ObsBinary{Op: obsOps[level], Left: left, Right: right}
	}
	return left, nil
}

func (p *patParser) obsQual(depth int) (ObsExpr, error) {
	e, err := p.obsAtom(depth)
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tIdent {
		var q Qualifier
		switch p.tok.text {
		case "WITHIN":
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != tInt && p.tok.kind != tFloat {
				return nil, p.errorf("number of seconds expected after WITHIN, found %s", p.tok)
			}
			v, err := strconv.ParseFloat(p.tok.text, 64)
			if err != nil || v <= 0 {
				return nil, p.errorf("WITHIN needs a positive number of seconds")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.expect(tIdent, "SECONDS", "SECONDS"); err != nil {
				return nil, err
			}
			q = Qualifier{Kind: "WITHIN", Seconds: v}
		case "REPEATS":
			if err := p.advance(); err != nil {
				return nil, err
			}
			n, err := strconv.Atoi(p.tok.text)
			if p.tok.kind != tInt || err != nil || n <= 0 {
				return nil, p.errorf("positive integer expected after REPEATS, found %s", p.tok)
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.expect(tIdent, "TIMES", "TIMES"); err != nil {
				return nil, err
			}
			q = Qualifier{Kind: "REPEATS", Times: n}
		case "START":
			if err := p.advance(); err != nil {
				return nil, err
			}
			start, err := p.timestamp("START")
			if err != nil {
				return nil, err
			}
			if err := p.expect(tIdent, "STOP", "STOP"); err != nil {
				return nil, err
			}
			stop, err := p.timestamp("STOP")
			if err != nil {
				return nil, err
			}
			q = Qualifier{Kind: "START", Start: start, Stop: stop}
		default:
			return e, nil
		}
		e = &ObsQualified{Expr: e, Qualifier: q}
	}
	return e, nil
}

func (p *patParser) timestamp(after string) (time.Time, error) {
	if p.tok.kind == tString {
		// STIX 2.0 wrote START '…' STOP '…' without the t prefix.
		if t, err := parseTime(p.tok.text); err == nil {
			return t, p.advance()
		}
	}
	if p.tok.kind != tTimestamp {
		return time.Time{}, p.errorf("t'…' timestamp expected after %s, found %s", after, p.tok)
	}
	t, _ := parseTime(p.tok.text) // checked by the lexer
	return t, p.advance()
}

func (p *patParser) obsAtom(depth int) (ObsExpr, error) {
	if err := p.deeper(depth); err != nil {
		return nil, err
	}
	switch {
	case p.is(tPunct, "["):
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.compJoin(depth+1, 0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tPunct, "]", "\"]\""); err != nil {
			return nil, err
		}
		return &Observation{Comp: c}, nil
	case p.is(tPunct, "("):
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.obsExpr(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tPunct, ")", "\")\""); err != nil {
			return nil, err
		}
		return e, nil
	}
	return nil, p.errorf("\"[\" or \"(\" expected, found %s", p.tok)
}

var compOps = []string{"OR", "AND"}

func (p *patParser) compJoin(depth, level int) (CompExpr, error) {
	if level == len(compOps) {
		return p.compTest(depth)
	}
	left, err := p.compJoin(depth, level+1)
	if err != nil {
		return nil, err
	}
	for p.is(tIdent, compOps[level]) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.compJoin(depth, level+1)
		if err != nil {
			return nil, err
		}
		left = &CompBinary{Op: compOps[level], Left: left, Right: right}
	}
	return left, nil
}

func (p *patParser) compTest(depth int) (CompExpr, error) {
	if err := p.deeper(depth); err != nil {
		return nil, err
	}
	if p.is(tPunct, "(") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.compJoin(depth+1, 0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tPunct, ")", "\")\""); err != nil {
			return nil, err
		}
		return c, nil
	}
	if p.is(tIdent, "EXISTS") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &Exists{Path: path}, nil
	}
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	c := &Comparison{Path: path}
	if p.is(tIdent, "NOT") {
		c.Negate = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	opPos := p.tok.pos
	switch {
	case p.tok.kind == tPunct && isCompareOp(p.tok.text):
		c.Op = p.tok.text
		if c.Op == "<>" {
			c.Op = "!="
		}
	case p.tok.kind == tIdent && (p.tok.text == "IN" || p.tok.text == "LIKE" || p.tok.text == "MATCHES" ||
		p.tok.text == "ISSUBSET" || p.tok.text == "ISSUPERSET"):
		c.Op = p.tok.text
	default:
		return nil, p.errorf("comparison operator expected after %s, found %s", path, p.tok)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if c.Value, err = p.literal(c.Op == "IN"); err != nil {
		return nil, err
	}
	switch c.Op {
	case "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET":
		if c.Value.Kind != "string" {
			return nil, &PatternError{opPos, c.Op + " needs a string"}
		}
	case "<", "<=", ">", ">=":
		if c.Value.Kind == "bool" {
			return nil, &PatternError{opPos, c.Op + " cannot compare a boolean"}
		}
	}
	return c, nil
}

func isCompareOp(s string) bool {
	switch s {
	case "=", "!=", "<>", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// path reads objectType:step{.step|[index]}.
func (p *patParser) path() (ObjectPath, error) {
	var op ObjectPath
	if p.tok.kind != tIdent {
		return op, p.errorf("object path expected, found %s", p.tok)
	}
	op.Type = p.tok.text
	if err := p.advance(); err != nil {
		return op, err
	}
	if err := p.expect(tPunct, ":", "\":\" after the object type"); err != nil {
		return op, err
	}
	step := func() error {
		switch {
		case p.tok.kind == tIdent && !strings.Contains(p.tok.text, "-"):
			op.Steps = append(op.Steps, p.tok.text)
		case p.tok.kind == tString:
			op.Steps = append(op.Steps, p.tok.text)
		default:
			return p.errorf("property name expected in object path, found %s", p.tok)
		}
		return p.advance()
	}
	if err := step(); err != nil {
		return op, err
	}
	for {
		switch {
		case p.is(tPunct, "."):
			if err := p.advance(); err != nil {
				return op, err
			}
			if err := step(); err != nil {
				return op, err
			}
		case p.is(tPunct, "["):
			if err := p.advance(); err != nil {
				return op, err
			}
			switch {
			case p.is(tPunct, "*"), p.tok.kind == tInt:
				op.Steps = append(op.Steps, "["+p.tok.text+"]")
			default:
				return op, p.errorf("list index or \"*\" expected, found %s", p.tok)
			}
			if err := p.advance(); err != nil {
				return op, err
			}
			if err := p.expect(tPunct, "]", "\"]\""); err != nil {
				return op, err
			}
		default:
			return op, nil
		}
	}
}

func (p *patParser) literal(set bool) (Literal, error) {
	if set {
		if !p.is(tPunct, "(") {
			return Literal{}, p.errorf("\"(\" expected after IN, found %s", p.tok)
		}
		if err := p.advance(); err != nil {
			return Literal{}, err
		}
		l := Literal{Kind: "set"}
		for !p.is(tPunct, ")") {
			if len(l.Set) > 0 {
				if err := p.expect(tPunct, ",", "\",\" or \")\""); err != nil {
					return Literal{}, err
				}
			}
			v, err := p.literal(false)
			if err != nil {
				return Literal{}, err
			}
			l.Set = append(l.Set, v)
		}
		return l, p.advance()
	}
	var kind string
	switch p.tok.kind {
	case tString:
		kind = "string"
	case tInt:
		kind = "int"
	case tFloat:
		kind = "float"
	case tBinary:
		kind = "binary"
	case tHex:
		kind = "hex"
	case tTimestamp:
		kind = "timestamp"
	case tIdent:
		if p.tok.text == "true" || p.tok.text == "false" {
			kind = "bool"
		}
	}
	if kind == "" {
		return Literal{}, p.errorf("literal expected, found %s", p.tok)
	}
	l := Literal{Kind: kind, Text: p.tok.text}
	return l, p.advance()
}
