// Package ipgeo places IP addresses in countries offline, from the
// IP2Location LITE data that github.com/phuslu/iploc embeds (updated with
// the module's version). Pages that show its answers credit the data
// (Attribution) and say its version.
package ipgeo

import (
	"net/netip"
	"strings"

	"github.com/phuslu/iploc"
)

// Version is the version of the embedded data (its date).
const Version = iploc.Version

// Attribution is the credit the data's licence asks for.
const Attribution = "This product includes IP2Location LITE data available from https://lite.ip2location.com."

// Country is the ISO 3166 alpha-2 code of the country an address is
// registered in, or "" for an address that is not an IP address, is
// private, reserved or documentation space, or is not in the data.
func Country(addr string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil || !a.IsGlobalUnicast() || a.IsPrivate() {
		return ""
	}
	c := iploc.IPCountry(a.Unmap())
	if len(c) != 2 || c == "ZZ" {
		return ""
	}
	return c
}
