package ioc

import (
	"bytes"
	"net/netip"
)

func isSchemeByte(b byte) bool { return cls[b]&cAlpha != 0 }

// schemes maps the lower-case schemes a URL may have, defanged ones
// included, to their canonical spelling. Schemes without a network host
// (mailto, file, data) are not URLs in the indicator sense.
var schemes = map[string]string{
	"http": "http", "https": "https", "ftp": "ftp", "ftps": "ftps", "sftp": "sftp",
	"ws": "ws", "wss": "wss", "tcp": "tcp", "udp": "udp", "ldap": "ldap",
	"ldaps": "ldaps", "rmi": "rmi", "smb": "smb", "ssh": "ssh", "telnet": "telnet",
	"irc":  "irc",
	"hxxp": "http", "hxxps": "https", "hxtp": "http", "hxtps": "https",
	"fxp": "ftp", "fxps": "ftps",
}

// canonicalScheme returns the canonical scheme for b (any case).
func canonicalScheme(b []byte) (string, bool) {
	if len(b) < 2 || len(b) > 6 {
		return "", false
	}
	var buf [6]byte
	for i, c := range b {
		buf[i] = c | 0x20
	}
	s, ok := schemes[string(buf[:len(b)])]
	return s, ok
}

// isDefangedScheme reports whether b is a deliberately broken scheme.
func isDefangedScheme(b []byte) bool {
	s, ok := canonicalScheme(b)
	if !ok {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i] {
			return true
		}
	}
	return len(b) != len(s)
}

var colonSlashSlash = []byte("://")

// urls finds URLs in the token clean[s:t]. It reports false when there is
// none, so that the caller classifies the token as plain text; otherwise it
// classifies the text around the URLs itself.
func (e *engine) urls(s, t int) bool {
	c := e.clean
	found := false
	last, pos := s, s
	for pos < t {
		k := bytes.Index(c[pos:t], colonSlashSlash)
		if k < 0 {
			break
		}
		k += pos
		ss, scheme, starred, ok := schemeAt(c, last, k)
		if !ok {
			pos = k + 3
			continue
		}
		u, ok := e.url(ss, k, t, scheme, starred)
		if !ok {
			pos = k + 3
			continue
		}
		if ss > last {
			e.segment(last, ss)
		}
		e.emitURL(&u)
		end := u.end
		found = true
		last, pos = end, end
	}
	if found && last < t {
		e.segment(last, t)
	}
	return found
}

// parsedURL is a URL found in the clean text, ready to emit.
type parsedURL struct {
	ss, end  int    // clean span of the URL
	rest     int    // clean offset after the authority (path, query)
	h, hEnd  int    // clean span of the host as emitted
	hostType Type   // TypeDomain, TypeIPv4 or TypeIPv6
	host     string // canonical host
	value    string // canonical URL
	flags    Flags
}

// schemeAt finds the scheme of the "://" at c[k], starting at lo or later:
// the letters before it, or h**p and h**ps, the letters starred out. It
// returns where the scheme starts, its canonical spelling and whether it
// was starred.
func schemeAt(c []byte, lo, k int) (ss int, scheme string, starred, ok bool) {
	ss = k
	for ss > lo && isSchemeByte(c[ss-1]) {
		ss--
	}
	if h := ss - 3; h >= lo && c[ss-1] == '*' && c[ss-2] == '*' && c[h]|0x20 == 'h' && (h == lo || !isSchemeByte(c[h-1])) {
		switch {
		case k-ss == 1 && c[ss]|0x20 == 'p':
			return h, "http", true, true
		case k-ss == 2 && eqFold(c[ss:k], "ps"):
			return h, "https", true, true
		}
	}
	scheme, ok = canonicalScheme(c[ss:k])
	return ss, scheme, false, ok
}

// url parses the URL whose scheme is clean[ss:k] and whose "://" is at k,
// within the token ending at t; starred says the scheme was h**p or h**ps.
func (e *engine) url(ss, k, t int, scheme string, starred bool) (parsedURL, bool) {
	var u parsedURL
	c := e.clean
	hs := k + 3
	end := trimURL(c, ss, t)
	if end <= hs {
		return u, false
	}
	// Authority: up to the first / ? #, userinfo before its last '@'.
	ae := hs
	for ae < end && c[ae] != '/' && c[ae] != '?' && c[ae] != '#' {
		ae++
	}
	h := hs
	if at := bytes.LastIndexByte(c[hs:ae], '@'); at >= 0 {
		h = hs + at + 1
	}
	var (
		hostType Type
		host     string
		hostEnd  int
		flags    Flags
		canon    string // host as written in the canonical URL
	)
	if h < ae && c[h] == '[' {
		rb := bytes.IndexByte(c[h:ae], ']')
		if rb < 0 {
			return u, false
		}
		a, err := netip.ParseAddr(string(c[h+1 : h+rb]))
		if err != nil || !a.Is6() || a.Zone() != "" || a.IsUnspecified() {
			return u, false
		}
		hostType, host, hostEnd, flags = TypeIPv6, a.String(), h+rb+1, addrFlags(a)
		canon = "[" + host + "]"
	} else {
		he := h
		for he < ae && c[he] != ':' {
			he++
		}
		if !e.checkPort(he, ae) {
			return u, false
		}
		if a, ok := parseIPv4(c[h:he]); ok {
			hostType, host, hostEnd, flags = TypeIPv4, string(c[h:he]), he, addrFlags(netip.AddrFrom4(a))
		} else {
			v, f, ok := e.domain(h, he, ctxURL)
			if !ok {
				return u, false
			}
			hostType, host, hostEnd, flags = TypeDomain, v, he, f
		}
		canon = host
	}
	if !e.checkPort(hostEnd, ae) {
		return u, false
	}
	if starred || isDefangedScheme(c[ss:k]) {
		flags |= FlagDefanged
	}
	u = parsedURL{ss: ss, end: end, rest: ae, hostType: hostType, host: host, flags: flags}
	switch hostType {
	case TypeIPv6:
		u.h, u.hEnd = h+1, hostEnd-1
	case TypeDomain:
		u.h, u.hEnd = h, h+len(host)
	default:
		u.h, u.hEnd = h, hostEnd
	}
	if e.opts.Types.Has(TypeURL) {
		v := make([]byte, 0, len(scheme)+3+(end-hs)+2)
		v = append(v, scheme...)
		v = append(v, "://"...)
		v = append(v, c[hs:h]...)
		v = append(v, canon...)
		v = append(v, c[hostEnd:end]...)
		u.value = string(v)
	}
	return u, true
}

// emitURL emits a parsed URL, its host, and the indicators in its path and
// query: VirusTotal and NVD links carry hashes and CVE IDs, redirectors carry
// domains. Path components are classified with inPath set, so script and
// archive names in a path are not taken for domains.
func (e *engine) emitURL(u *parsedURL) {
	e.emit(TypeURL, u.ss, u.end, u.value, u.flags, u.host)
	if u.hostType != TypeDomain || !e.isBareSuffix(u.host) {
		// The host is whole and written as it is (its own notations
		// flag it again).
		e.emit(u.hostType, u.h, u.hEnd, u.host, u.flags&^(FlagDefanged|FlagTruncated), "")
	}
	if u.rest < u.end {
		inPath := e.inPath
		e.inPath = true
		e.segment(u.rest, u.end)
		e.inPath = inPath
	}
}

// checkPort reports whether clean[p:ae] is empty or ":" followed by a port.
func (e *engine) checkPort(p, ae int) bool {
	c := e.clean
	if p == ae {
		return true
	}
	if c[p] != ':' || ae-p > 6 {
		return false
	}
	return ae-p == 1 || isDigits(c[p+1:ae])
}

// trimURL returns where a URL starting at clean[ss:] and running to the end
// of its token t really ends: trailing sentence punctuation and closing
// brackets that have no opener inside the URL are not part of it.
func trimURL(c []byte, ss, t int) int {
	end := t
	for end > ss {
		switch b := c[end-1]; b {
		case '.', ',', ';', ':', '!', '?', '*', '\'', '"':
			end--
			continue
		case ')', ']', '}':
			open := byte('(')
			if b == ']' {
				open = '['
			} else if b == '}' {
				open = '{'
			}
			if bytes.Count(c[ss:end], []byte{open}) < bytes.Count(c[ss:end], []byte{b}) {
				end--
				continue
			}
		}
		break
	}
	return end
}
