package threat

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Row is one labelled row of a forum file: a thread (its title and, where
// the file has it, the opening post) with the labels an annotator gave it.
// Names are as written; Resolve turns them into ATT&CK IDs.
type Row struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Thread identifies the thread across files (ThreadKey of the link).
	Thread  string `json:"thread"`
	URL     string `json:"url"`
	Title   string `json:"title,omitempty"`
	Content string `json:"content,omitempty"`
	// Techniques and Tactics are the names of the cells, split on commas;
	// nil when the cell is empty (not annotated), NoneLabel when it said
	// NA (annotated: no technique).
	Techniques []string `json:"techniques,omitempty"`
	Tactics    []string `json:"tactics,omitempty"`
	Role       string   `json:"role,omitempty"`
	Note       string   `json:"note,omitempty"`
}

// NoneLabel is the class of a thread an annotator marked NA.
const NoneLabel = "none"

// ParseError is a malformed row, named by file and line.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxField bounds a cell: a post longer than this is cut, not refused,
// since forum posts are long and the models read only their start.
const maxField = 64 << 10

// columns are the header names the readers know, lower-cased.
var columns = map[string]string{
	"topic": "title", "title": "title",
	"thread": "thread", "thread_link": "thread", "link": "thread", "url": "thread",
	"technique": "technique", "techniques": "technique",
	"tactic": "tactic", "tactics": "tactic",
	"role": "role", "content": "content", "note": "note",
}

// ReadLabelled reads one of the labelled forum CSVs (0x00sec and
// hackforums topics with techniques, the annotated hackforums threads):
// the columns are found by their header names in any order and case
// (Topic, Thread or thread_link, Technique, Tactic, Role, Content, Note);
// a thread link and a technique or tactic column are required. A row
// without a thread link, with the wrong number of cells or with a quote
// out of place is an error naming name:line. Titles written as UTF-8 read
// as Mac Roman are repaired.
func ReadLabelled(r io.Reader, name string) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{name, 1, "empty file: no header"}
		}
		return nil, csvError(name, err)
	}
	idx := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if c, ok := columns[h]; ok {
			if _, dup := idx[c]; !dup {
				idx[c] = i
			}
		}
	}
	if _, ok := idx["thread"]; !ok {
		return nil, &ParseError{name, 1, fmt.Sprintf("header %q has no thread link column (Thread or thread_link)", strings.Join(head, ","))}
	}
	_, hasTech := idx["technique"]
	_, hasTac := idx["tactic"]
	if !hasTech && !hasTac {
		return nil, &ParseError{name, 1, "header has neither a Technique nor a Tactic column"}
	}
	cell := func(rec []string, col string) string {
		i, ok := idx[col]
		if !ok {
			return ""
		}
		s := strings.TrimSpace(rec[i])
		if len(s) > maxField {
			n := maxField
			for n > 0 && !utf8.RuneStart(s[n]) {
				n--
			}
			s = s[:n]
		}
		return s
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if !utf8.ValidString(strings.Join(rec, "")) {
			return nil, &ParseError{name, line, "not UTF-8"}
		}
		link := cell(rec, "thread")
		if link == "" {
			return nil, &ParseError{name, line, "no thread link"}
		}
		key, ok := ThreadKey(link)
		if !ok {
			return nil, &ParseError{name, line, fmt.Sprintf("thread link %q is not a forum thread address", clip(link))}
		}
		rows = append(rows, Row{
			File: name, Line: line, Thread: key, URL: link,
			Title:      RepairMojibake(cell(rec, "title")),
			Content:    cell(rec, "content"),
			Techniques: splitNames(cell(rec, "technique")),
			Tactics:    splitNames(cell(rec, "tactic")),
			Role:       cell(rec, "role"),
			Note:       cell(rec, "note"),
		})
	}
}

// csvError names the line of an encoding/csv error.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{name, pe.Line, pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// splitNames splits a label cell on commas; NA (in any case) is NoneLabel.
func splitNames(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.Join(strings.Fields(p), " ")
		switch strings.ToLower(p) {
		case "":
			continue
		case "na", "n/a", "none":
			p = NoneLabel
		}
		out = append(out, p)
	}
	return out
}

var (
	hfThread  = regexp.MustCompile(`(?i)^(?:https?://)?(?:www\.)?([a-z0-9.-]+)/showthread\.php\?(?:.*&)?tid=(\d+)`)
	discourse = regexp.MustCompile(`(?i)^(?:https?://(?:www\.)?([a-z0-9.-]+))?/t/(?:[^/?#]*/)?(\d+)(?:[/?#]|$)`)
)

// ThreadKey names a thread by its forum and number, whatever the rest of
// the link says (a post number, action=newpost, a slug): the hackforums
// showthread.php?tid=N links and Discourse /t/slug/N[/post] paths (0x00sec
// writes them without a host). Other http(s) links are keyed by the link
// without fragment; anything else is not a thread.
func ThreadKey(link string) (string, bool) {
	link = strings.TrimSpace(link)
	if m := hfThread.FindStringSubmatch(link); m != nil {
		return strings.ToLower(m[1]) + "/tid/" + m[2], true
	}
	if m := discourse.FindStringSubmatch(link); m != nil {
		host := strings.ToLower(m[1])
		if host == "" {
			host = "0x00sec.org"
		}
		return host + "/t/" + m[2], true
	}
	l := strings.ToLower(link)
	if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
		if i := strings.IndexByte(link, '#'); i >= 0 {
			link = link[:i]
		}
		return link, len(link) > len("https://x")
	}
	return "", false
}

// RepairMojibake undoes UTF-8 that was read as Mac Roman and written out
// again as UTF-8 ("‚òÖ" for "★"): when every character of s has a Mac
// Roman byte and those bytes are valid UTF-8 holding something beyond
// ASCII, the bytes are the text. Anything else is returned as it was.
func RepairMojibake(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b, err := charmap.Macintosh.NewEncoder().Bytes([]byte(s))
	if err != nil || !utf8.Valid(b) || string(b) == s {
		return s
	}
	return string(b)
}

func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	n := 80
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Family is one ransomware family of the reference file: technique names
// per ATT&CK tactic, with the reports they come from.
type Family struct {
	Name       string              `json:"name"`
	Reports    []string            `json:"reports,omitempty"`
	Techniques map[string][]string `json:"techniques"` // tactic column name → technique names
	Line       int                 `json:"line"`
}

// ReadFamilies reads ransomware_family_techniques.csv: Ransomware, Report,
// then one column per tactic (headers kept as written, "Reconassiance"
// included). A row without a family name or with the wrong number of cells
// is an error naming name:line.
func ReadFamilies(r io.Reader, name string) ([]Family, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{name, 1, "empty file: no header"}
		}
		return nil, csvError(name, err)
	}
	if len(head) < 3 || !strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(head[0], "\ufeff")), "ransomware") ||
		!strings.EqualFold(strings.TrimSpace(head[1]), "report") {
		return nil, &ParseError{name, 1, "header must start Ransomware,Report and name tactic columns"}
	}
	var out []Family
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		f := Family{Name: strings.TrimSpace(rec[0]), Reports: strings.Fields(rec[1]), Techniques: map[string][]string{}, Line: line}
		if f.Name == "" {
			return nil, &ParseError{name, line, "no family name"}
		}
		for i := 2; i < len(rec); i++ {
			if ns := splitNames(rec[i]); len(ns) > 0 {
				f.Techniques[strings.TrimSpace(head[i])] = ns
			}
		}
		out = append(out, f)
	}
}

// LabelledFiles are the labelled files of the hacker-forum data, in the
// order their labels count (an earlier file's label of a thread is its
// first).
var LabelledFiles = []string{
	"0x00sec_topics_technique.csv",
	"hackforums_topics_technique.csv",
	"hackforums_threads_annotated_a.csv",
	"hackforums_threads_annotated_b.csv",
	"hackforums_threads_annotated_c.csv",
}

// FamiliesFile is the ransomware reference file of the same directory.
const FamiliesFile = "ransomware_family_techniques.csv"

// ReadFiles reads the named labelled files through open, which the caller
// points at a directory.
func ReadFiles(names []string, open func(name string) (io.ReadCloser, error)) ([]Row, error) {
	var all []Row
	for _, n := range names {
		rc, err := open(n)
		if err != nil {
			return nil, err
		}
		rows, err := ReadLabelled(rc, n)
		rc.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	return all, nil
}
