package collect

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Credibility scores a source by where it publishes, following the seed
// scheme (Au in [0,1]):
//
//	1    a well-known organisation or institution (a curated list: MITRE,
//	     CISA, national CERTs, major security vendors);
//	0.2  a blog host or personal page (blogspot, wordpress.com, medium, …);
//	0.8  a site whose registrable domain ranks in the top 10,000;
//	0.6  a site ranked 10,001 .. 1,000,000;
//	0.4  any other site (ranked lower, or absent from the rank list);
//	0    unknown: no site at all (a local file, stdin, an unnamed feed).
//
// The seed prints its thresholds inconsistently (overlapping rank bands,
// and "0.4–0.8 by popularity" with no rule for unranked sites); this is
// the reading spoor takes: higher rank, higher score, bands closed at the
// upper end, and a site missing from the list treated as ranked low (0.4)
// rather than unknown, because a top list of 40k cannot tell rank 50,000
// from rank 5,000,000. The first matching rule wins, in the order above
// (well-known before blog, blog before rank), so unit42.paloaltonetworks.com
// is 1 and someone.github.io is 0.2 even though github.io ranks high.
type Credibility struct {
	wellKnown map[string]string // registrable domain → organisation
	blogHosts []string          // host suffixes of blog platforms
	codeHosts map[string]bool   // hosts of code repositories
	owners    map[string]string // code-host owner → well-known organisation
	ranks     map[string]int    // registrable domain → popularity rank
}

// Score values of the scheme.
const (
	ScoreWellKnown = 1.0
	ScoreBlog      = 0.2
	ScoreTop10k    = 0.8
	ScoreTop1M     = 0.6
	ScoreLongTail  = 0.4
	ScoreUnknown   = 0.0
)

// DefaultCredibility returns the scheme with the built-in lists of
// well-known organisations and blog hosts and no rank list.
func DefaultCredibility() *Credibility {
	c := &Credibility{wellKnown: pairs(wellKnownList), owners: pairs(codeHostOwnerList),
		codeHosts: map[string]bool{}, ranks: map[string]int{}}
	for _, h := range strings.Fields(codeHostList) {
		c.codeHosts[h] = true
	}
	c.blogHosts = strings.Fields(blogHostList)
	return c
}

// pairs reads "key value words" lines into a map.
func pairs(list string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(list, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// AddWellKnown marks a domain as a well-known organisation (an admin's
// addition to the curated list).
func (c *Credibility) AddWellKnown(domain, org string) {
	c.wellKnown[strings.ToLower(strings.TrimSpace(domain))] = org
}

// LoadRanks reads a popularity list of "rank,domain" lines (a Tranco
// list; a header line is skipped) and returns how many domains it read.
func (c *Credibility) LoadRanks(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	n := 0
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		rankText, domain, ok := strings.Cut(text, ",")
		rank, err := strconv.Atoi(strings.TrimSpace(rankText))
		if !ok || err != nil || rank <= 0 {
			if line == 1 {
				continue // header
			}
			return n, fmt.Errorf("rank list line %d: want rank,domain, got %q", line, text)
		}
		domain = strings.ToLower(strings.TrimSpace(domain))
		if old, seen := c.ranks[domain]; !seen || rank < old {
			c.ranks[domain] = rank
		}
		n++
	}
	return n, sc.Err()
}

// Score returns the credibility of a source at location (a URL, a host
// name, or a path) and the reason for it.
func (c *Credibility) Score(location string) (float64, string) {
	host := hostOf(location)
	if host == "" {
		return ScoreUnknown, "unknown: no site"
	}
	domain, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		domain = host
	}
	for d := host; d != ""; d = parentDomain(d) {
		if org, ok := c.wellKnown[d]; ok {
			return ScoreWellKnown, "well-known organisation: " + org
		}
	}
	if c.codeHosts[host] {
		// Anyone publishes on a code host: the owner decides, as
		// github.com/eset (ESET) versus github.com/someone.
		owner := ownerOf(location)
		if org, ok := c.owners[owner]; ok {
			return ScoreWellKnown, "well-known organisation: " + org
		}
		return ScoreBlog, "independent project on " + host
	}
	for _, b := range c.blogHosts {
		if host == b || strings.HasSuffix(host, "."+b) {
			return ScoreBlog, "blog host: " + b
		}
	}
	if rank, ok := c.ranks[domain]; ok {
		switch {
		case rank <= 10_000:
			return ScoreTop10k, fmt.Sprintf("%s ranks %d (top 10,000)", domain, rank)
		case rank <= 1_000_000:
			return ScoreTop1M, fmt.Sprintf("%s ranks %d (top 1,000,000)", domain, rank)
		}
		return ScoreLongTail, fmt.Sprintf("%s ranks %d", domain, rank)
	}
	return ScoreLongTail, domain + " is not in the rank list"
}

// hostOf returns the lower-case host of a URL or bare host name, or "" for
// a path, stdin or an empty location.
func hostOf(location string) string {
	location = strings.TrimSpace(location)
	if location == "" || location == "-" {
		return ""
	}
	if strings.Contains(location, "://") {
		u, err := url.Parse(location)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return ""
		}
		return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	}
	if strings.ContainsAny(location, "/\\ ") || !strings.Contains(location, ".") {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(location), ".")
}

// codeHostList names sites where anyone publishes a repository.
const codeHostList = `github.com raw.githubusercontent.com gist.github.com gitlab.com codeberg.org bitbucket.org`

// codeHostOwnerList names repository owners that are well-known
// organisations: owner, then the organisation.
const codeHostOwnerList = `
mitre MITRE
mitre-attack MITRE
misp MISP project
cisagov CISA
eset ESET
pan-unit42 Palo Alto Networks Unit 42
mandiant Mandiant
fireeye FireEye
microsoft Microsoft
google Google
crowdstrike CrowdStrike
sophoslabs Sophos
cisco-talos Cisco Talos
kaspersky Kaspersky
trendmicro Trend Micro
sentinel-one SentinelOne
volexity Volexity
citizenlab Citizen Lab
avast Avast
checkpointsw Check Point
elastic Elastic Security Labs
ncsc-nl NCSC NL
certpl CERT Polska
`

// ownerOf returns the lower-case first path segment of a URL.
func ownerOf(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return ""
	}
	owner, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return strings.ToLower(owner)
}

func parentDomain(d string) string {
	_, parent, ok := strings.Cut(d, ".")
	if !ok || !strings.Contains(parent, ".") {
		return ""
	}
	return parent
}

// wellKnownList is the curated list: registrable domain, then the
// organisation. Admins extend it with AddWellKnown.
const wellKnownList = `
mitre.org MITRE
cisa.gov CISA
us-cert.gov US-CERT (CISA)
nsa.gov NSA
fbi.gov FBI
ic3.gov FBI IC3
ncsc.gov.uk NCSC UK
cyber.gov.au ACSC
cyber.gc.ca Canadian Centre for Cyber Security
cert.europa.eu CERT-EU
enisa.europa.eu ENISA
bsi.bund.de BSI
ssi.gouv.fr ANSSI
cert.ssi.gouv.fr CERT-FR
jpcert.or.jp JPCERT/CC
ncsc.nl NCSC NL
cert.pl CERT Polska
first.org FIRST
circl.lu CIRCL
misp-project.org MISP project
microsoft.com Microsoft
blog.google Google
cloud.google.com Google Cloud
mandiant.com Mandiant
fireeye.com FireEye
crowdstrike.com CrowdStrike
paloaltonetworks.com Palo Alto Networks
kaspersky.com Kaspersky
securelist.com Kaspersky GReAT
eset.com ESET
welivesecurity.com ESET
symantec.com Symantec
security.com Symantec (Broadcom)
broadcom.com Broadcom
trendmicro.com Trend Micro
sophos.com Sophos
talosintelligence.com Cisco Talos
cisco.com Cisco
proofpoint.com Proofpoint
recordedfuture.com Recorded Future
secureworks.com Secureworks
checkpoint.com Check Point
fortinet.com Fortinet
fortiguard.com Fortinet
mcafee.com McAfee
trellix.com Trellix
sentinelone.com SentinelOne
zscaler.com Zscaler
bitdefender.com Bitdefender
f-secure.com F-Secure
withsecure.com WithSecure
volexity.com Volexity
citizenlab.ca Citizen Lab
amnesty.org Amnesty Tech
dragos.com Dragos
intel471.com Intel 471
group-ib.com Group-IB
ptsecurity.com Positive Technologies
ahnlab.com AhnLab
qianxin.com QiAnXin
360.net 360
nccgroup.com NCC Group
elastic.co Elastic Security Labs
lab52.io Lab52
`

// blogHostList names platforms where anyone publishes.
const blogHostList = `blogspot.com blogger.com wordpress.com medium.com substack.com github.io
tumblr.com wixsite.com weebly.com ghost.io livejournal.com hashnode.dev dev.to notion.site
gitbook.io sites.google.com telegra.ph pastebin.com`
