package forum

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// genericRow is one post of the generic format, a CSV row or a JSON line:
//
//	forum         forum name (or --forum)
//	section       board or subforum
//	thread        thread key, unique in the forum (required)
//	thread_title  the thread's title
//	post          post key, unique in the forum (derived when absent)
//	author        handle (required)
//	author_title  the forum's rank or user title
//	time          RFC 3339 / ISO 8601, unix seconds, an e-mail date or
//	              "M/D/YYYY H:MM"; precision as written
//	text          the post's text as collected (required, may be "")
//	reply_to      key of the post this one answers
//	quotes        keys of quoted posts (JSON: a list; CSV: separated by
//	              spaces, ";" or "|")
//	url           the post's address
//	position      place in the thread, 0 for the opener (file order when
//	              absent)
//
// Other fields are ignored.
type genericRow struct {
	Forum       string   `json:"forum"`
	Section     string   `json:"section"`
	Thread      string   `json:"thread"`
	ThreadTitle string   `json:"thread_title"`
	Post        string   `json:"post"`
	Author      string   `json:"author"`
	AuthorTitle string   `json:"author_title"`
	Time        string   `json:"time"`
	TextJSON    *string  `json:"text"`
	ReplyTo     string   `json:"reply_to"`
	Quotes      []string `json:"quotes"`
	URL         string   `json:"url"`
	Position    *int     `json:"position"`
	text        string
}

func (g genericRow) post() (Post, error) {
	ts, err := ParseTime(g.Time)
	if err != nil {
		return Post{}, err
	}
	pos := -1
	if g.Position != nil {
		if *g.Position < 0 {
			return Post{}, fmt.Errorf("position %d is negative", *g.Position)
		}
		pos = *g.Position
	}
	title := strings.TrimSpace(g.ThreadTitle)
	if title == "" {
		title = strings.TrimSpace(g.Thread)
	}
	return Post{
		Forum: strings.TrimSpace(g.Forum), Section: strings.TrimSpace(g.Section), Thread: strings.TrimSpace(g.Thread),
		ThreadTitle: title, Key: strings.TrimSpace(g.Post), Author: strings.TrimSpace(g.Author),
		AuthorTitle: strings.TrimSpace(g.AuthorTitle), Time: ts, TimeText: strings.TrimSpace(g.Time),
		Text: g.text, ReplyTo: strings.TrimSpace(g.ReplyTo), Quotes: g.Quotes, URL: strings.TrimSpace(g.URL), Position: pos,
	}, nil
}

// maxLine bounds one JSON line: a post at MaxText with every character
// escaped, and room for the rest.
const maxLine = 6*MaxText + 64<<10

// readJSONL reads one post per line; blank lines are skipped.
func (p *parser) readJSONL(r *bufio.Reader) error {
	line := 0
	for {
		b, tooLong, err := readLine(r)
		if len(b) == 0 && err == io.EOF {
			return nil
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		line++
		if tooLong {
			if err := p.bad(line, fmt.Errorf("line longer than %d bytes", maxLine)); err != nil {
				return err
			}
			continue
		}
		b = bytes.TrimSpace(b)
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff"))
		}
		if len(b) == 0 {
			continue
		}
		post, perr := jsonPost(b)
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

func jsonPost(b []byte) (Post, error) {
	var g genericRow
	if err := json.Unmarshal(b, &g); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Post{}, fmt.Errorf("column %d: %v", se.Offset, err)
		}
		return Post{}, err
	}
	if b[0] != '{' {
		return Post{}, errors.New("not a JSON object")
	}
	if g.TextJSON == nil {
		return Post{}, errors.New("no text")
	}
	g.text = *g.TextJSON
	return g.post()
}

// readLine returns the next line without its end; a line longer than
// maxLine is read to its end and reported, not kept.
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxLine {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if tooLong {
			return []byte{' '}, true, err
		}
		return bytes.TrimRight(buf, "\r\n"), false, err
	}
}
