package intel

import (
	"testing"
	"time"
)

func TestCitationDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" when there is no date
	}{
		{"Kaspersky Lab's Global Research and Analysis Team. (2015, December 4). Sofacy APT hits high profile targets.", "2015-12-04"},
		{"Hosseini, A. (2017, July 18). Ten Process Injection Techniques. Retrieved December 16, 2017.", "2017-07-18"},
		{"ESET. (2017, October). En Route with Sednit.", "2017-10-01"},
		{"Ballenthin, W., et al. (2015). Windows Management Instrumentation (WMI) Offense.", "2015-01-01"},
		{"Symantec. (2019, Sept. 5). Tick.", "2019-09-05"},
		{"US-CERT. (2018, June 14). MAR-10135536-12 (TA18-149A).", "2018-06-14"},
		// The first parenthesis is not a date; the second is.
		{"Microsoft (MSTIC). (2021, March 2). HAFNIUM.", "2021-03-02"},
		{"Barrett Adams . (n.d.). Invoke-PSImage . Retrieved September 30, 2022.", ""},
		{"Nobody. (2019, Smarch 3). Nothing.", ""},
		{"Nobody. (2019, February 30). Nothing.", ""},
		{"Part (1234). Too early to be a report.", ""},
		{"", ""},
	} {
		got, ok := CitationDate(tc.in)
		if s := got.Format(time.DateOnly); ok != (tc.want != "") || ok && s != tc.want {
			t.Errorf("CitationDate(%q) = %s, %v; want %q", tc.in, s, ok, tc.want)
		}
	}
}
