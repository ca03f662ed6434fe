package reputation

import (
	"fmt"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Name is a domain split the way the features read it.
type Name struct {
	// Domain is the name in lower case without a trailing dot.
	Domain string
	// Suffix is the public suffix under the whole list (ICANN and private
	// rules: "github.io", "co.uk", "com"); ICANNSuffix is the one under the
	// ICANN rules alone ("io", "co.uk", "com").
	Suffix, ICANNSuffix string
	// Private reports whether Suffix comes from the list's private section
	// (hosting providers, dynamic DNS).
	Private bool
	// KnownTLD reports whether the last label is an ICANN top-level domain.
	KnownTLD bool
	// Label is the label registered under Suffix ("example" in
	// www.example.co.uk), and Registered is Label + "." + Suffix.
	Label, Registered string
	// Sub holds the labels left of Registered, leftmost first.
	Sub []string
}

// InvalidError says why a string is not a domain name. Scoring never fails
// on it: the result is the reputation "invalid" with this reason.
type InvalidError struct {
	Input  string
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("%q is not a domain name: %s", e.Input, e.Reason)
}

func invalid(in, format string, args ...any) *InvalidError {
	return &InvalidError{Input: in, Reason: fmt.Sprintf(format, args...)}
}

// ParseName checks and splits a domain name. It accepts what block lists
// and feeds carry: ASCII (punycode for IDNs), any case, a trailing dot, and
// underscores outside the registered label; it refuses URLs, addresses,
// bare public suffixes and names that DNS could not hold.
func ParseName(s string) (Name, error) {
	in := s
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	switch {
	case s == "":
		return Name{}, invalid(in, "empty")
	case strings.Contains(s, "://") || strings.ContainsAny(s, "/?#"):
		return Name{}, invalid(in, "a URL or path, not a bare domain")
	case strings.Contains(s, "@"):
		return Name{}, invalid(in, "an e-mail address, not a domain")
	case strings.Contains(s, ":") || strings.HasPrefix(s, "["):
		return Name{}, invalid(in, "has a port or is an IPv6 address")
	case len(s) > 253:
		return Name{}, invalid(in, "longer than 253 characters")
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c | 0x20
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		case c >= 0x80:
			return Name{}, invalid(in, "not ASCII (write an international name in punycode, xn--…)")
		default:
			return Name{}, invalid(in, "character %q is not allowed in a domain", c)
		}
	}
	s = string(b)
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return Name{}, invalid(in, "a single label, not a domain")
	}
	for _, l := range labels {
		switch {
		case l == "":
			return Name{}, invalid(in, "has an empty label")
		case len(l) > 63:
			return Name{}, invalid(in, "has a label longer than 63 characters")
		case l[0] == '-' || l[len(l)-1] == '-':
			return Name{}, invalid(in, "label %q starts or ends with a hyphen", l)
		}
	}
	tld := labels[len(labels)-1]
	if allDigits(tld) {
		return Name{}, invalid(in, "an IP address or number, not a domain")
	}
	if strings.Contains(tld, "_") {
		return Name{}, invalid(in, "top-level label %q holds an underscore", tld)
	}
	n := Name{Domain: s}
	var icann bool
	n.Suffix, icann = publicsuffix.PublicSuffix(s)
	if icann {
		n.ICANNSuffix, n.KnownTLD = n.Suffix, true
	} else {
		n.ICANNSuffix, n.KnownTLD = icannSuffix(n.Suffix)
	}
	n.Private = n.Suffix != n.ICANNSuffix
	if n.Suffix == s {
		if n.Private {
			// A provider's own zone (github.io) is a name like any other:
			// read it as a label under its ICANN suffix.
			n.Suffix = n.ICANNSuffix
			n.Private = false
		} else {
			return Name{}, invalid(in, "a public suffix (%s), not a registrable domain", s)
		}
	}
	reg := s[:len(s)-len(n.Suffix)-1]
	if i := strings.LastIndexByte(reg, '.'); i >= 0 {
		n.Label = reg[i+1:]
		n.Sub = strings.Split(reg[:i], ".")
	} else {
		n.Label = reg
	}
	if strings.Contains(n.Label, "_") {
		return Name{}, invalid(in, "the registered label %q holds an underscore", n.Label)
	}
	n.Registered = n.Label + "." + n.Suffix
	return n, nil
}

// icannSuffix returns the ICANN public suffix under a suffix that the
// list's private section (or its default rule, for an unknown TLD) gave,
// and whether the TLD is an ICANN one. Private rules extend ICANN ones, so
// the answer is the longest ICANN suffix of a shorter name.
func icannSuffix(suffix string) (string, bool) {
	// Strip labels from the left of the private suffix until the list
	// answers with an ICANN rule (or runs out: an unknown TLD).
	rest := suffix
	for {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			_, icann := publicsuffix.PublicSuffix("x." + rest)
			return rest, icann
		}
		rest = rest[i+1:]
		if ps, icann := publicsuffix.PublicSuffix("x." + rest); icann {
			return ps, true
		}
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
