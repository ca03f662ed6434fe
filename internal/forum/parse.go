package forum

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/analyze"
)

// Formats are the dump formats Read understands.
var Formats = []string{"hackhound", "csv", "jsonl"}

// Limits on one post, so that a hostile dump cannot make one row the size
// of the store.
const (
	MaxText  = 1 << 20 // bytes of a post's text
	MaxName  = 300     // runes of a handle, section, thread key or title
	MaxQuote = 100     // quoted posts of one post
)

// Options say how to read a dump.
type Options struct {
	// Format is one of Formats, or "" to tell it from the name and the
	// first line.
	Format string
	// Forum names the forum every post belongs to; "" takes it from the
	// rows (HackHound's subforum, the generic forum field).
	Forum string
	// SkipBad counts and skips malformed rows instead of failing at the
	// first one.
	SkipBad bool
}

// Result is what a dump holds.
type Result struct {
	Format string
	Posts  []Post
	// Skipped counts malformed rows left out (SkipBad); Problems names
	// the first of them, file:line first.
	Skipped int
	// Blank counts rows with neither a thread nor a text nor a time
	// (exports pad with them): no post, and no error.
	Blank    int
	Problems []string
}

const maxProblems = 20

// LineError is a malformed row: the file and line it starts on.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Read reads a dump named name (its file name, for messages and
// provenance; gzip is recognised by its magic bytes) into posts. Without
// SkipBad the first malformed row is the error, a *LineError.
func Read(r io.Reader, name string, opts Options) (*Result, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	format := opts.Format
	if format == "" {
		format = detect(br, name)
	}
	res := &Result{Format: format}
	p := &parser{name: name, opts: opts, res: res, positions: map[string]int{}, seen: map[string]int{}, intern: map[string]string{}}
	var err error
	switch format {
	case "hackhound":
		err = p.readCSV(br, true)
	case "csv":
		err = p.readCSV(br, false)
	case "jsonl":
		err = p.readJSONL(br)
	default:
		return nil, fmt.Errorf("%s: unknown forum dump format %q: use %s", name, format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// detect names the format of a dump from its name and first line.
func detect(br *bufio.Reader, name string) string {
	lower := strings.ToLower(strings.TrimSuffix(name, ".gz"))
	if strings.HasSuffix(lower, ".jsonl") || strings.HasSuffix(lower, ".ndjson") {
		return "jsonl"
	}
	head, _ := br.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	first := strings.ToLower(string(bytes.TrimPrefix(head, []byte("\ufeff"))))
	switch {
	case strings.HasPrefix(strings.TrimSpace(first), "{"):
		return "jsonl"
	case strings.Contains(first, "subforum") && strings.Contains(first, "flatcontent"):
		return "hackhound"
	}
	return "csv"
}

// parser holds what a read needs across rows: positions in threads and
// the keys already given, so derived keys of identical rows stay apart.
type parser struct {
	name      string
	opts      Options
	res       *Result
	positions map[string]int // forum\x00thread → next position
	seen      map[string]int // forum\x00key → times given
	intern    map[string]string
}

// str returns one copy of a repeated string (sections, threads, handles).
func (p *parser) str(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	p.intern[s] = s
	return s
}

// bad records a malformed row: the error without SkipBad, else a count.
func (p *parser) bad(line int, err error) error {
	le := &LineError{File: p.name, Line: line, Err: err}
	if !p.opts.SkipBad {
		return le
	}
	p.res.Skipped++
	if len(p.res.Problems) < maxProblems {
		p.res.Problems = append(p.res.Problems, le.Error())
	}
	return nil
}

// add checks a post, fills what the row left out and keeps it.
func (p *parser) add(line int, post Post) error {
	if p.opts.Forum != "" {
		post.Forum = p.opts.Forum
	}
	if err := CheckPost(&post); err != nil {
		return p.bad(line, err)
	}
	tk := post.Forum + "\x00" + post.Thread
	if post.Position < 0 {
		post.Position = p.positions[tk]
	}
	p.positions[tk] = max(p.positions[tk], post.Position+1)
	if post.Key == "" {
		post.Key = DeriveKey(post.Thread, post.Author, post.TimeText, post.Text)
	}
	kk := post.Forum + "\x00" + post.Key
	if n := p.seen[kk]; n > 0 {
		// The same row twice (a dump repeats a post): a second key, the
		// same on every import of this dump.
		post.Key = fmt.Sprintf("%s~%d", post.Key, n+1)
	}
	p.seen[kk]++
	post.Forum, post.Section, post.Thread = p.str(post.Forum), p.str(post.Section), p.str(post.Thread)
	post.ThreadTitle, post.Author, post.AuthorTitle = p.str(post.ThreadTitle), p.str(post.Author), p.str(post.AuthorTitle)
	post.Source = p.name
	p.res.Posts = append(p.res.Posts, post)
	return nil
}

// DeriveKey is the post key of a post its source gives no ID: a hash of
// its thread, author, time as written and text, stable across imports.
func DeriveKey(thread, author, timeText, text string) string {
	h := sha256.New()
	for _, s := range []string{thread, author, timeText, text} {
		io.WriteString(h, s)
		h.Write([]byte{0x1f})
	}
	return "h:" + hex.EncodeToString(h.Sum(nil)[:10])
}

// CheckPost applies the rules every stored post keeps: a forum, thread
// and author; names bounded; UTF-8 without NUL; text at most MaxText.
func CheckPost(p *Post) error {
	if p.Forum == "" {
		return errors.New("no forum: the row names none; give one (--forum)")
	}
	for _, f := range []struct{ what, v string }{{"forum", p.Forum}, {"thread", p.Thread}, {"author", p.Author}} {
		if strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("no %s", f.what)
		}
	}
	for _, f := range []struct{ what, v string }{{"forum", p.Forum}, {"section", p.Section}, {"thread", p.Thread},
		{"thread title", p.ThreadTitle}, {"post", p.Key}, {"author", p.Author}, {"author title", p.AuthorTitle},
		{"reply_to", p.ReplyTo}, {"url", p.URL}, {"time", p.TimeText}} {
		if err := checkString(f.what, f.v, MaxName); err != nil {
			return err
		}
	}
	if len(p.Text) > MaxText {
		return fmt.Errorf("text of %d bytes is longer than %d", len(p.Text), MaxText)
	}
	if err := checkString("text", p.Text, -1); err != nil {
		return err
	}
	if len(p.Quotes) > MaxQuote {
		return fmt.Errorf("%d quotes, more than %d", len(p.Quotes), MaxQuote)
	}
	for _, q := range p.Quotes {
		if err := checkString("quote", q, MaxName); err != nil {
			return err
		}
	}
	if p.URL != "" && !strings.HasPrefix(p.URL, "http://") && !strings.HasPrefix(p.URL, "https://") {
		return fmt.Errorf("url %q is not http or https", clip(p.URL))
	}
	return nil
}

// checkString refuses what neither database can hold (invalid UTF-8, NUL)
// and names longer than max runes (max < 0: no bound).
func checkString(what, v string, maxRunes int) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not UTF-8", what)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%s holds a NUL byte", what)
	}
	if maxRunes >= 0 && utf8.RuneCountInString(v) > maxRunes {
		return fmt.Errorf("%s is longer than %d characters", what, maxRunes)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// ParseTime reads a post time: every form analyze.Parse reads (ISO and
// RFC 3339, unix seconds, e-mail dates) and the US form forum exports
// write, "10/12/2012 0:00" (month/day/year; midnight is taken as a date
// only, since such exports write it for posts without a time).
func ParseTime(s string) (analyze.Timestamp, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return analyze.Timestamp{}, nil
	}
	for _, layout := range []string{"1/2/2006 15:04", "1/2/2006 15:04:05", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return analyze.FromTime(t, analyze.PrecisionDay), nil
			}
			p := analyze.PrecisionMinute
			if t.Second() != 0 {
				p = analyze.PrecisionSecond
			}
			return analyze.FromTime(t, p), nil
		}
	}
	ts, err := analyze.Parse(s)
	if err != nil {
		return analyze.Timestamp{}, fmt.Errorf("time %q: %w", clip(s), err)
	}
	return ts, nil
}

// readCSV reads the HackHound export (hackhound) or the generic CSV.
func (p *parser) readCSV(r io.Reader, hackhound bool) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return &LineError{File: p.name, Line: 1, Err: err}
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		cols[h] = i
	}
	want := genericRequired
	if hackhound {
		want = hackhoundColumns
	}
	for _, c := range want {
		if _, ok := cols[c]; !ok {
			return &LineError{File: p.name, Line: 1, Err: fmt.Errorf("no column %q in the header (want %s)", c, strings.Join(want, ", "))}
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if err := p.bad(pe.StartLine, pe.Err); err != nil {
					return err
				}
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					// The reader cannot find the next row after a broken
					// quote: what follows is one field.
					return nil
				}
				continue
			}
			return fmt.Errorf("%s: %w", p.name, err)
		}
		if len(rec) != len(header) {
			if err := p.bad(line, fmt.Errorf("%d fields, the header has %d", len(rec), len(header))); err != nil {
				return err
			}
			continue
		}
		get := func(c string) string {
			if i, ok := cols[c]; ok {
				return rec[i]
			}
			return ""
		}
		if blank(get) {
			p.res.Blank++
			continue
		}
		var post Post
		var perr error
		if hackhound {
			post, perr = hackhoundPost(get)
		} else {
			post, perr = genericPost(get)
		}
		if perr != nil {
			if err := p.bad(line, perr); err != nil {
				return err
			}
			continue
		}
		if err := p.add(line, post); err != nil {
			return err
		}
	}
}

// blank reports a row that holds no post: no thread, text or time.
func blank(get func(string) string) bool {
	for _, c := range []string{"subforum", "threadtitle", "thread", "flatcontent", "text", "postdatetime", "time"} {
		if strings.TrimSpace(get(c)) != "" {
			return false
		}
	}
	return true
}

var hackhoundColumns = []string{"subforum", "threadtitle", "authorname", "postdatetime", "flatcontent", "usertitle"}

// hackhoundPost reads a HackHound row: subforum is "<thread title> -
// <section> - <forum>", threadTitle the thread's URL slug, the date has
// day precision, and there are no post IDs.
func hackhoundPost(get func(string) string) (Post, error) {
	parts := strings.Split(get("subforum"), " - ")
	if len(parts) < 3 {
		return Post{}, fmt.Errorf("subforum %q is not \"<thread> - <section> - <forum>\"", clip(get("subforum")))
	}
	forumName := strings.TrimSpace(parts[len(parts)-1])
	section := strings.TrimSpace(parts[len(parts)-2])
	title := strings.TrimSpace(strings.Join(parts[:len(parts)-2], " - "))
	slug := strings.TrimSpace(get("threadtitle"))
	if slug == "" {
		slug = title
	}
	ts, err := ParseTime(get("postdatetime"))
	if err != nil {
		return Post{}, err
	}
	return Post{
		Forum: forumName, Section: section, Thread: section + "/" + slug, ThreadTitle: title,
		Author: strings.TrimSpace(get("authorname")), AuthorTitle: strings.TrimSpace(get("usertitle")),
		Time: ts, TimeText: get("postdatetime"), Text: get("flatcontent"), Position: -1,
	}, nil
}

var genericRequired = []string{"thread", "author", "text"}

// genericPost reads a row of the generic CSV.
func genericPost(get func(string) string) (Post, error) {
	g := genericRow{
		Forum: get("forum"), Section: get("section"), Thread: get("thread"), ThreadTitle: get("thread_title"),
		Post: get("post"), Author: get("author"), AuthorTitle: get("author_title"), Time: get("time"),
		ReplyTo: get("reply_to"), URL: get("url"), text: get("text"),
	}
	if q := strings.TrimSpace(get("quotes")); q != "" {
		g.Quotes = strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == ';' || r == '|' })
	}
	if pos := strings.TrimSpace(get("position")); pos != "" {
		var n int
		if _, err := fmt.Sscanf(pos, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != pos {
			return Post{}, fmt.Errorf("position %q is not a whole number", clip(pos))
		}
		g.Position = &n
	}
	return g.post()
}
