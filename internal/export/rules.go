package export

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"net/url"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Suricata and Snort rules. Each rule's message names the indicator, its
// groups and its sources; each rule's SID comes from the configured range.
//
// SIDs: a rule's SID is SIDBase + FNV-1a(rule key) mod SIDCount, where
// the rule key is what the rule matches ("dns|domain|evil.example"), so a
// rule keeps its SID from one export to the next and across stores. Two
// rules that land on one SID (a collision) cannot share it: the one
// written first (the order is type, then value) keeps it and the other
// takes the next free SID above it, wrapping around in the range. A SID
// thus changes only when a new rule that sorts before it lands on the
// same one; with n rules in a range of m SIDs that is about n/m of the
// rules (1 % for 10,000 rules in the default million). An export with
// more rules than the range holds fails.

// maxSIDCount bounds the SID range: the used-SID bitmap is SIDCount bits.
const maxSIDCount = 1 << 26

// sids hands out unique SIDs from the range.
type sids struct {
	base, count uint64
	used        []uint64
	n           uint64
}

func newSIDs(o Options) *sids {
	return &sids{base: uint64(o.SIDBase), count: uint64(o.SIDCount), used: make([]uint64, (o.SIDCount+63)/64)}
}

func (s *sids) next(key string) (uint64, error) {
	if s.n >= s.count {
		return 0, intel.Errorf(intel.CodeInvalid, "the SID range of %d SIDs is full: widen it (--sid-count)", s.count)
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	slot := h.Sum64() % s.count
	for s.used[slot/64]&(1<<(slot%64)) != 0 {
		slot = (slot + 1) % s.count
	}
	s.used[slot/64] |= 1 << (slot % 64)
	s.n++
	return s.base + slot, nil
}

// ruleMsg is a rule's message: what matched, its groups and sources, on
// one line and escaped for a quoted msg option.
func ruleMsg(in *intel.ExportIndicator) string {
	var names []string
	for _, g := range in.Groups {
		names = append(names, clip(g.Name, 40))
	}
	var srcs []string
	for _, s := range in.Sources {
		srcs = append(srcs, clip(s, 40))
	}
	m := fmt.Sprintf("spoor %s %s", in.Type, clip(in.Value, 100))
	if len(names) > 0 {
		m += " group " + listUpTo(names, 3)
	}
	if len(srcs) > 0 {
		m += " source " + listUpTo(srcs, 3)
	}
	return msgEscape(ascii(oneLine(m)))
}

// ascii replaces what is not printable ASCII, which not every engine
// reads in a message, by "?".
func ascii(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// msgEscape escapes what ends or breaks a quoted msg: \ " and ;.
func msgEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `;`, `\;`).Replace(s)
}

// content writes bytes for a content option. Printable ASCII goes as is,
// except the characters the rule languages give a meaning inside content
// (" ; \ | and :), which go in |hex| notation with every other byte; both
// engines read that notation, so nothing has to be backslash-escaped.
func content(s string) string {
	var b strings.Builder
	inHex := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		plain := c >= 0x20 && c < 0x7f && !strings.ContainsRune(`";\|:`, rune(c))
		switch {
		case plain && inHex:
			b.WriteByte('|')
			inHex = false
		case !plain && !inHex:
			b.WriteByte('|')
			inHex = true
		case !plain:
			b.WriteByte(' ')
		}
		if plain {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%02X", c)
		}
	}
	if inHex {
		b.WriteByte('|')
	}
	return b.String()
}

// httpURL splits an http:// URL into its host (without port), its Host
// header (with the port, when the URL has one) and the request target as
// written (path and query, "/" when empty), or gives a reason.
func httpURL(v string) (host, header, target, reason string) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "", "", "", "url not parsable"
	}
	if !strings.EqualFold(u.Scheme, "http") {
		return "", "", "", "url not plain HTTP (an IDS cannot see its path)"
	}
	host = strings.ToLower(u.Hostname())
	if _, err := netip.ParseAddr(host); err != nil && !hostName(host, 1) {
		return "", "", "", "url host not a host name"
	}
	header = strings.ToLower(u.Host)
	rest := v[len(u.Scheme)+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		target = rest[i:]
	}
	if i := strings.IndexByte(target, '#'); i >= 0 {
		target = target[:i]
	}
	if target == "" || target[0] == '?' {
		target = "/" + target
	}
	if !plainValue(target) {
		return "", "", "", "url with white space"
	}
	return host, header, target, ""
}

// ruleWriter writes the rules of one engine; dialect holds what differs.
type ruleWriter struct {
	*base
	sids    *sids
	dialect ruleDialect
}

// ruleDialect builds the match options (everything between msg and sid)
// of each kind of rule, with its header.
type ruleDialect interface {
	domain(d string) [][2]string // kind, "header (options" without msg
	ip(p netip.Prefix) string
	url(host, header, target string) string
}

func newSuricata(b *base) writer { return &ruleWriter{base: b, dialect: suricata{}} }
func newSnort(b *base) writer    { return &ruleWriter{base: b, dialect: snort{}} }

func (w *ruleWriter) begin() error {
	if w.opts.SIDCount > maxSIDCount {
		return intel.Errorf(intel.CodeInvalid, "SID count %d is above %d", w.opts.SIDCount, maxSIDCount)
	}
	w.sids = newSIDs(w.opts)
	w.comment("#")
	w.printf("# SIDs %d-%d: base + hash of what a rule matches; see spoor help export\n",
		w.opts.SIDBase, w.opts.SIDBase+w.opts.SIDCount-1)
	return nil
}

func (w *ruleWriter) end() error { return nil }

// rule writes one rule: head ends with the options before msg's.
func (w *ruleWriter) rule(key, head, opts, msg string) error {
	sid, err := w.sids.next(key)
	if err != nil {
		return err
	}
	w.printf("%s (msg:\"%s\"; %ssid:%d; rev:1;)\n", head, msg, opts, sid)
	w.stats.Rules++
	return nil
}

func (w *ruleWriter) add(in *intel.ExportIndicator) error {
	msg := ruleMsg(in)
	switch in.Type {
	case intel.IndicatorDomain:
		d, reason := domainOf(in)
		if reason != "" {
			w.skip(reason)
			return nil
		}
		for _, r := range w.dialect.domain(d) {
			head, opts, _ := strings.Cut(r[1], " (")
			if err := w.rule(r[0]+"|"+indicatorKey(in), head, opts, msg); err != nil {
				return err
			}
		}
	case intel.IndicatorIPv4, intel.IndicatorIPv6, intel.IndicatorCIDR:
		p, reason := prefixOf(in)
		if reason != "" {
			w.skip(reason)
			return nil
		}
		if err := w.rule("ip|"+indicatorKey(in), w.dialect.ip(p), "", msg); err != nil {
			return err
		}
	case intel.IndicatorURL:
		host, header, target, reason := httpURL(in.Value)
		if reason != "" {
			w.skip(reason)
			return nil
		}
		head, opts, _ := strings.Cut(w.dialect.url(host, header, target), " (")
		if err := w.rule("http-url|"+indicatorKey(in), head, opts, msg); err != nil {
			return err
		}
	default:
		w.skipType(in.Type)
		return nil
	}
	w.wrote()
	return nil
}

// ipRule is the header both engines read for traffic to or from p.
func ipRule(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return fmt.Sprintf("alert ip any any <> [%s] any", p.Addr())
	}
	return fmt.Sprintf("alert ip any any <> [%s] any", p)
}

// suricata writes Suricata 6+ rules: sticky buffers, and dotprefix so
// that ".evil.example" at the end of the buffer matches the domain and
// its subdomains but not notevil.example.
type suricata struct{}

func (suricata) domain(d string) [][2]string {
	c := content("." + d)
	return [][2]string{
		{"dns", `alert dns any any -> any any (dns.query; dotprefix; content:"` + c + `"; nocase; endswith; `},
		{"tls", `alert tls any any -> any any (tls.sni; dotprefix; content:"` + c + `"; nocase; endswith; `},
		// http.host is lower-cased by the engine, which refuses nocase on it.
		{"http", `alert http any any -> any any (http.host; dotprefix; content:"` + c + `"; endswith; `},
	}
}

func (suricata) ip(p netip.Prefix) string { return ipRule(p) }

// url matches http.host, which the engine gives without the port.
func (suricata) url(host, _, target string) string {
	return fmt.Sprintf(`alert http any any -> any any (http.host; content:"%s"; bsize:%d; http.uri.raw; content:"%s"; startswith; `,
		content(host), len(host), content(target))
}

// snort writes Snort 2.9 rules, which have no DNS or SNI buffers: a DNS
// query is matched by its wire labels (|04|evil|07|example|00| also ends
// the names of subdomains, and no other name), SNI by the server_name
// entry of a ClientHello (type 0, two-byte length, the name: the exact
// host), HTTP by the Host header line.
type snort struct{}

func (snort) domain(d string) [][2]string {
	var wire strings.Builder
	for _, l := range strings.Split(d, ".") {
		fmt.Fprintf(&wire, "|%02X|%s", len(l), l)
	}
	wire.WriteString("|00|")
	sni := fmt.Sprintf("|00 %02X %02X|%s", len(d)>>8, len(d)&0xff, content(d))
	return [][2]string{
		{"dns", `alert udp any any -> any 53 (content:"` + wire.String() + `"; nocase; `},
		{"tls", `alert tcp any any -> any any (flow:to_server,established; content:"|16 03|"; depth:2; content:"` + sni + `"; nocase; `},
		{"http", `alert tcp any any -> any any (flow:to_server,established; content:"Host|3A| ` + content(d) + `|0D 0A|"; http_header; nocase; `},
	}
}

func (snort) ip(p netip.Prefix) string { return ipRule(p) }

func (snort) url(_, header, target string) string {
	return fmt.Sprintf(`alert tcp any any -> any any (flow:to_server,established; content:"%s"; http_raw_uri; depth:%d; content:"Host|3A| %s|0D 0A|"; http_header; nocase; `,
		content(target), len(target), content(header))
}
