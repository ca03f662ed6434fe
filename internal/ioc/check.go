package ioc

import (
	"fmt"
	"strings"
	"sync"
)

// Checking one value. Forms, imports and feeds hand over values that claim
// to be one indicator each ("hxxp://Evil[.]COM/x", "8.8.8.8", a MISP
// attribute). Check answers whether a value is exactly one indicator and
// gives its canonical form, type, flags and warninglist, with the same
// engine and rules as extraction from text, so that a value typed in a
// form, read from a feed and found in a report is one indicator with one
// label.

// Reason says why a value is not exactly one indicator.
type Reason uint8

// The reasons of a CheckError.
const (
	ReasonEmpty    Reason = iota + 1 // nothing but white space
	ReasonTooLong                    // longer than MaxValue bytes
	ReasonNone                       // no indicator in it
	ReasonLeading                    // text before the indicator
	ReasonSeveral                    // more than one indicator
	ReasonTrailing                   // text after the indicator
	ReasonType                       // one indicator, of a type not asked for
)

// MaxValue is the longest value Check reads, the engine's token limit.
const MaxValue = maxToken

// CheckError says why a value is not exactly one indicator of the types
// asked for. Error gives one line naming the value; Why the same without
// it, so that reasons can be counted.
type CheckError struct {
	Value  string // the value, without surrounding white space
	Want   []Type // the types asked for; none means any
	Reason Reason
	// Found is the indicator the value starts with (ReasonLeading: the
	// first one in it); zero for ReasonEmpty, ReasonTooLong, ReasonNone.
	Found Match
	// Text is what precedes (ReasonLeading) or follows (ReasonTrailing)
	// Found.
	Text string
}

func (e *CheckError) Error() string {
	switch e.Reason {
	case ReasonEmpty:
		return "empty value"
	case ReasonTooLong:
		return fmt.Sprintf("value of %d bytes is too long (at most %d)", len(e.Value), MaxValue)
	case ReasonNone:
		if len(e.Want) > 0 {
			return fmt.Sprintf("%q is not a valid %s", e.Value, typeList(e.Want))
		}
		return fmt.Sprintf("%q is not an indicator", e.Value)
	case ReasonLeading:
		return fmt.Sprintf("%q is not one indicator: %q precedes the %s", e.Value, e.Text, e.Found.Type)
	case ReasonSeveral:
		return fmt.Sprintf("%q holds more than one indicator", e.Value)
	case ReasonTrailing:
		return fmt.Sprintf("%q is not one indicator: %q follows the %s", e.Value, e.Text, e.Found.Type)
	case ReasonType:
		return fmt.Sprintf("%q is a %s, not a %s", e.Value, e.Found.Type, typeList(e.Want))
	}
	return fmt.Sprintf("%q is not an indicator", e.Value)
}

// Why is the reason without the value: "value is a url, not a domain".
func (e *CheckError) Why() string {
	switch e.Reason {
	case ReasonEmpty:
		return "value is empty"
	case ReasonTooLong:
		return fmt.Sprintf("value is longer than %d bytes", MaxValue)
	case ReasonNone:
		if len(e.Want) > 0 {
			return "value is not a valid " + typeList(e.Want)
		}
		return "value is not an indicator"
	case ReasonLeading:
		return "text precedes the " + e.Found.Type.String()
	case ReasonSeveral:
		return "value holds more than one indicator"
	case ReasonTrailing:
		return "text follows the " + e.Found.Type.String()
	case ReasonType:
		return fmt.Sprintf("value is a %s, not a %s", e.Found.Type, typeList(e.Want))
	}
	return "value is not an indicator"
}

func typeList(ts []Type) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return strings.Join(names, " or ")
}

// Wrappers are the bytes Check accepts around an indicator: quotes and
// brackets before it, and those, trailing dots and a question mark after
// it ("evil.com.", <http://x/>, 'a@b.com').
const (
	leadWrappers  = "\"'([{<"
	trailWrappers = ".?\"')]}>"
)

// Check reads value as exactly one indicator and returns it, canonical
// (refanged, lower-cased where case does not matter), with its flags and
// the first of the default warninglists it is on (Match.Label names the
// flag to store). want, when given, are the types the value may be; a
// value of another type is refused rather than re-typed. It is safe for
// concurrent use; an Extractor's Check reuses the engine and takes the
// extractor's warninglists.
func Check(value string, want ...Type) (Match, error) {
	return NewExtractor(checkOptions()).Check(value, want...)
}

// defaultLists are the built-in warninglists Check uses. Lists are only
// read once built, so one copy serves every call.
var defaultLists = sync.OnceValue(DefaultWarninglists)

func checkOptions() Options {
	opts := DefaultOptions()
	opts.Warninglists = defaultLists()
	return opts
}

// Check reads value as exactly one indicator, as the package's Check does,
// with this extractor's warninglists; its type filter, Refang and
// DropWarned options do not apply.
//
// Accepted around the indicator: white space, the quotes and brackets of
// leadWrappers before it and of trailWrappers after it. Indicators inside
// it (a URL's host, an e-mail's domain, a hash in a URL's path) are parts
// of it. A value claimed to be a domain is read as the host of a URL would
// be: update.zip and user.name are domains when the caller says so, as
// they are in running text only with a hint word before them. A 32-digit
// hex value claimed to be a JA3 fingerprint (and not an MD5) is one.
func (x *Extractor) Check(value string, want ...Type) (Match, error) {
	v := strings.TrimSpace(value)
	fail := func(r Reason, found Match, text string) (Match, error) {
		return Match{}, &CheckError{Value: v, Want: want, Reason: r, Found: found, Text: text}
	}
	switch {
	case v == "":
		return fail(ReasonEmpty, Match{}, "")
	case len(v) > MaxValue:
		return fail(ReasonTooLong, Match{}, "")
	}
	ms := x.checkMatches(v, want)
	if len(ms) == 0 {
		return fail(ReasonNone, Match{}, "")
	}
	m := ms[0]
	if lead := v[:m.Offset]; strings.Trim(lead, leadWrappers) != "" {
		return fail(ReasonLeading, m, lead)
	}
	end := int(m.Offset) + len(m.Raw)
	for _, n := range ms[1:] {
		if int(n.Offset) >= end {
			return fail(ReasonSeveral, m, "")
		}
	}
	if rest := strings.TrimRight(v[end:], trailWrappers); rest != "" {
		return fail(ReasonTrailing, m, rest)
	}
	if len(want) > 0 && !hasType(want, m.Type) {
		return fail(ReasonType, m, "")
	}
	return m, nil
}

// hasType reports whether t is one of want.
func hasType(want []Type, t Type) bool {
	for _, w := range want {
		if w == t {
			return true
		}
	}
	return false
}

// checkMatches runs the engine over one value with every type on, values
// refanged, nothing dropped, and want claimed.
func (x *Extractor) checkMatches(v string, want []Type) []Match {
	e := x.e
	saved := e.opts
	e.opts.Types, e.opts.Refang, e.opts.DropWarned = 0, true, false
	for _, t := range want {
		e.claim |= 1 << t
	}
	e.out, e.spacedDots, e.rereads = e.checkBuf[:0], false, 0
	raw := []byte(v)
	e.block(raw, 0, 0, len(raw))
	ms := e.out
	e.opts, e.claim, e.out, e.checkBuf = saved, 0, nil, ms[:0]
	return ms
}
