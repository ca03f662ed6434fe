package intel

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// citationDate is the date ATT&CK's references give after their authors:
// "(2015, December 4)", "(2017, October)" or "(2019)".
var citationDate = regexp.MustCompile(`\((\d{4})(?:,\s*([A-Z][a-z]+)\.?(?:\s+(\d{1,2}))?)?\)`)

// CitationDate reads the publication date of a reference written in
// ATT&CK's style, "Author. (2015, December 4). Title. Retrieved …": the
// first parenthesised year, with its month and day when given (the first
// of the month, or the first of January, when not). ok is false when the
// reference gives none ("(n.d.)"), or an impossible one.
func CitationDate(citation string) (t time.Time, ok bool) {
	for _, m := range citationDate.FindAllStringSubmatch(citation, 4) {
		year, _ := strconv.Atoi(m[1])
		if year < 1980 || year > 2100 {
			continue
		}
		month, day := time.January, 1
		if m[2] != "" {
			mo, known := monthNames[strings.ToLower(m[2])]
			if !known {
				continue
			}
			month = mo
		}
		if m[3] != "" {
			day, _ = strconv.Atoi(m[3])
		}
		t = time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
		if t.Day() != day { // 31 February
			continue
		}
		return t, true
	}
	return time.Time{}, false
}

var monthNames = func() map[string]time.Month {
	m := map[string]time.Month{"sept": time.September}
	for mo := time.January; mo <= time.December; mo++ {
		name := strings.ToLower(mo.String())
		m[name], m[name[:3]] = mo, mo
	}
	return m
}()
