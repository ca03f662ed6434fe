// Package ioclist reads lists of indicators of compromise: plain
// one-per-line trail files (maltrail style), CSV files with a caller-given
// column mapping, and the grouped APT IOC CSV (group, campaign, type,
// value, date, source, ATT&CK group ID), which also yields one event per
// (group, campaign).
//
// Every value passes through the ioc engine, which classifies it and puts
// it in canonical form, so mechanical errors (defanging, upper-case hashes
// and hosts, trailing dots, stray whitespace and quotes) are corrected by
// construction. A value that is not exactly one indicator is rejected with
// a reason and counted, never silently dropped; warninglist hits are
// flagged, not dropped.
//
// The package is pure: readers in, intel values out. Parsers stream their
// input row by row; only the batch they build grows with the input.
package ioclist

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// Screener classifies and canonicalises single values with ioc's
// Extractor.Check, the check behind the extract page, the indicator form
// and the STIX and MISP parsers, so a value gets the same canonical form
// and label (ioc.Match.Label) whichever way it comes in. It is safe for
// concurrent use once built (its warninglists are only read); each call
// borrows an ioc.Extractor from a pool, so the extractor's verdict caches
// serve every row of a list instead of being built per value.
type Screener struct {
	extractors sync.Pool // *ioc.Extractor
}

// NewScreener returns a screener that flags values on ioc.DefaultWarninglists
// and on the extra lists given (a Tranco-style rank list, for instance).
func NewScreener(extra ...*ioc.Warninglist) *Screener {
	opts := ioc.DefaultOptions()
	opts.Warninglists = append(ioc.DefaultWarninglists(), extra...)
	s := &Screener{}
	s.extractors.New = func() any { return ioc.NewExtractor(opts) }
	return s
}

// Screened is a value that passed screening.
type Screened struct {
	Type  intel.IndicatorType
	Value string
	// Warninglist is the value's ioc.Match.Label: the first warninglist it
	// is on, else the name of the special range it falls in (private,
	// loopback, …), else "".
	Warninglist string
}

// typeAliases maps the type names other tools write (MISP attribute types,
// STIX observable types, OpenIOC habits) to spoor's.
var typeAliases = map[string]intel.IndicatorType{
	"ip": intel.IndicatorIPv4, "ip-dst": intel.IndicatorIPv4, "ip-src": intel.IndicatorIPv4,
	"ipv4-addr": intel.IndicatorIPv4, "ipv6-addr": intel.IndicatorIPv6,
	"hostname": intel.IndicatorDomain, "host": intel.IndicatorDomain, "fqdn": intel.IndicatorDomain,
	"domain-name": intel.IndicatorDomain, "uri": intel.IndicatorURL, "link": intel.IndicatorURL,
	"email-addr": intel.IndicatorEmail, "email-src": intel.IndicatorEmail, "e-mail": intel.IndicatorEmail,
	"sha-1": intel.IndicatorSHA1, "sha-256": intel.IndicatorSHA256, "sha-512": intel.IndicatorSHA512,
	"vulnerability": intel.IndicatorCVE, "attack-pattern": intel.IndicatorTechnique,
	"as": intel.IndicatorASN, "autonomous-system": intel.IndicatorASN,
	"mac-address": intel.IndicatorMAC, "mac-addr": intel.IndicatorMAC, "windows-registry-key": intel.IndicatorRegKey,
	"ja3-fingerprint-md5": intel.IndicatorJA3,
}

// ParseType reads an indicator type as lists write it ("ipv4", "ip-dst",
// "hostname", "SHA256"); "" means "infer it".
func ParseType(s string) (intel.IndicatorType, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if t := intel.IndicatorType(s); t.Valid() {
		return t, nil
	}
	if t, ok := typeAliases[s]; ok {
		return t, nil
	}
	return "", fmt.Errorf("unknown indicator type %q", s)
}

// hostTypes may be followed by ":port" or a path in a list entry.
func hostType(t ioc.Type) bool {
	return t == ioc.TypeDomain || t == ioc.TypeIPv4 || t == ioc.TypeIPv6
}

// Screen classifies raw (defanged or not) as exactly one indicator and
// returns it canonical. want, when not "", is the type the input claims;
// a value of another type is rejected rather than re-typed, since a
// mislabelled column is a mistake the analyst should see. The error is a
// one-line reason meant to be prefixed with the input position.
//
// What ioc.Check accepts around the indicator (white space, quotes and
// brackets, trailing dots) is accepted here; so are list conventions:
// after a domain or address a ":port" (dropped: the host is the
// indicator) or a path (the entry is then read as an http URL, maltrail's
// convention for URL trails), and HTML-escaped ampersands in URLs.
func (s *Screener) Screen(want intel.IndicatorType, raw string) (Screened, error) {
	v := strings.TrimSpace(raw)
	if want == intel.IndicatorURL || want == "" && strings.Contains(v, "/") {
		if !strings.Contains(v, "://") && !strings.Contains(v, "[://]") && want == intel.IndicatorURL {
			v = "http://" + v
		}
		// An HTML-escaped query string (copied from a web page) is a
		// mechanical error: &amp; in a URL is always &.
		v = strings.ReplaceAll(v, "&amp;", "&")
	}
	var types []ioc.Type
	if want != "" {
		t, ok := ioc.ParseType(string(want))
		if !ok {
			return Screened{}, fmt.Errorf("unknown indicator type %q", want)
		}
		types = []ioc.Type{t}
	}
	x := s.extractors.Get().(*ioc.Extractor)
	defer s.extractors.Put(x)
	m, err := x.Check(v, types...)
	if ce, ok := errors.AsType[*ioc.CheckError](err); ok && ce.Reason == ioc.ReasonTrailing && hostType(ce.Found.Type) {
		switch rest := ce.Text; {
		case rest[0] == '/' || rest[0] == ':' && strings.Contains(rest, "/"):
			// host/path or host:port/path: maltrail's URL entries.
			u, uerr := x.Check("http://"+strings.TrimLeft(v, "\"'([{<"), ioc.TypeURL)
			if uerr != nil {
				return Screened{}, fmt.Errorf("%q is not a URL", v)
			}
			m, err = u, nil
			if want != "" && want != intel.IndicatorURL {
				err = &ioc.CheckError{Value: v, Want: types, Reason: ioc.ReasonType, Found: u}
			}
		case rest[0] == ':' && isPort(rest[1:]):
			// host:port: the host is the indicator.
			m, err = ce.Found, nil
			if want != "" && string(want) != m.Type.String() {
				err = &ioc.CheckError{Value: ce.Value, Want: types, Reason: ioc.ReasonType, Found: m}
			}
		}
	}
	if err != nil {
		return Screened{}, err
	}
	t := intel.IndicatorType(m.Type.String())
	if !t.Valid() {
		return Screened{}, fmt.Errorf("%s %q is not an indicator type spoor stores", m.Type, m.Value)
	}
	return Screened{Type: t, Value: m.Value, Warninglist: m.Label()}, nil
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n > 0 && n < 65536
}
