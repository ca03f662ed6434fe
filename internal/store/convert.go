package store

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Paging limits: a page of 50 unless asked otherwise, never more than 500.
const (
	defaultLimit = 50
	maxLimit     = 500
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// ms stores a time as UTC unix milliseconds; the zero time is 0 so that
// "unknown" survives a round trip.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// truncMS drops what a BIGINT of milliseconds cannot keep, so that a value
// compared after a round trip compares equal.
func truncMS(t time.Time) time.Time { return fromMS(ms(t)) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullID stores 0 as NULL for optional foreign keys.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonText encodes a list column; nil and empty lists are both "[]".
func jsonText[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	if ss, ok := any(v).([]string); ok {
		if s, ok := plainJSONStrings(ss); ok {
			return s
		}
	}
	b, err := json.Marshal(v)
	if err != nil { // cannot happen for the string and struct lists stored
		return "[]"
	}
	return string(b)
}

// plainJSONStrings writes a string list as json.Marshal does when no
// string needs escaping (printable ASCII without '"', '\\' or the '<',
// '>' and '&' that Marshal escapes for HTML): tag lists are written for
// every imported indicator, and reflection was most of their cost.
func plainJSONStrings(v []string) (string, bool) {
	n := 1
	for _, s := range v {
		for i := range len(s) {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return "", false
			}
		}
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	}
	return string(append(b, ']')), true
}

// fromJSON decodes a list column; an empty list reads back as nil.
func fromJSON[T any](s string) []T {
	if s == "" || s == "[]" {
		return nil
	}
	var v []T
	if err := json.Unmarshal([]byte(s), &v); err != nil || len(v) == 0 {
		return nil
	}
	return v
}

// Cursors are opaque to callers: base64 of the sort key, then NUL, then ID.
func encodeCursor(key string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key + "\x00" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (key string, id int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, intel.Errorf(intel.CodeInvalid, "bad page cursor")
	}
	k, v, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return "", 0, intel.Errorf(intel.CodeInvalid, "bad page cursor")
	}
	id, err = strconv.ParseInt(v, 10, 64)
	if err != nil {
		return "", 0, intel.Errorf(intel.CodeInvalid, "bad page cursor")
	}
	return k, id, nil
}

func notFound(what string, id any) error {
	return intel.Errorf(intel.CodeNotFound, "%s %v not found", what, id)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }
