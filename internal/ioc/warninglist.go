package ioc

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// Warninglist is a named set of known-benign values: popular domains,
// public resolvers, documentation ranges. A match whose value is on a list is
// reported with the list's name (or dropped, with Options.DropWarned), as in
// MISP warninglists. Domains match their subdomains (sub.google.com is on a
// list holding google.com); addresses match the networks that contain them;
// every other value matches exactly, case-insensitively.
//
// A Warninglist is built once and then only read, so one list may be shared
// by any number of concurrent extractions.
type Warninglist struct {
	name     string
	domains  map[string]struct{}
	addrs    map[netip.Addr]struct{}
	prefixes []netip.Prefix
	values   map[string]struct{}
}

// NewWarninglist returns a list holding values, each of which may be a
// domain, an IP address, a CIDR network or any other indicator value.
func NewWarninglist(name string, values ...string) *Warninglist {
	w := &Warninglist{
		name:    name,
		domains: make(map[string]struct{}),
		addrs:   make(map[netip.Addr]struct{}),
		values:  make(map[string]struct{}),
	}
	for _, v := range values {
		w.add(v)
	}
	return w
}

// Name is the list's name, reported in Match.Warninglist.
func (w *Warninglist) Name() string { return w.name }

// Len returns the number of entries.
func (w *Warninglist) Len() int {
	return len(w.domains) + len(w.addrs) + len(w.prefixes) + len(w.values)
}

func (w *Warninglist) add(v string) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return
	}
	if p, err := netip.ParsePrefix(v); err == nil {
		w.prefixes = append(w.prefixes, p.Masked())
		return
	}
	if a, err := netip.ParseAddr(v); err == nil {
		w.addrs[a.Unmap()] = struct{}{}
		return
	}
	v = Refang(v)
	if looksLikeDomain(v) {
		w.domains[strings.TrimSuffix(v, ".")] = struct{}{}
		return
	}
	w.values[v] = struct{}{}
}

// looksLikeDomain is a loose check: list entries are trusted input and may
// use suffixes the extractor itself would not accept (corp.local).
func looksLikeDomain(v string) bool {
	if !strings.Contains(v, ".") || strings.ContainsAny(v, "@/: ") {
		return false
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// LoadWarninglist reads a list from r: one value per line, blank lines and
// lines starting with '#' ignored, a trailing " # comment" cut. Lines in the
// rank-CSV form "rank,domain" (as in a Tranco list) contribute their domain;
// a "rank,domain" header is skipped. Other CSV lines contribute their first
// field.
func LoadWarninglist(name string, r io.Reader) (*Warninglist, error) {
	w := NewWarninglist(name)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if i := strings.Index(s, " #"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" || s[0] == '#' {
			continue
		}
		if first, rest, ok := strings.Cut(s, ","); ok {
			switch {
			case isDigits([]byte(first)):
				s, _, _ = strings.Cut(rest, ",")
			case strings.EqualFold(first, "rank"):
				continue
			default:
				s = first
			}
		}
		w.add(s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ioc: warninglist %s line %d: %w", name, line+1, err)
	}
	return w, nil
}

// Contains reports whether value, of type t in canonical form, is on the
// list.
func (w *Warninglist) Contains(t Type, value string) bool {
	return w.contains(t, strings.ToLower(value))
}

func (w *Warninglist) contains(t Type, v string) bool {
	switch t {
	case TypeDomain, TypeURL:
		// For a URL, v is its host, which may be an address (it then
		// starts with a digit or '['); a domain never is one, and parsing
		// every domain as an address cost an error allocation per list.
		if t == TypeURL && v != "" && (v[0] == '[' || v[0] >= '0' && v[0] <= '9') {
			if a, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
				return w.containsAddr(a)
			}
		}
		for {
			if _, ok := w.domains[v]; ok {
				return true
			}
			i := strings.IndexByte(v, '.')
			if i < 0 {
				return false
			}
			v = v[i+1:]
		}
	case TypeIPv4, TypeIPv6:
		a, err := netip.ParseAddr(v)
		return err == nil && w.containsAddr(a)
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return false
		}
		for _, q := range w.prefixes {
			if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
				return true
			}
		}
		return false
	}
	_, ok := w.values[v]
	return ok
}

func (w *Warninglist) containsAddr(a netip.Addr) bool {
	a = a.Unmap()
	if _, ok := w.addrs[a]; ok {
		return true
	}
	for _, p := range w.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// DefaultWarninglists returns fresh copies of the built-in lists:
// "public-resolvers" (well-known DNS resolvers), "documentation" (RFC 5737,
// RFC 3849 and RFC 9637 ranges) and "example-domains" (RFC 2606). Popular
// domains are not built in; load a rank list with LoadWarninglist.
func DefaultWarninglists() []*Warninglist {
	return []*Warninglist{
		NewWarninglist("public-resolvers",
			"8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844", // Google
			"1.1.1.1", "1.0.0.1", "2606:4700:4700::1111", "2606:4700:4700::1001", // Cloudflare
			"9.9.9.9", "149.112.112.112", "2620:fe::fe", "2620:fe::9", // Quad9
			"208.67.222.222", "208.67.220.220", "2620:119:35::35", "2620:119:53::53", // OpenDNS
			"94.140.14.14", "94.140.15.15", // AdGuard
			"185.228.168.9", "185.228.169.9", // CleanBrowsing
			"76.76.19.19", "76.223.122.150", // Alternate DNS
			"64.6.64.6", "64.6.65.6", // Verisign
			"4.2.2.1", "4.2.2.2", "4.2.2.3", "4.2.2.4", "4.2.2.5", "4.2.2.6", // Level 3
			"77.88.8.8", "77.88.8.1", // Yandex
			"114.114.114.114", "223.5.5.5", "223.6.6.6", "119.29.29.29", // China
		),
		NewWarninglist("documentation",
			"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"),
		NewWarninglist("example-domains",
			"example.com", "example.net", "example.org", "example.edu"),
	}
}
