package export

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// rpzWriter writes a DNS response policy zone (draft-vixie-dnsop-dns-rpz)
// in master-file format, with owners relative to the zone's origin so that
// it loads under any zone name: NXDOMAIN (CNAME .) for each domain and
// for its subdomains (*.domain), and response-IP triggers for addresses
// and networks (prefix length, then the address in reverse: 32.4.3.2.1.rpz-ip
// for 1.2.3.4, and for IPv6 the 16-bit words in reverse with "zz" for the
// run of zeros "::" stands for). URLs, e-mail addresses and hashes have no
// place in DNS. The serial is the time the content last changed.
type rpzWriter struct {
	*base
	// hostRoutes holds the rpz-ip owners of /32 and /128 networks, which
	// an address of the same value (written later: types go cidr before
	// ipv4) must not repeat.
	hostRoutes map[string]bool
}

func newRPZ(b *base) writer { return &rpzWriter{base: b, hostRoutes: map[string]bool{}} }

// rpzTTL is the TTL of every record: short, so that a removed entry stops
// blocking soon after the zone is reloaded.
const rpzTTL = 300

func (w *rpzWriter) begin() error {
	w.comment(";")
	serial := uint32(1)
	if s := w.sum.LastChange.Unix(); !w.sum.LastChange.IsZero() && s > 0 && s < 1<<32 {
		serial = uint32(s)
	}
	w.printf("$TTL %d\n", rpzTTL)
	w.printf("@ SOA localhost. hostmaster.localhost. %d 3600 600 604800 %d\n", serial, rpzTTL)
	w.print("@ NS localhost.\n")
	return nil
}

func (w *rpzWriter) end() error { return nil }

// fits reports whether owner, under the zone, is a name DNS can carry.
func (w *rpzWriter) fits(owner string) bool { return len(owner)+1+len(w.opts.Zone) <= 253 }

// reserved reports whether a domain would land in RPZ's own trigger
// namespaces (rpz-ip, rpz-nsdname, …), where it would mean something else.
func reserved(d string) bool {
	last := d[strings.LastIndexByte(d, '.')+1:]
	return strings.HasPrefix(last, "rpz-")
}

func (w *rpzWriter) add(in *intel.ExportIndicator) error {
	switch in.Type {
	case intel.IndicatorDomain:
		d, reason := domainOf(in)
		switch {
		case reason != "":
			w.skip(reason)
		case reserved(d):
			w.skip("domain in an RPZ trigger namespace")
		case !w.fits(d):
			w.skip("domain too long for the zone")
		default:
			w.print(d, " CNAME .\n")
			if w.fits("*." + d) {
				w.print("*.", d, " CNAME .\n")
			}
			w.wrote()
		}
	case intel.IndicatorIPv4, intel.IndicatorIPv6, intel.IndicatorCIDR:
		p, reason := prefixOf(in)
		if reason != "" {
			w.skip(reason)
			return nil
		}
		if p.Bits() == 0 {
			w.skip("cidr covering every address")
			return nil
		}
		owner := rpzIP(p)
		full := p.Bits() == p.Addr().BitLen()
		switch {
		case in.Type == intel.IndicatorCIDR && full:
			w.hostRoutes[owner] = true
		case in.Type != intel.IndicatorCIDR && w.hostRoutes[owner]:
			w.wrote() // the network of the same address said it already
			return nil
		}
		w.print(owner, " CNAME .\n")
		w.wrote()
	default:
		w.skipType(in.Type)
	}
	return nil
}

// rpzIP is the response-IP trigger owner of a prefix.
func rpzIP(p netip.Prefix) string {
	a := p.Addr()
	var b strings.Builder
	b.WriteString(strconv.Itoa(p.Bits()))
	if a.Is4() {
		o := a.As4()
		for i := 3; i >= 0; i-- {
			fmt.Fprintf(&b, ".%d", o[i])
		}
		b.WriteString(".rpz-ip")
		return b.String()
	}
	o := a.As16()
	var words [8]uint16
	for i := range words {
		words[i] = uint16(o[2*i])<<8 | uint16(o[2*i+1])
	}
	// The longest run of two or more zero words (the first of equals)
	// becomes "zz", as "::" in RFC 5952 text.
	start, n := -1, 0
	for i := 0; i < 8; {
		if words[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && words[j] == 0 {
			j++
		}
		if j-i > n && j-i >= 2 {
			start, n = i, j-i
		}
		i = j
	}
	for i := 7; i >= 0; i-- {
		switch {
		case start >= 0 && i == start+n-1:
			b.WriteString(".zz")
		case start >= 0 && i >= start && i < start+n:
		default:
			fmt.Fprintf(&b, ".%x", words[i])
		}
	}
	b.WriteString(".rpz-ip")
	return b.String()
}

// unboundWriter writes an Unbound configuration fragment, for an
// include: line, that answers NXDOMAIN for each domain and everything
// below it (a local-zone covers its subtree).
type unboundWriter struct{ *base }

func newUnbound(b *base) writer { return &unboundWriter{b} }

func (w *unboundWriter) begin() error {
	w.comment("#")
	w.print("server:\n")
	return nil
}

func (w *unboundWriter) end() error { return nil }

func (w *unboundWriter) add(in *intel.ExportIndicator) error {
	d, ok := w.onlyDomain(in)
	if !ok {
		return nil
	}
	w.print("\tlocal-zone: \"", d, ".\" always_nxdomain\n")
	w.wrote()
	return nil
}
