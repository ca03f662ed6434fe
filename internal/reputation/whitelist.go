package reputation

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Whitelist holds names an analyst vouches for. An entry covers the name
// and every name under it ("example.org" covers www.example.org); a
// leading "*." is accepted and means the same. It is applied before the
// model, so a whitelisted name is benign whatever it looks like. A nil
// *Whitelist matches nothing.
type Whitelist struct {
	entries map[string]bool
}

// NewWhitelist builds a whitelist from names; each must parse as a domain.
func NewWhitelist(names []string) (*Whitelist, error) {
	w := &Whitelist{entries: map[string]bool{}}
	for _, s := range names {
		if err := w.add(s); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *Whitelist) add(s string) error {
	s = strings.TrimPrefix(strings.TrimSpace(s), "*.")
	n, err := ParseName(s)
	if err != nil {
		return err
	}
	w.entries[n.Domain] = true
	return nil
}

// ReadWhitelist reads one entry a line; '#' starts a comment and blank
// lines are skipped. A line that is not a domain is an error naming it.
func ReadWhitelist(r io.Reader, name string) (*Whitelist, error) {
	w := &Whitelist{entries: map[string]bool{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		if strings.TrimSpace(text) == "" {
			continue
		}
		if err := w.add(text); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return w, nil
}

// Len is the number of entries.
func (w *Whitelist) Len() int {
	if w == nil {
		return 0
	}
	return len(w.entries)
}

// Match returns the entry that covers domain (lower case, as ParseName
// gives it), if any.
func (w *Whitelist) Match(domain string) (string, bool) {
	if w == nil || len(w.entries) == 0 {
		return "", false
	}
	for d := domain; ; {
		if w.entries[d] {
			return d, true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return "", false
		}
		d = d[i+1:]
	}
}
