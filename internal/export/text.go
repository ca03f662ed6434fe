package export

import (
	"crypto/sha1"
	"fmt"
	"net/netip"
	"strings"
	"unicode"

	"github.com/spoor/spoor/internal/intel"
)

// namespace is the UUIDv5 namespace of every identifier an export makes
// (fixed: changing it would give every object a new ID).
var namespace = [16]byte{0xa9, 0xff, 0x17, 0x3e, 0x57, 0xc8, 0x4e, 0xa4, 0x9e, 0x8e, 0xcd, 0x34, 0x18, 0x5d, 0xda, 0xf7}

// uuid5 is the RFC 9562 version 5 UUID of name in the export namespace.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// indicatorKey is an indicator's stored key, which names it in every
// format: its type and canonical value.
func indicatorKey(in *intel.ExportIndicator) string { return string(in.Type) + "|" + in.Value }

// groupKey is a group's stored key: the import key of its primary record
// (a STIX ID, misp-galaxy:<uuid>), else its row.
func groupKey(g *intel.Object) string {
	if g.StixID != "" {
		return g.StixID
	}
	return fmt.Sprintf("object:%d", g.ID)
}

// oneLine makes hostile text safe for a line-based format: control
// characters (newlines, tabs, NUL) and Unicode line and paragraph
// separators become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\uFEFF' {
			return ' '
		}
		return r
	}, s)
}

// plainValue reports whether v can stand alone on a line: not empty, no
// white space or control characters.
func plainValue(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\uFEFF' {
			return false
		}
	}
	return true
}

// hostName reports whether d is a DNS host name that every DNS format can
// carry unescaped: at least minLabels labels of 1–63 lower-case letters,
// digits, hyphens or underscores (no hyphen at either end), 253 bytes at
// most.
func hostName(d string, minLabels int) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < minLabels {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// domainOf returns a domain indicator's value as a host name a DNS
// format can carry, or a reason.
// onlyDomain is the host name of a domain indicator for the writers that
// carry domains alone (hosts files, Unbound); other types and values that
// are no host name are counted as skipped.
func (b *base) onlyDomain(in *intel.ExportIndicator) (string, bool) {
	if in.Type != intel.IndicatorDomain {
		b.skipType(in.Type)
		return "", false
	}
	d, reason := domainOf(in)
	if reason != "" {
		b.skip(reason)
		return "", false
	}
	return d, true
}

func domainOf(in *intel.ExportIndicator) (string, string) {
	d := strings.TrimSuffix(strings.ToLower(in.Value), ".")
	if !hostName(d, 2) {
		return "", "domain not a host name"
	}
	return d, ""
}

// prefixOf returns an address or network indicator as a prefix (an
// address as /32 or /128), or a reason.
func prefixOf(in *intel.ExportIndicator) (netip.Prefix, string) {
	switch in.Type {
	case intel.IndicatorIPv4, intel.IndicatorIPv6:
		a, err := netip.ParseAddr(in.Value)
		if err != nil || a.Zone() != "" || a.Is4() != (in.Type == intel.IndicatorIPv4) {
			return netip.Prefix{}, string(in.Type) + " not an address"
		}
		return netip.PrefixFrom(a, a.BitLen()), ""
	case intel.IndicatorCIDR:
		p, err := netip.ParsePrefix(in.Value)
		if err != nil || p.Addr().Zone() != "" {
			return netip.Prefix{}, "cidr not a network"
		}
		return p.Masked(), ""
	}
	return netip.Prefix{}, string(in.Type) + " not an address"
}

// groupNames returns the names of an indicator's groups.
func groupNames(in *intel.ExportIndicator) []string {
	var out []string
	for _, g := range in.Groups {
		out = append(out, g.Name)
	}
	return out
}

// listUpTo joins up to n names, saying how many more there are.
func listUpTo(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s +%d", strings.Join(names[:n], ", "), len(names)-n)
}

// clip shortens s to at most n runes, ending in "…" when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
