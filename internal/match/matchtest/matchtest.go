// Package matchtest generates indicator sets and logs for the benchmarks
// of package match and bench/match: deterministic (a seed), of any size,
// in the shapes match reads (combined access logs with proxy URLs,
// dnsmasq and BIND query logs, Zeek dns.log TSV, Suricata EVE JSON,
// syslog with sshd and postfix lines, firewall CSV).
//
// Benign names and addresses come from pools with a Zipf popularity, as
// in real traffic; indicator domains are built from the same syllables
// but never equal a benign name, so a short indicator can be the tail of a
// longer benign name (the notevil.com case). A fraction of lines carries a
// planted indicator: the value itself, a subdomain of an indicator domain,
// an address inside an indicator range.
package matchtest

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Indicator is one generated indicator.
type Indicator struct {
	Type  intel.IndicatorType
	Value string
}

var syllables = strings.Fields(`ka lo mi net sun star cloud data soft tech web link host fast blue red
green bright logic core byte node zen max pro sec safe trust mail shop news play game tube pay
bank cash go top up my one all big micro nova terra alpha beta omega delta sigma flux wave port`)

var tlds = strings.Fields("com com com com net org ru io de info xyz top cn co uk fr")

// Set is a generated indicator set with the benign pools its logs use.
type Set struct {
	Indicators []Indicator
	domains    []string // indicator domains
	ips        []string
	cidrs      []uint32 // /24 networks
	urls       []string
	hashes     []string
	emails     []string

	benignNames []string
	benignIPs   []string
	zipfName    *rand.Zipf
	zipfIP      *rand.Zipf
	rng         *rand.Rand
}

func name(r *rand.Rand, minSyl, maxSyl int) string {
	n := minSyl + r.IntN(maxSyl-minSyl+1)
	var b strings.Builder
	for range n {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	return b.String() + "." + tlds[r.IntN(len(tlds))]
}

func publicIP(r *rand.Rand) string {
	for {
		a := 1 + r.IntN(222)
		if a == 10 || a == 127 || a == 100 || a == 169 || a == 172 || a == 192 || a == 198 || a == 203 {
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
}

func hexString(r *rand.Rand, n int) string {
	const hexd = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hexd[r.IntN(16)]
	}
	return string(b)
}

// NewSet generates n indicators: 40% domains, 25% IPv4 addresses, 5% /24
// ranges, 10% URLs, 15% hashes (SHA-256, SHA-1, MD5), 5% e-mail addresses.
func NewSet(seed uint64, n int) *Set {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	s := &Set{rng: rand.New(rand.NewPCG(seed, 0x1095))}
	benign := map[string]bool{}
	for len(s.benignNames) < 50_000 {
		v := name(r, 1, 4)
		if !benign[v] {
			benign[v] = true
			s.benignNames = append(s.benignNames, v)
		}
	}
	for range 200_000 {
		s.benignIPs = append(s.benignIPs, publicIP(r))
	}
	seen := map[string]bool{}
	add := func(t intel.IndicatorType, v string) bool {
		if seen[v] {
			return false
		}
		seen[v] = true
		s.Indicators = append(s.Indicators, Indicator{t, v})
		return true
	}
	for len(s.Indicators) < n {
		switch k := r.IntN(100); {
		case k < 40:
			v := name(r, 3, 5)
			if !benign[v] && add(intel.IndicatorDomain, v) {
				s.domains = append(s.domains, v)
			}
		case k < 65:
			v := publicIP(r)
			if add(intel.IndicatorIPv4, v) {
				s.ips = append(s.ips, v)
			}
		case k < 70:
			net := uint32(1+r.IntN(222))<<24 | uint32(r.IntN(65536))<<8
			if add(intel.IndicatorCIDR, fmt.Sprintf("%d.%d.%d.0/24", net>>24, net>>16&255, net>>8&255)) {
				s.cidrs = append(s.cidrs, net)
			}
		case k < 80:
			v := "http://" + name(r, 3, 5) + "/" + syllables[r.IntN(len(syllables))] + "/" + hexString(r, 8) + ".php"
			if add(intel.IndicatorURL, v) {
				s.urls = append(s.urls, v)
			}
		case k < 95:
			t, l := intel.IndicatorSHA256, 64
			if k >= 90 {
				t, l = intel.IndicatorMD5, 32
			} else if k >= 87 {
				t, l = intel.IndicatorSHA1, 40
			}
			v := hexString(r, l)
			if add(t, v) {
				s.hashes = append(s.hashes, v)
			}
		default:
			v := syllables[r.IntN(len(syllables))] + syllables[r.IntN(len(syllables))] + "@" + name(r, 3, 5)
			if add(intel.IndicatorEmail, v) {
				s.emails = append(s.emails, v)
			}
		}
	}
	s.zipfName = rand.NewZipf(s.rng, 1.1, 1, uint64(len(s.benignNames)-1))
	s.zipfIP = rand.NewZipf(s.rng, 1.05, 1, uint64(len(s.benignIPs)-1))
	return s
}

var subs = strings.Fields("www api cdn mail static img login update dl m")

// benignName returns a popular-weighted benign host name.
func (s *Set) benignName() string {
	n := s.benignNames[s.zipfName.Uint64()]
	if s.rng.IntN(3) == 0 {
		return subs[s.rng.IntN(len(subs))] + "." + n
	}
	return n
}

func (s *Set) benignIP() string { return s.benignIPs[s.zipfIP.Uint64()] }

func (s *Set) privateIP() string {
	return fmt.Sprintf("10.%d.%d.%d", s.rng.IntN(4), s.rng.IntN(256), 1+s.rng.IntN(254))
}

// planted returns a value of the indicators for a field of kind
// "host", "ip", "url", "hash" or "email", or "" when the set has none.
func (s *Set) planted(kind string) string {
	r := s.rng
	pick := func(l []string) string {
		if len(l) == 0 {
			return ""
		}
		return l[r.IntN(len(l))]
	}
	switch kind {
	case "host":
		d := pick(s.domains)
		if d != "" && r.IntN(2) == 0 {
			d = subs[r.IntN(len(subs))] + "." + d
		}
		return d
	case "ip":
		if len(s.cidrs) > 0 && r.IntN(4) == 0 {
			n := s.cidrs[r.IntN(len(s.cidrs))] | uint32(1+r.IntN(254))
			return fmt.Sprintf("%d.%d.%d.%d", n>>24, n>>16&255, n>>8&255, n&255)
		}
		return pick(s.ips)
	case "url":
		return pick(s.urls)
	case "hash":
		return pick(s.hashes)
	default:
		return pick(s.emails)
	}
}

var (
	paths  = strings.Fields("/ /index.html /login /api/v1/items /static/app.js /img/logo.png /search?q=shoes /cart /account/settings /favicon.ico")
	agents = []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "curl/8.5.0", "python-requests/2.32.3"}
	qtypes = strings.Fields("A A A AAAA MX TXT HTTPS")
)

// WriteLogs writes about size bytes of log lines, one format after the
// other in blocks, with a planted indicator in about one line of every
// plantEvery (0: none). It returns the lines written.
func (s *Set) WriteLogs(w io.Writer, size int64, plantEvery int) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := s.rng
	var written, lines int64
	for written < size {
		format := int(lines/1000) % 6
		plant := ""
		if plantEvery > 0 && r.IntN(plantEvery) == 0 {
			plant = []string{"host", "ip", "url", "hash", "email"}[r.IntN(5)]
		}
		val := func(kind, benign string) string {
			if kind == plant {
				if v := s.planted(kind); v != "" {
					return v
				}
			}
			return benign
		}
		sec := lines % 86400
		ts := fmt.Sprintf("%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
		var line string
		switch format {
		case 0: // combined access log, some proxy URLs
			path := paths[r.IntN(len(paths))]
			req := path
			if r.IntN(3) == 0 {
				req = "http://" + s.benignName() + path
			}
			req = val("url", req)
			line = fmt.Sprintf(`%s - - [03/Dec/2026:%s +0000] "GET %s HTTP/1.1" %d %d "https://%s/" "%s"`,
				val("ip", s.benignIP()), ts, req, []int{200, 200, 200, 304, 404}[r.IntN(5)], r.IntN(90000),
				val("host", s.benignName()), agents[r.IntN(len(agents))])
		case 1: // dnsmasq
			line = fmt.Sprintf("Dec  3 %s gw dnsmasq[812]: query[%s] %s from %s", ts, qtypes[r.IntN(len(qtypes))],
				val("host", s.benignName()), s.privateIP())
		case 2: // Zeek dns.log
			line = fmt.Sprintf("1733227%03d.%06d\tC%s\t%s\t%d\t10.0.0.1\t53\tudp\t%d\t%s\t%s\tNOERROR\t%s",
				lines%1000, r.IntN(1e6), hexString(r, 12), s.privateIP(), 1024+r.IntN(60000), r.IntN(65536),
				val("host", s.benignName()), qtypes[r.IntN(len(qtypes))], val("ip", s.benignIP()))
		case 3: // Suricata EVE
			if r.IntN(2) == 0 {
				line = fmt.Sprintf(`{"timestamp":"2026-12-03T%s.%06d+0000","flow_id":%d,"event_type":"dns","src_ip":"%s","dest_ip":"10.0.0.1","dns":{"type":"query","rrname":"%s","rrtype":"%s"}}`,
					ts, r.IntN(1e6), r.Int64N(1e15), s.privateIP(), val("host", s.benignName()), qtypes[r.IntN(len(qtypes))])
			} else {
				line = fmt.Sprintf(`{"timestamp":"2026-12-03T%s.%06d+0000","flow_id":%d,"event_type":"fileinfo","src_ip":"%s","dest_ip":"%s","http":{"hostname":"%s","url":"%s"},"fileinfo":{"filename":"%s","sha256":"%s","size":%d}}`,
					ts, r.IntN(1e6), r.Int64N(1e15), val("ip", s.benignIP()), s.privateIP(), s.benignName(),
					paths[r.IntN(len(paths))], "doc"+hexString(r, 4)+".pdf", val("hash", hexString(r, 64)), r.IntN(1e6))
			}
		case 4: // syslog: sshd and postfix
			if r.IntN(2) == 0 {
				line = fmt.Sprintf("Dec  3 %s web01 sshd[%d]: Failed password for invalid user admin from %s port %d ssh2",
					ts, 1000+r.IntN(30000), val("ip", s.benignIP()), 1024+r.IntN(60000))
			} else {
				line = fmt.Sprintf("Dec  3 %s mx01 postfix/smtpd[%d]: NOQUEUE: reject: RCPT from unknown[%s]: 554 5.7.1 <%s>: Relay access denied; from=<%s> to=<bob@corp.example>",
					ts, 1000+r.IntN(30000), val("ip", s.benignIP()), "info@"+s.benignName(),
					val("email", "news@"+s.benignName()))
			}
		default: // firewall CSV
			line = fmt.Sprintf("2026-12-03T%sZ,%s,%s,%d,tcp,%s,allow", ts, s.privateIP(), val("ip", s.benignIP()),
				[]int{443, 80, 53, 22}[r.IntN(4)], val("host", s.benignName()))
		}
		n, err := bw.WriteString(line + "\n")
		if err != nil {
			return lines, err
		}
		written += int64(n)
		lines++
	}
	return lines, bw.Flush()
}
