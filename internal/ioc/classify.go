package ioc

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// emit appends a match for clean[cs:ce]. host is the canonical host of a URL,
// which is what warninglists are checked against for URLs.
func (e *engine) emit(t Type, cs, ce int, value string, flags Flags, host string) {
	if !e.opts.Types.Has(t) {
		return
	}
	rs, re := e.rawPos(cs), e.rawPos(ce)
	if any, _ := e.rewritten(cs, ce); any {
		flags |= FlagDefanged
	}
	m := Match{Type: t, Value: value, Offset: e.base + int64(rs), Flags: flags}
	if raw := e.raw[rs:re]; string(raw) == value {
		m.Raw = value // written in canonical form: one string for both
	} else {
		m.Raw = string(raw)
	}
	if len(e.opts.Warninglists) > 0 {
		key := value
		switch t {
		case TypeURL:
			key = host
		case TypeCVE, TypeTechnique, TypeTactic, TypeASN, TypeBTC, TypeXMR, TypeRegKey, TypeFilePath, TypeFileName:
			// Lists hold other values in lower case (Warninglist.add).
			key = strings.ToLower(value)
		}
		for _, w := range e.opts.Warninglists {
			if w != nil && w.contains(t, key) {
				m.Warninglist = w.Name()
				break
			}
		}
		if m.Warninglist != "" && e.opts.DropWarned {
			return
		}
	}
	if !e.opts.Refang {
		m.Value = m.Raw
	}
	e.out = append(e.out, m)
}

// parseIPv4 parses a strict dotted quad: four decimal octets, each at most
// 255 and without leading zeros, since 010.1.1.1 means octal to some parsers
// and decimal to others.
func parseIPv4(b []byte) (a [4]byte, ok bool) {
	part, digits, n := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || n == 4 {
				return a, false
			}
			a[n] = byte(part)
			n++
			part, digits = 0, 0
			continue
		}
		d := b[i]
		if d < '0' || d > '9' || (digits == 1 && part == 0) {
			return a, false
		}
		part = part*10 + int(d-'0')
		digits++
		if part > 255 {
			return a, false
		}
	}
	return a, n == 4
}

// Special address ranges, flagged rather than dropped.
var (
	docPrefixes = [...]netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),    // RFC 5737 TEST-NET-1
		netip.MustParsePrefix("198.51.100.0/24"), // RFC 5737 TEST-NET-2
		netip.MustParsePrefix("203.0.113.0/24"),  // RFC 5737 TEST-NET-3
		netip.MustParsePrefix("2001:db8::/32"),   // RFC 3849
		netip.MustParsePrefix("3fff::/20"),       // RFC 9637
	}
	reservedPrefixes = [...]netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
		netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
		netip.MustParsePrefix("240.0.0.0/4"),   // future use and broadcast
		netip.MustParsePrefix("::/128"),        // unspecified
		netip.MustParsePrefix("100::/64"),      // discard-only
	}
)

func addrFlags(a netip.Addr) Flags {
	a = a.Unmap()
	var f Flags
	switch {
	case a.IsLoopback():
		f |= FlagLoopback
	case a.IsPrivate():
		f |= FlagPrivate
	case a.IsLinkLocalUnicast():
		f |= FlagLinkLocal
	case a.IsMulticast():
		f |= FlagMulticast
	}
	for _, p := range docPrefixes {
		if p.Contains(a) {
			f |= FlagDocumentation
		}
	}
	for _, p := range reservedPrefixes {
		if p.Contains(a) {
			f |= FlagReserved
		}
	}
	return f
}

// ipv4 reports whether clean[s:t] is an IPv4 address and emits it. glued
// means it was written straight after a "v", as in v1.2.3.4.
func (e *engine) ipv4(s, t int, glued bool) bool {
	a, ok := parseIPv4(e.clean[s:t])
	if !ok {
		return false
	}
	if !e.opts.Types.Has(TypeIPv4) {
		return true
	}
	f := addrFlags(netip.AddrFrom4(a))
	if glued || e.versionBefore(s) {
		f |= FlagVersionLike
	}
	e.emit(TypeIPv4, s, t, string(e.clean[s:t]), f, "")
	return true
}

// versionBefore reports whether the word before clean offset cs is
// "version", "ver" or "v" (as in "version 1.2.3.4" or "ver. 10.0.0.1"). It
// reads the raw bytes, so the answer is the same in every block.
func (e *engine) versionBefore(cs int) bool {
	r := e.raw
	i := e.rawPos(cs)
	stop := max(i-24, 0)
	for i > stop && (r[i-1] == ' ' || r[i-1] == '\t' || r[i-1] == ':' || r[i-1] == '=' || r[i-1] == '(') {
		i--
	}
	if i > stop && r[i-1] == '.' {
		i--
	}
	w := i
	for w > stop && cls[r[w-1]]&cAlpha != 0 {
		w--
	}
	if w > 0 && cls[r[w-1]]&(cAlpha|cDigit) != 0 {
		return false
	}
	word := r[w:i]
	return eqFold(word, "version") || eqFold(word, "ver") || eqFold(word, "v")
}

// smallUint parses 1–3 decimal digits without a leading zero, at most limit.
func smallUint(b []byte, limit int) (int, bool) {
	if len(b) == 0 || len(b) > 3 || (len(b) > 1 && b[0] == '0') {
		return 0, false
	}
	v := 0
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		v = v*10 + int(d-'0')
	}
	return v, v <= limit
}

// cidr4 reports whether clean[s:t] is an IPv4 network a.b.c.d/n.
func (e *engine) cidr4(s, t int) bool {
	c := e.clean
	slash := bytes.IndexByte(c[s:t], '/')
	if slash < 0 {
		return false
	}
	slash += s
	a, ok := parseIPv4(c[s:slash])
	if !ok {
		return false
	}
	if _, ok := smallUint(c[slash+1:t], 32); !ok {
		return false
	}
	e.emit(TypeCIDR, s, t, string(c[s:t]), addrFlags(netip.AddrFrom4(a)), "")
	return true
}

// ipv6 reports whether clean[s:t] is an IPv6 address, optionally with a
// prefix length, and emits it in canonical compressed form.
func (e *engine) ipv6(s, t int) bool {
	c := e.clean
	slash, colons := -1, 0
	for i := s; i < t; i++ {
		b := c[i]
		switch {
		case b == ':':
			if slash >= 0 {
				return false
			}
			colons++
		case b == '/':
			if slash >= 0 {
				return false
			}
			slash = i
		case slash >= 0:
			if b < '0' || b > '9' {
				return false
			}
		case cls[b]&(cHex|cDigit) != 0 || b == '.':
		default:
			return false
		}
	}
	end := t
	if slash >= 0 {
		end = slash
	}
	if colons < 2 || end-s < 3 {
		return false // also refuses a bare "::"
	}
	a, err := netip.ParseAddr(string(c[s:end]))
	if err != nil || !a.Is6() || a.Zone() != "" || a.IsUnspecified() {
		return false // "::0" and friends are punctuation far more often than addresses
	}
	if slash >= 0 {
		bits, ok := smallUint(c[slash+1:t], 128)
		if !ok {
			return false
		}
		e.emit(TypeCIDR, s, t, a.String()+"/"+strconv.Itoa(bits), addrFlags(a), "")
		return true
	}
	e.emit(TypeIPv6, s, t, a.String(), addrFlags(a), "")
	return true
}

func isLocalByte(b byte) bool {
	return cls[b]&(cAlpha|cDigit) != 0 || b == '.' || b == '_' || b == '-' || b == '+'
}

// email reports whether clean[s:t] holds an e-mail address and emits it,
// followed by its domain. The local part is the run of dot-atom characters
// before the last '@', without leading, trailing or doubled dots.
func (e *engine) email(s, t int) bool {
	c := e.clean
	at := bytes.LastIndexByte(c[s:t], '@') + s
	ls := at
	for ls > s && isLocalByte(c[ls-1]) {
		ls--
	}
	for ls < at && (c[ls] == '.' || c[ls] == '-' || c[ls] == '+') {
		ls++
	}
	if at-ls < 1 || at-ls > 64 || c[at-1] == '.' || bytes.Contains(c[ls:at], []byte("..")) {
		return false
	}
	de := at + 1
	for de < t && (cls[c[de]]&(cAlpha|cDigit) != 0 || c[de] == '.' || c[de] == '-' || c[de] == '_') {
		de++
	}
	for de > at+1 && (c[de-1] == '.' || c[de-1] == '-') {
		de--
	}
	dom, df, ok := e.domain(at+1, de, ctxEmail)
	if !ok {
		return false
	}
	if ls > s {
		e.sub(s, ls)
	}
	e.emit(TypeEmail, ls, at+1+len(dom), string(c[ls:at])+"@"+dom, df, "")
	if !e.isBareSuffix(dom) {
		e.emit(TypeDomain, at+1, at+1+len(dom), dom, df, "")
	}
	if at+1+len(dom) < t {
		e.sub(at+1+len(dom), t)
	}
	return true
}

// domainCtx says where a candidate domain was found; inside a URL or an
// e-mail address a name ending in a file-extension TLD is still a domain.
type domainCtx uint8

const (
	ctxText domainCtx = iota
	ctxURL
	ctxEmail
)

// fileExtTLDs are ICANN TLDs that are far more often file extensions in
// reports than domains. A two-label name such as invoice.zip, setup.py or
// run.sh written in plain text is a file, not a domain, unless the context
// says otherwise (defanged, URL host, e-mail domain, hint word before it).
// Names of three labels or more in lower case (cdn.evil.zip) stay domains:
// file names rarely have two dots. TLDs such as .me, .cc or .ml, where real
// malicious domains are common, are deliberately not in the list.
var fileExtTLDs = map[string]bool{
	"zip": true, "mov": true, "py": true, "sh": true, "rs": true, "pl": true,
	"pm": true, "md": true, "so": true, "ps": true, "cab": true, "one": true,
	"app": true, "run": true,
}

// fileExts are extensions that, as the label before a file-extension TLD,
// make a name a double-extension file name: invoice.pdf.zip, doc.exe.sh.
var fileExts = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "docm": true, "xls": true, "xlsx": true,
	"xlsm": true, "ppt": true, "pptx": true, "rtf": true, "txt": true, "exe": true,
	"scr": true, "js": true, "jse": true, "vbs": true, "hta": true, "lnk": true,
	"iso": true, "img": true, "jpg": true, "jpeg": true, "png": true, "gif": true,
	"html": true, "htm": true, "dll": true, "bin": true, "dat": true, "tar": true,
	"gz": true, "rar": true, "7z": true, "jar": true, "apk": true, "msi": true,
	"csv": true, "zip": true, "py": true, "sh": true, "ps1": true, "bat": true,
	"cmd": true, "elf": true, "mp4": true, "mp3": true, "wav": true, "svg": true,
}

// doubleExtension reports whether the last label of name (the labels before
// the TLD) is a file extension.
func doubleExtension(name []byte) bool {
	if i := bytes.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 5 {
		return false
	}
	var buf [5]byte
	for i, b := range name {
		buf[i] = b | 0x20
	}
	return fileExts[string(buf[:len(name)])]
}

// englishTLDs are TLDs that are also short English words or company
// suffixes. Written with a capital after a dot ("attack.In the end", "the
// tool.IT teams", "Co.LTD"), they are a sentence glued to the one before,
// not a domain.
var englishTLDs = map[string]bool{
	"in": true, "it": true, "is": true, "at": true, "to": true, "no": true, "so": true,
	"be": true, "me": true, "my": true, "us": true, "do": true, "am": true, "as": true,
	"by": true, "new": true, "now": true, "one": true, "top": true, "win": true, "you": true,
	"how": true, "what": true, "who": true, "why": true, "here": true, "this": true,
	// and company suffixes: Aliyun Computing Co.LTD
	"ltd": true, "inc": true, "llc": true, "gmbh": true, "corp": true,
}

// titleTLDs are the TLDs accepted in title case after a lower-case or mixed
// name (evil.Com, BadHost.Net): the legacy generic ones. Any two-letter
// country code that is not an English word is accepted too (Mail.Ru).
var titleTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "edu": true, "gov": true,
	"mil": true, "int": true,
}

// codeRoots are the first names of code namespaces whose members end in a
// TLD-like word (System.IO, System.Net, Microsoft.Win32).
var codeRoots = map[string]bool{
	"system": true, "microsoft": true, "windows": true, "java": true, "javax": true,
	"android": true, "mono": true, "unityengine": true, "newtonsoft": true, "xamarin": true,
}

// mixedCaseDomain decides a name written in mixed case in running text
// (name is the whole candidate, tld its last label as written and lt in
// lower case). Case does not matter in DNS, but in prose mixed case is
// mostly code (System.IO, Foo.Bar) or a sentence glued to the next
// (attack.In). Kept: a TLD in lower case (Google.com, as before); a TLD in
// capitals (BadHost.RU) or in title case when it is a legacy generic TLD
// or a country code (evil.Com, Mail.Ru) — unless the TLD is an English
// word or .NET, the name is a number (a numbered list), starts with a code
// namespace (System.IO), or is two or more capitalised labels
// (Microsoft.Office.One).
func mixedCaseDomain(name, tld, lt []byte, tldUpper bool) bool {
	if !tldUpper {
		return true
	}
	var caps, lower int
	for i, b := range tld {
		switch {
		case 'A' <= b && b <= 'Z':
			caps++
		case 'a' <= b && b <= 'z':
			lower++
			if i == 0 {
				return false
			}
		}
	}
	labels := name[:len(name)-len(tld)-1]
	switch {
	case englishTLDs[string(lt)]:
		return false
	case string(lt) == "net":
		// Json.NET, Visual Studio.Net: the framework, far more often
		// than a domain.
		return false
	case isDigits(bytes.ReplaceAll(labels, []byte("."), nil)):
		return false // a numbered list: "9.Ls – list files"
	case lower == 0: // RU, COM
	case caps == 1 && (titleTLDs[string(lt)] || len(lt) == 2): // Com, Ru
	default: // cOm, WinDows
		return false
	}
	first := labels
	if i := bytes.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	if inLower(codeRoots, first) {
		return false
	}
	// Count the capitalised labels (Office, Interop) before the TLD.
	capLabels, n := 0, 0
	for l := range bytes.SplitSeq(labels, []byte(".")) {
		n++
		if len(l) > 1 && 'A' <= l[0] && l[0] <= 'Z' && bytes.ContainsAny(l[1:], "abcdefghijklmnopqrstuvwxyz") {
			capLabels++
		}
	}
	return !(n >= 2 && capLabels == n)
}

// codeMember reports whether a TLD (lower case) is also a common member
// name in code (user.name, this.id, element.style, window.location.host,
// logger.info). A switch, not a map: it is asked for every name in text.
func codeMember(tld []byte) bool {
	switch string(tld) {
	case "name", "id", "host", "style", "email", "phone", "page", "site", "data", "date",
		"link", "app", "run", "events", "target", "next", "search", "open", "save", "show",
		"play", "map", "group", "media", "video", "photo", "mobile", "contact", "call", "read",
		"post", "codes", "top", "info", "zip", "one":
		return true
	}
	return false
}

// codeWords are names of variables and objects that, before a member name
// (codeMember), make a dotted name code: document.domain, user.name.
var codeWords = map[string]bool{
	"document": true, "window": true, "self": true, "this": true, "that": true, "obj": true,
	"object": true, "user": true, "users": true, "usr": true, "item": true, "items": true,
	"node": true, "elem": true, "element": true, "el": true, "event": true, "evt": true,
	"err": true, "error": true, "req": true, "request": true, "res": true, "resp": true,
	"response": true, "ctx": true, "context": true, "args": true, "arg": true, "argv": true,
	"props": true, "prop": true, "state": true, "config": true, "cfg": true, "conf": true,
	"settings": true, "options": true, "opts": true, "params": true, "param": true,
	"module": true, "exports": true, "console": true, "navigator": true, "location": true,
	"history": true, "screen": true, "process": true, "os": true, "sys": true, "np": true,
	"pd": true, "json": true, "math": true, "file": true, "files": true, "fs": true,
	"path": true, "data": true, "result": true, "results": true, "msg": true, "message": true,
	"client": true, "server": true, "api": true, "db": true, "conn": true, "session": true,
	"form": true, "input": true, "parent": true, "child": true, "frame": true, "record": true,
	"row": true, "entry": true, "instance": true, "model": true, "env": true, "info": true,
	"meta": true, "headers": true, "header": true, "query": true, "account": true,
	"profile": true, "person": true, "customer": true, "player": true, "member": true,
	"owner": true, "author": true, "sender": true, "log": true, "logger": true, "logging": true,
	"iterator": true, "iter": true, "it": true, "gen": true, "cursor": true, "table": true,
	"field": true, "attr": true, "attrs": true, "target": true, "source": true, "src": true,
	"dst": true, "url": true, "uri": true, "socket": true, "sock": true, "task": true,
	"job": true, "thread": true, "proc": true, "app": true, "application": true, "main": true,
}

// codeName reports whether the labels before a member-name TLD read as
// code: a single letter (e.target.id), a code word first, or a camelCase
// label (fileInfo.name).
func codeName(labels []byte) bool {
	first := labels
	if i := bytes.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	if len(first) == 1 {
		return true
	}
	if inLower(codeWords, first) {
		return true
	}
	for i := 1; i < len(labels); i++ {
		if 'A' <= labels[i] && labels[i] <= 'Z' && 'a' <= labels[i-1] && labels[i-1] <= 'z' {
			return true
		}
	}
	return false
}

// stopwords are words that "X dot Y" in prose joins ("the dot com bubble");
// a spaced-dot domain with such a label is not taken.
var stopwords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "in": true, "on": true,
	"to": true, "and": true, "or": true, "is": true, "was": true, "for": true,
	"at": true, "by": true, "as": true, "be": true, "it": true, "its": true,
	"this": true, "that": true, "with": true, "from": true, "into": true,
	"not": true, "no": true, "but": true, "are": true, "has": true,
}

var exampleDomains = [...]string{"example.com", "example.net", "example.org"}

// domain validates clean[s:t] as a domain name and returns it in canonical
// form (lower case, no trailing dot) with its flags.
func (e *engine) domain(s, t int, ctx domainCtx) (string, Flags, bool) {
	c := e.clean
	for t > s && c[t-1] == '.' {
		t--
	}
	if t-s < 4 || t-s > 253 || c[s] == '_' {
		// A leading '_' (service labels such as _dmarc) is trimmed as
		// punctuation in text, so a name with one would not read back.
		return "", 0, false
	}
	labels, ls := 0, s
	var upper, lower bool
	for i := s; i <= t; i++ {
		if i == t || c[i] == '.' {
			if l := i - ls; l == 0 || l > 63 || c[ls] == '-' || c[i-1] == '-' {
				return "", 0, false
			}
			labels++
			if i < t {
				ls = i + 1
			}
			continue
		}
		k := cls[c[i]]
		switch {
		case k&cUpper != 0:
			upper = true
		case k&cAlpha != 0:
			lower = true
		case k&cDigit != 0, c[i] == '-', c[i] == '_':
		default:
			return "", 0, false
		}
	}
	if labels < 2 {
		return "", 0, false
	}
	tld := c[ls:t]
	var buf [64]byte
	lt := buf[:len(tld)]
	tldUpper := false
	for i, b := range tld {
		if cls[b]&cUpper != 0 {
			tldUpper = true
			b |= 0x20
		}
		lt[i] = b
	}
	if len(lt) < 2 {
		return "", 0, false
	}
	if !(len(lt) > 4 && string(lt[:4]) == "xn--") {
		for _, b := range lt {
			if b < 'a' || b > 'z' {
				return "", 0, false
			}
		}
	}
	defanged, spaced := e.rewritten(s, t)
	// The context says "domain": written defanged, the host of a URL, an
	// e-mail's domain, or a value Check was told is a domain.
	strong := ctx != ctxText || defanged || e.claimed(TypeDomain)
	if !e.icannTLD(lt) {
		return "", 0, false
	}
	if !strong {
		// In running text a name must not look like code or a glued
		// sentence, unless a hint word such as "domain:" precedes it.
		if upper && lower && !mixedCaseDomain(c[s:t], c[ls:t], lt, tldUpper) && !e.hintBefore(s) {
			return "", 0, false
		}
		if codeMember(lt) && codeName(c[s:ls-1]) && !e.hintBefore(s) {
			return "", 0, false
		}
	}
	if ctx == ctxText && fileExtTLDs[string(lt)] && !e.claimed(TypeDomain) {
		if e.inPath {
			return "", 0, false
		}
		file := doubleExtension(c[s:ls-1]) || (!defanged && (labels < 3 || upper))
		if file && !e.hintBefore(s) {
			return "", 0, false
		}
	}
	value := lowerString(c[s:t])
	if ctx == ctxText && e.isBareSuffix(value) {
		return "", 0, false // co.uk, or huissier-justice.fr outside an address
	}
	// The label that is registered (before the public suffix) cannot hold
	// an underscore; command_data.data is a code identifier.
	if bytes.IndexByte(c[s:t], '_') >= 0 {
		ps, _ := publicsuffix.PublicSuffix(value)
		reg := value[:max(len(value)-len(ps)-1, 0)]
		if i := strings.LastIndexByte(reg, '.'); i >= 0 {
			reg = reg[i+1:]
		}
		if strings.IndexByte(reg, '_') >= 0 {
			return "", 0, false
		}
	}
	if spaced {
		for l := range bytes.SplitSeq([]byte(value), []byte(".")) {
			if stopwords[string(l)] {
				return "", 0, false
			}
		}
	}
	var f Flags
	for _, ex := range exampleDomains {
		if value == ex || (len(value) > len(ex) && value[len(value)-len(ex)-1] == '.' && value[len(value)-len(ex):] == ex) {
			f |= FlagDocumentation
		}
	}
	return value, f, true
}

// isBareSuffix reports whether a domain is itself an ICANN public suffix.
// Such names (co.uk, avocat.fr) are not domains in running text, but they
// are valid as the host of a URL or the domain of an e-mail address.
// Verdicts are cached per engine (domains repeat within a report), with a
// bound so that junk input cannot grow the cache without limit.
func (e *engine) isBareSuffix(value string) bool {
	if v, ok := e.suffixes[value]; ok {
		return v
	}
	ps, icann := publicsuffix.PublicSuffix(value)
	v := icann && ps == value
	if len(e.suffixes) < 4096 {
		e.suffixes[value] = v
	}
	return v
}

// icannTLD reports whether tld (lower case) is a top-level rule of the ICANN
// section of the public-suffix list. Verdicts are cached per engine; the
// cache is bounded so that junk input cannot grow it without limit.
func (e *engine) icannTLD(tld []byte) bool {
	if v, ok := e.tlds[string(tld)]; ok {
		return v
	}
	_, icann := publicsuffix.PublicSuffix("x." + string(tld))
	if len(e.tlds) < 4096 {
		e.tlds[string(tld)] = icann
	}
	return icann
}

// inLower reports whether b in lower case (at most 16 bytes) is in set,
// without allocating.
func inLower(set map[string]bool, b []byte) bool {
	var buf [16]byte
	if len(b) > len(buf) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c |= 0x20
		}
		buf[i] = c
	}
	return set[string(buf[:len(b)])]
}

// lowerString returns b in lower case with one allocation, the string's.
func lowerString(b []byte) string {
	var buf [64]byte
	out := buf[:0]
	if len(b) > len(buf) {
		out = make([]byte, 0, len(b))
	}
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c |= 0x20
		}
		out = append(out, c)
	}
	return string(out)
}

// hintWords, found shortly before a name on the same line, mark it as a
// domain even when its TLD is also a file extension ("C2: update.zip").
var hintWords = map[string]bool{
	"domain": true, "domains": true, "host": true, "hosts": true,
	"hostname": true, "hostnames": true, "c2": true, "c&c": true,
	"cnc": true, "dns": true, "fqdn": true, "resolves": true, "resolved": true,
}

// hintBefore reports whether a hint word precedes clean offset cs within 40
// raw bytes on the same line.
func (e *engine) hintBefore(cs int) bool {
	r := e.raw
	end := e.rawPos(cs)
	start := max(end-40, 0)
	if nl := bytes.LastIndexByte(r[start:end], '\n'); nl >= 0 {
		start += nl + 1
	}
	var w [12]byte
	n := 0
	for i := start; i <= end; i++ {
		var b byte
		if i < end {
			b = r[i]
		}
		if 'A' <= b && b <= 'Z' {
			b |= 0x20
		}
		if b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '&' {
			if n < len(w) {
				w[n] = b
			}
			n++
			continue
		}
		if n > 0 && n <= len(w) && hintWords[string(w[:n])] {
			return true
		}
		n = 0
	}
	return false
}

// domainMatch emits clean[s:t] as a domain found in plain text.
func (e *engine) domainMatch(s, t int) bool {
	v, f, ok := e.domain(s, t, ctxText)
	if !ok {
		return false
	}
	e.emit(TypeDomain, s, s+len(v), v, f, "")
	return true
}

func isDigits(b []byte) bool {
	for _, d := range b {
		if d < '0' || d > '9' {
			return false
		}
	}
	return len(b) > 0
}

// technique reports whether the whole sub-token is a sub-technique ID such as
// T1059.001 and emits it.
func (e *engine) technique(s, t int) bool {
	c := e.clean
	if t-s != 9 || c[s] != 'T' || c[s+5] != '.' || !isDigits(c[s+1:s+5]) || !isDigits(c[s+6:t]) {
		return false
	}
	e.emit(TypeTechnique, s, t, string(c[s:t]), 0, "")
	return true
}

// techniqueRun handles a run T1234 (with an optional .123 after it, up to
// the sub-token end t) or TA1234, returning where the match ends.
func (e *engine) techniqueRun(a, b, t int) (int, bool) {
	c := e.clean
	switch {
	case b-a == 5 && isDigits(c[a+1:b]):
		end := b
		if b+4 <= t && c[b] == '.' && isDigits(c[b+1:b+4]) && (b+4 == t || cls[c[b+4]]&(cAlpha|cDigit) == 0) {
			end = b + 4
		}
		e.emit(TypeTechnique, a, end, string(c[a:end]), 0, "")
		return end, true
	case b-a == 6 && c[a+1] == 'A' && isDigits(c[a+2:b]):
		e.emit(TypeTactic, a, b, string(c[a:b]), 0, "")
		return b, true
	}
	return 0, false
}

// cve handles CVE-YYYY-NNNN+ (any case) starting at clean offset a.
func (e *engine) cve(a, t int) (int, bool) {
	c := e.clean
	if a+13 > t || c[a+3] != '-' || !isDigits(c[a+4:a+8]) || c[a+8] != '-' {
		return 0, false
	}
	if y := c[a+4 : a+6]; string(y) != "19" && string(y) != "20" {
		return 0, false
	}
	end := a + 9
	for end < t && c[end] >= '0' && c[end] <= '9' {
		end++
	}
	if n := end - (a + 9); n < 4 || n > 8 || (end < t && cls[c[end]]&cAlpha != 0) {
		return 0, false
	}
	e.emit(TypeCVE, a, end, "CVE-"+string(c[a+4:end]), 0, "")
	return end, true
}

// asn handles AS12345 and ASN12345 runs and the spaced forms "ASN 12345" and
// "ASN: 12345". Upper case is required: "as 2019" is prose.
func (e *engine) asn(a, b, t int) {
	c := e.clean
	d := a + 2
	if d < b && c[d] == 'N' {
		d++
	}
	end := b
	if d == b {
		if b-a != 3 || b != t {
			return
		}
		// Spaced form: the digits follow the sub-token in the clean text.
		j := b
		if j < len(c) && c[j] == ':' {
			j++
		}
		k := j
		for k < len(c) && k-j < 3 && (c[k] == ' ' || c[k] == '\t') {
			k++
		}
		if k == j {
			return
		}
		d = k
		end = k
		for end < len(c) && end-k <= 10 && c[end] >= '0' && c[end] <= '9' {
			end++
		}
		if end < len(c) && cls[c[end]]&(cAlpha|cDigit) != 0 {
			return
		}
	}
	digits := c[d:end]
	if len(digits) == 0 || len(digits) > 10 || digits[0] == '0' || !isDigits(digits) {
		return
	}
	n, err := strconv.ParseUint(string(digits), 10, 32)
	if err != nil {
		return
	}
	e.emit(TypeASN, a, end, "AS"+strconv.FormatUint(n, 10), asnFlags(n), "")
}

// asnFlags flags documentation (RFC 5398), private-use (RFC 6996) and
// reserved (RFC 7300, AS_TRANS) AS numbers.
func asnFlags(n uint64) Flags {
	switch {
	case n >= 64496 && n <= 64511, n >= 65536 && n <= 65551:
		return FlagDocumentation
	case n >= 64512 && n <= 65534, n >= 4200000000 && n <= 4294967294:
		return FlagPrivate
	case n == 23456 || n == 65535 || n == 4294967295:
		return FlagReserved
	}
	return 0
}

// hash reads a run of exactly 32, 40, 64 or 128 characters as a hash. It
// reports whether the run is hex digits throughout (then it is a hash or
// padding, never a wallet), and emits it unless it is a single repeated
// character (000…0 and fff…f are padding, not hashes). An MD5 written
// shortly after the word "ja3" is a JA3 fingerprint.
func (e *engine) hash(a, b int) bool {
	c := e.clean
	same := true
	for i := a; i < b; i++ {
		if cls[c[i]]&(cHex|cDigit) == 0 {
			return false
		}
		if c[i]|0x20 != c[a]|0x20 {
			same = false
		}
	}
	if same {
		return true
	}
	var t Type
	switch b - a {
	case 32:
		t = TypeMD5
		if e.claimed(TypeJA3) && !e.claimed(TypeMD5) || e.ja3Before(a) {
			t = TypeJA3
		}
	case 40:
		t = TypeSHA1
	case 64:
		t = TypeSHA256
	default:
		t = TypeSHA512
	}
	if !e.opts.Types.Has(t) {
		return true
	}
	e.emit(t, a, b, lowerString(c[a:b]), 0, "")
	return true
}

// ja3Before reports whether the word "ja3" (any case; not "ja3s", the
// server's fingerprint) comes within 40 raw bytes before clean offset cs on
// the same line and with no other hash between, as in "JA3: e7d705a3…" or
// "ja3_hash=e7d705a3…". It reads the raw bytes, which the Scanner keeps
// (lookback), so the answer is the same in every block.
func (e *engine) ja3Before(cs int) bool {
	r := e.raw
	end := e.rawPos(cs)
	start := max(end-40, 0)
	if nl := bytes.LastIndexByte(r[start:end], '\n'); nl >= 0 {
		start += nl + 1
	}
	hexRun := 0
	for i := end - 1; i >= start; i-- {
		if cls[r[i]]&(cHex|cDigit) != 0 {
			if hexRun++; hexRun >= 32 {
				return false // "JA3 <hash>, MD5 <this>": the word is the other one's
			}
		} else {
			hexRun = 0
		}
		if i+3 > end || r[i]|0x20 != 'j' || r[i+1]|0x20 != 'a' || r[i+2] != '3' {
			continue
		}
		if (i == 0 || cls[r[i-1]]&(cAlpha|cDigit) == 0) && (i+3 >= len(r) || cls[r[i+3]]&(cAlpha|cDigit) == 0) {
			return true
		}
	}
	return false
}

// ja4 reports whether the sub-token clean[s:t] (36 bytes) is a JA4 TLS
// client fingerprint and emits it in lower case: protocol (t, q or d), TLS
// version, SNI (d or i), two-digit cipher and extension counts and the ALPN
// (10 characters), then two 12-digit hex hashes, joined by '_'.
func (e *engine) ja4(s, t int) bool {
	c := e.clean
	if c[s+23] != '_' {
		return false
	}
	switch c[s] | 0x20 {
	case 't', 'q', 'd':
	default:
		return false
	}
	switch v := string([]byte{c[s+1] | 0x20, c[s+2] | 0x20}); v {
	case "13", "12", "11", "10", "s3", "s2", "00", "d1", "d2", "d3":
	default:
		return false
	}
	if sni := c[s+3] | 0x20; sni != 'd' && sni != 'i' {
		return false
	}
	if !isDigits(c[s+4:s+8]) || cls[c[s+8]]&(cAlpha|cDigit) == 0 || cls[c[s+9]]&(cAlpha|cDigit) == 0 {
		return false
	}
	if !isHex(c[s+11:s+23]) || !isHex(c[s+24:t]) {
		return false
	}
	e.emit(TypeJA4, s, t, lowerString(c[s:t]), 0, "")
	return true
}

// mac reports whether clean[s:t] is a MAC address, six hex pairs joined by
// ':' or '-' (17 bytes) or three hex quads joined by '.' (Cisco, 14 bytes,
// with a digit: dead.beef.cafe is a domain), and emits it as lower-case
// pairs joined by ':'. The all-zero and broadcast addresses are padding;
// a multicast address (its first octet odd) is flagged.
func (e *engine) mac(s, t int) bool {
	c := e.clean
	var hex [12]byte
	n := 0
	switch t - s {
	case 17:
		sep := c[s+2]
		if sep != ':' && sep != '-' {
			return false
		}
		for i := s; i < t; i++ {
			if (i-s)%3 == 2 {
				if c[i] != sep {
					return false
				}
				continue
			}
			hex[n] = c[i]
			n++
		}
	case 14:
		digit := false
		for i := s; i < t; i++ {
			if (i-s)%5 == 4 {
				if c[i] != '.' {
					return false
				}
				continue
			}
			if cls[c[i]]&cDigit != 0 {
				digit = true
			}
			hex[n] = c[i]
			n++
		}
		if !digit {
			return false
		}
	default:
		return false
	}
	if !isHex(hex[:]) {
		return false
	}
	zero, bcast := true, true
	for i, h := range hex {
		h |= 0x20
		hex[i] = h
		zero = zero && h == '0'
		bcast = bcast && h == 'f'
	}
	if zero || bcast {
		return false
	}
	v := make([]byte, 0, 17)
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			v = append(v, ':')
		}
		v = append(v, hex[i], hex[i+1])
	}
	var f Flags
	if d := hex[1]; (d >= '0' && d <= '9' && (d-'0')&1 == 1) || (d >= 'a' && (d-'a'+10)&1 == 1) {
		f = FlagMulticast
	}
	e.emit(TypeMAC, s, t, string(v), f, "")
	return true
}
