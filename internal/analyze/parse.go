package analyze

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxUnix is 9999-12-31T23:59:59Z, the last second ISO dates can write.
const maxUnix = 253402300799

// Parse reads a timestamp in any of the forms sources write:
//
//   - ISO 8601 / RFC 3339 and its relatives: "2024-03-12T10:15:00Z",
//     "2024-03-12T14:15:00+04:00", "2024-03-12 10:15:00" (no offset: UTC),
//     reduced precision "2024-03-12T10:15", "2024-03-12T10", the date
//     "2024-03-12" (day precision) and the month "2024-03"; Office core.xml
//     (W3CDTF) writes these;
//   - unix seconds, "1710238500" or "1710238500.25": 9 to 11 digits, since
//     shorter numbers are more often years or counts than times (ParseUnix
//     takes any);
//   - PDF dates, "D:20240312141500+04'00'" (ParsePDFDate);
//   - e-mail Date: headers, "Tue, 12 Mar 2024 14:15:00 +0400" (ParseMailDate).
func Parse(s string) (Timestamp, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Timestamp{}, errors.New("empty time")
	case strings.HasPrefix(s, "D:"):
		return ParsePDFDate(s)
	case isUnixLike(s):
		if n := strings.IndexByte(s+".", '.'); n < 9 {
			return Timestamp{}, fmt.Errorf("%s: %d digits is too short for unix seconds (want 9 to 11)", quote(s), n)
		}
		return ParseUnix(s)
	case len(s) >= 7 && s[4] == '-' && allDigits(s[:4]):
		return ParseISO(s)
	case strings.IndexFunc(s, isLetter) >= 0:
		ts, err := ParseMailDate(s)
		if err == nil || looksLikeMail(s) {
			return ts, err // meant as an e-mail date: say what is wrong with it
		}
	}
	return Timestamp{}, fmt.Errorf("cannot read %s as a time: want RFC 3339, YYYY-MM-DD[ HH:MM:SS], unix seconds, a PDF date (D:…) or an e-mail date", quote(s))
}

// looksLikeMail reports whether s has a word that is an e-mail month or
// day name, so that an error about it should be the e-mail parser's.
func looksLikeMail(s string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !isLetter(r) }) {
		w = strings.ToLower(w)
		if _, ok := mailMonths[w]; ok || mailDays[w] {
			return true
		}
	}
	return false
}

// quote shows a bad input in an error, clipped so one line stays one line.
func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isUnixLike(s string) bool {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return allDigits(s)
	}
	return allDigits(s[:i]) && (i == len(s)-1 || allDigits(s[i+1:]))
}

// atoi reads a run of digits that the caller has checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// fields are the parts of a date and time before validation.
type fields struct {
	year, month, day, hour, min, sec, nsec int
	prec                                   Precision
	offset                                 time.Duration
	hasOffset                              bool
}

// timestamp validates the fields and builds the Timestamp.
func (f fields) timestamp(s string) (Timestamp, error) {
	switch {
	case f.month < 1 || f.month > 12:
		return Timestamp{}, fmt.Errorf("%s: month %d out of range", quote(s), f.month)
	case f.prec >= PrecisionDay && (f.day < 1 || f.day > daysIn(f.year, f.month)):
		return Timestamp{}, fmt.Errorf("%s: day %d out of range", quote(s), f.day)
	case f.hour > 23 || f.min > 59 || f.sec > 59:
		return Timestamp{}, fmt.Errorf("%s: time of day out of range", quote(s))
	case f.offset <= -24*time.Hour || f.offset >= 24*time.Hour:
		return Timestamp{}, fmt.Errorf("%s: UTC offset out of range", quote(s))
	}
	if f.prec == PrecisionMonth {
		f.day = 1
	}
	if f.prec < PrecisionHour {
		// A date has no instant; an offset written beside it is noise.
		return Timestamp{Time: time.Date(f.year, time.Month(f.month), f.day, 0, 0, 0, 0, time.UTC), Precision: f.prec}, nil
	}
	t := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.min, f.sec, f.nsec, time.UTC).Add(-f.offset)
	return Timestamp{Time: t, Precision: f.prec, Offset: f.offset, HasOffset: f.hasOffset}, nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ParseISO reads the ISO 8601 forms Parse lists: a date or month, or a
// date and time separated by "T" or a space, with seconds, minutes or only
// the hour, an optional fraction and an optional zone (Z, ±HH:MM, ±HHMM,
// ±HH). A time without a zone is taken as UTC. A numeric offset is
// recorded, except −00:00, which RFC 3339 defines as "offset unknown".
func ParseISO(s string) (Timestamp, error) {
	bad := func(what string) (Timestamp, error) {
		return Timestamp{}, fmt.Errorf("%s is not an ISO date: %s", quote(s), what)
	}
	var f fields
	if len(s) < 7 || !allDigits(s[:4]) || s[4] != '-' || !allDigits(s[5:7]) {
		return bad("want YYYY-MM-DD")
	}
	f.year, f.month, f.prec = atoi(s[:4]), atoi(s[5:7]), PrecisionMonth
	rest := s[7:]
	if rest != "" {
		if len(rest) < 3 || rest[0] != '-' || !allDigits(rest[1:3]) {
			return bad("want YYYY-MM-DD")
		}
		f.day, f.prec, rest = atoi(rest[1:3]), PrecisionDay, rest[3:]
	}
	if rest != "" {
		if c := rest[0]; c != 'T' && c != 't' && c != ' ' {
			return bad("want T or a space between date and time")
		}
		rest = rest[1:]
		var ok bool
		if f.hour, rest, ok = twoDigits(rest); !ok {
			return bad("want an hour after the date")
		}
		f.prec = PrecisionHour
		if len(rest) > 0 && rest[0] == ':' {
			if f.min, rest, ok = twoDigits(rest[1:]); !ok {
				return bad("want minutes after the hour")
			}
			f.prec = PrecisionMinute
			if len(rest) > 0 && rest[0] == ':' {
				if f.sec, rest, ok = twoDigits(rest[1:]); !ok {
					return bad("want seconds after the minutes")
				}
				f.prec = PrecisionSecond
				if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
					n := 1
					for n < len(rest) && isDigit(rest[n]) {
						n++
					}
					if n == 1 {
						return bad("want digits after the decimal point")
					}
					f.nsec = fraction(rest[1:n])
					rest = rest[n:]
				}
			}
		}
		var err error
		if f.offset, f.hasOffset, rest, err = isoZone(rest); err != nil {
			return bad(err.Error())
		}
	}
	if rest != "" {
		return bad(fmt.Sprintf("unexpected %s at the end", quote(rest)))
	}
	return f.timestamp(s)
}

func twoDigits(s string) (int, string, bool) {
	if len(s) < 2 || !allDigits(s[:2]) {
		return 0, s, false
	}
	return atoi(s[:2]), s[2:], true
}

// fraction turns the digits after a decimal point into nanoseconds.
func fraction(digits string) int {
	ns, scale := 0, 100000000
	for i := 0; i < len(digits) && scale > 0; i++ {
		ns += int(digits[i]-'0') * scale
		scale /= 10
	}
	return ns
}

// isoZone reads an optional zone at the start of s.
func isoZone(s string) (off time.Duration, recorded bool, rest string, err error) {
	if s == "" {
		return 0, false, s, nil
	}
	switch s[0] {
	case 'Z', 'z':
		return 0, false, s[1:], nil
	case '+', '-':
	default:
		return 0, false, s, nil // the caller reports what is left
	}
	sign, body := s[0], s[1:]
	h, body, ok := twoDigits(body)
	if !ok {
		return 0, false, s, errors.New("want ±HH:MM after the time")
	}
	m := 0
	if len(body) > 0 && body[0] == ':' {
		body = body[1:]
	}
	if len(body) >= 2 && allDigits(body[:2]) {
		m, body = atoi(body[:2]), body[2:]
	}
	if m > 59 {
		return 0, false, s, errors.New("offset minutes out of range")
	}
	off = time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if sign == '-' {
		if off == 0 {
			return 0, false, body, nil // −00:00: offset unknown
		}
		off = -off
	}
	return off, true, body, nil
}

// ParseUnix reads unix seconds: digits with an optional fraction, up to the
// end of year 9999.
func ParseUnix(s string) (Timestamp, error) {
	if !isUnixLike(s) {
		return Timestamp{}, fmt.Errorf("%s is not unix seconds", quote(s))
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(whole) > 12 {
		return Timestamp{}, fmt.Errorf("%s: unix seconds after year 9999 (milliseconds?)", quote(s))
	}
	sec := int64(0)
	for i := 0; i < len(whole); i++ {
		sec = sec*10 + int64(whole[i]-'0')
	}
	if sec > maxUnix {
		return Timestamp{}, fmt.Errorf("%s: unix seconds after year 9999 (milliseconds?)", quote(s))
	}
	return Timestamp{Time: time.Unix(sec, int64(fraction(frac))).UTC(), Precision: PrecisionSecond}, nil
}

// ParsePDFDate reads a PDF date string (ISO 32000-1 §7.9.4),
// "D:YYYYMMDDHHmmSSOHH'mm'": everything after the month is optional, O is
// +, - or Z, and "D:" and the apostrophes are often left out. The offset is
// recorded (Z is UTC by name, so not); a date without one is taken as UTC,
// which the standard leaves unknown.
func ParsePDFDate(s string) (Timestamp, error) {
	orig := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	digits, zone := s[:n], s[n:]
	if n < 6 || n%2 != 0 || n > 14 {
		return Timestamp{}, fmt.Errorf("%s is not a PDF date: want D:YYYYMM[DD[HH[mm[SS]]]] and an offset", quote(orig))
	}
	f := fields{year: atoi(digits[:4]), month: atoi(digits[4:6]), prec: PrecisionMonth}
	parts := []*int{&f.day, &f.hour, &f.min, &f.sec}
	for i := 6; i < n; i += 2 {
		*parts[(i-6)/2] = atoi(digits[i : i+2])
		f.prec++
	}
	if zone != "" {
		sign := zone[0]
		body := zone[1:]
		switch sign {
		case 'Z', 'z':
			// Writers add 00'00' after Z; it says nothing more.
		case '+', '-':
			h, rest, ok := twoDigits(body)
			if !ok {
				return Timestamp{}, fmt.Errorf("%s is not a PDF date: want HH'mm' after %c", quote(orig), sign)
			}
			rest = strings.TrimPrefix(rest, "'")
			m := 0
			if len(rest) >= 2 && allDigits(rest[:2]) {
				m, rest = atoi(rest[:2]), rest[2:]
			}
			if strings.TrimPrefix(rest, "'") != "" || m > 59 {
				return Timestamp{}, fmt.Errorf("%s is not a PDF date: bad offset", quote(orig))
			}
			off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
			if sign == '-' {
				off = -off
			}
			f.offset, f.hasOffset = off, off != 0 || sign == '+'
		default:
			return Timestamp{}, fmt.Errorf("%s is not a PDF date: unexpected %s", quote(orig), quote(zone))
		}
		if sign == 'Z' || sign == 'z' {
			if rest := strings.Trim(body, "0'"); rest != "" {
				return Timestamp{}, fmt.Errorf("%s is not a PDF date: unexpected %s after Z", quote(orig), quote(body))
			}
		}
	}
	return f.timestamp(orig)
}

var (
	mailMonths = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
	mailDays = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true}
	// mailZones are RFC 5322's obsolete zone names (§4.3). UT and GMT are
	// UTC by name, so not a recorded offset (-1 marks them).
	mailZones = map[string]int{"ut": -1, "gmt": -1, "z": -1, "utc": -1,
		"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}
)

// ParseMailDate reads an e-mail Date: header value (RFC 5322 §3.3 and the
// obsolete forms of §4.3): "[Tue,] 12 Mar 2024 14:15[:00] +0400 (comment)".
// The numeric offset is recorded; −0000 and military one-letter zones mean
// "unknown" and UT/GMT are UTC by name, so those are not; a missing zone is
// taken as UTC. The day name, when present, must be a day name; it is not
// checked against the date, since the date is what the sender's clock wrote.
func ParseMailDate(s string) (Timestamp, error) {
	bad := func(what string) (Timestamp, error) {
		return Timestamp{}, fmt.Errorf("%s is not an e-mail date: %s", quote(s), what)
	}
	// Comments (CFWS) and the comma after the day name are not part of the date.
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth > 0:
		case r == ',':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	tok := strings.Fields(b.String())
	if len(tok) > 0 && mailDays[strings.ToLower(tok[0])] {
		tok = tok[1:]
	}
	if len(tok) < 4 || len(tok) > 5 {
		return bad("want [day,] DD Mon YYYY HH:MM[:SS] ±HHMM")
	}
	var f fields
	if len(tok[0]) > 2 || !allDigits(tok[0]) {
		return bad("want the day of month first")
	}
	f.day = atoi(tok[0])
	var ok bool
	if f.month, ok = mailMonths[strings.ToLower(tok[1])]; !ok {
		return bad(fmt.Sprintf("unknown month %s", quote(tok[1])))
	}
	if y := tok[2]; !allDigits(y) || len(y) < 2 || len(y) > 4 {
		return bad("want a year of 2 to 4 digits")
	}
	f.year = atoi(tok[2])
	switch len(tok[2]) { // §4.3: two- and three-digit years
	case 2:
		if f.year < 50 {
			f.year += 2000
		} else {
			f.year += 1900
		}
	case 3:
		f.year += 1900
	}
	clock := strings.Split(tok[3], ":")
	if len(clock) < 2 || len(clock) > 3 {
		return bad("want HH:MM[:SS]")
	}
	for i, c := range clock {
		if len(c) != 2 || !allDigits(c) {
			return bad("want HH:MM[:SS]")
		}
		*[]*int{&f.hour, &f.min, &f.sec}[i] = atoi(c)
	}
	f.prec = PrecisionMinute + Precision(len(clock)-2)
	if len(tok) == 5 {
		z := tok[4]
		switch {
		case len(z) == 5 && (z[0] == '+' || z[0] == '-') && allDigits(z[1:]):
			h, m := atoi(z[1:3]), atoi(z[3:5])
			if m > 59 {
				return bad("offset minutes out of range")
			}
			off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
			if z[0] == '-' {
				off = -off
			}
			f.offset, f.hasOffset = off, z != "-0000"
		case len(z) == 1 && isLetter(rune(z[0])):
			// Military zones: §4.3 says to treat them as −0000.
		default:
			h, known := mailZones[strings.ToLower(z)]
			if !known {
				return bad(fmt.Sprintf("unknown zone %s", quote(z)))
			}
			if h != -1 {
				f.offset, f.hasOffset = time.Duration(h)*time.Hour, true
			}
		}
	}
	return f.timestamp(s)
}
