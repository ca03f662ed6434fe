package reputation

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// VirusTotal v3 domain reports: the seed's twelve dimensions, each
// normalised into [0, 1] (community figures into [−1, 1]), read by the
// expert rules when a report of the name was imported. The labelled data
// has no reports, so they are rules, not model features: a model trained
// without them could not learn how far to trust them.
//
// Detection counts are normalised with a truncated normal CDF (a handful
// of engines is already telling, forty is no more telling than twenty),
// and the most detections among the files that talk to the domain with a
// skew normal CDF (a long right tail: one file detected by 50 engines is
// far more telling than one detected by 3), as the seed did.
var VTFeatureNames = []string{
	"vt_malicious",         // engines calling it malicious: truncated-normal CDF (μ 3, σ 4, [0, engines])
	"vt_suspicious",        // engines calling it suspicious: truncated-normal CDF (μ 2, σ 3, [0, engines])
	"vt_harmless_share",    // share of the engines calling it harmless
	"vt_trusted",           // share of the trusted engines that answered calling it malicious or suspicious
	"vt_files_max",         // most detections of a communicating file: skew-normal CDF (ξ 2, ω 12, α 4); NaN unknown
	"vt_rank",              // best popularity rank: 1 − log10(rank)/6, 0 for none
	"vt_rank_lists",        // popularity lists that rank it, over 5 (at most 1)
	"vt_reputation",        // community reputation: tanh(reputation/25), in [−1, 1]
	"vt_votes",             // (malicious − harmless votes) / (all votes + 1), in [−1, 1]
	"vt_threat_categories", // share of the categorising vendors whose category is a threat-dictionary word
	"vt_threat_results",    // share of the detecting engines whose verdict names a threat (phishing, malware, …)
	"vt_age",               // age at the last analysis: 1 − exp(−days/365); NaN unknown
}

// Indices into a VT feature vector.
const (
	vtMalicious = iota
	vtSuspicious
	vtHarmless
	vtTrusted
	vtFilesMax
	vtRank
	vtRankLists
	vtReputation
	vtVotes
	vtThreatCategories
	vtThreatResults
	vtAge
	numVTFeatures
)

// trustedEngines are the engines whose verdict the seed weighted most:
// large vendors with their own research teams and few false positives.
var trustedEngines = []string{"BitDefender", "ESET", "Fortinet", "G-Data", "Google Safebrowsing", "Kaspersky",
	"Sophos", "Forcepoint ThreatSeeker", "Emsisoft", "Webroot", "CRDF", "Dr.Web"}

// vtThreats is the threat dictionary for VirusTotal's verdict and
// category strings: a word in one gives the tag.
var vtThreats = []struct{ word, tag string }{
	{"phishing", "phishing"}, {"phish", "phishing"}, {"fraud", "phishing"}, {"scam", "scam"},
	{"malware", "malware"}, {"malicious", "malware"}, {"trojan", "malware"}, {"dropper", "malware"},
	{"command and control", "c2"}, {"c2", "c2"}, {"c&c", "c2"}, {"botnet", "botnet"}, {"bot", "botnet"},
	{"ransom", "ransomware"}, {"exploit", "exploit-kit"}, {"spam", "spam"}, {"miner", "miner"},
	{"cryptomining", "miner"}, {"coinminer", "miner"}, {"stealer", "stealer"}, {"spyware", "spyware"},
	{"adware", "adware"}, {"dga", "dga"},
}

// VTReport is one parsed report: the domain, its feature vector, the
// threat tags its verdicts and categories give, when it was analysed, and
// the report's attributes as read.
type VTReport struct {
	Domain     string
	AnalysedAt time.Time
	Features   []float64
	Tags       []string
	Attributes json.RawMessage
	Line       int // line of the input the report starts on
}

type vtEnvelope struct {
	Data *vtObject `json:"data"`
	vtObject
}

type vtObject struct {
	ID            string                     `json:"id"`
	Type          string                     `json:"type"`
	Attributes    json.RawMessage            `json:"attributes"`
	Relationships map[string]vtRelationships `json:"relationships"`
}

type vtRelationships struct {
	Data json.RawMessage `json:"data"`
}

type vtAttributes struct {
	LastAnalysisDate    int64                         `json:"last_analysis_date"`
	LastAnalysisStats   map[string]int                `json:"last_analysis_stats"`
	LastAnalysisResults map[string]vtEngineResult     `json:"last_analysis_results"`
	PopularityRanks     map[string]struct{ Rank int } `json:"popularity_ranks"`
	Reputation          int                           `json:"reputation"`
	Categories          map[string]string             `json:"categories"`
	TotalVotes          struct {
		Harmless  int `json:"harmless"`
		Malicious int `json:"malicious"`
	} `json:"total_votes"`
	CreationDate int64 `json:"creation_date"`
}

type vtEngineResult struct {
	Category string `json:"category"`
	Result   string `json:"result"`
}

type vtFile struct {
	Attributes struct {
		LastAnalysisStats map[string]int `json:"last_analysis_stats"`
	} `json:"attributes"`
}

// maxVTInput bounds one input file.
const maxVTInput = 1 << 30

// ReadVT reads VirusTotal v3 domain reports from r: one JSON document
// (pretty-printed or not), or several one after the other (JSON lines).
// Each is a report as the API answers it ({"data": {"id": …, "type":
// "domain", "attributes": …}}) or its data object alone. The input may be
// gzip-compressed. An error names the input and the line of the report.
func ReadVT(r io.Reader, name string) ([]VTReport, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	b, err := io.ReadAll(io.LimitReader(r, maxVTInput+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxVTInput {
		return nil, fmt.Errorf("%s: larger than %d MB", name, maxVTInput>>20)
	}
	line := func(off int64) int { return 1 + bytes.Count(b[:min(max(off, 0), int64(len(b)))], []byte{'\n'}) }
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []VTReport
	for {
		start := dec.InputOffset()
		// The report starts at the first non-blank byte after start.
		for int(start) < len(b) && strings.IndexByte(" \t\r\n", b[start]) >= 0 {
			start++
		}
		var env vtEnvelope
		err := dec.Decode(&env)
		if err == io.EOF {
			break
		}
		if err != nil {
			off := start
			if se, ok := errors.AsType[*json.SyntaxError](err); ok {
				off = se.Offset
			} else if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
				off = te.Offset
			}
			return nil, fmt.Errorf("%s:%d: %w", name, line(off), err)
		}
		rep, err := env.report()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line(start), err)
		}
		rep.Line = line(start)
		out = append(out, rep)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no report in it", name)
	}
	return out, nil
}

func (env *vtEnvelope) report() (VTReport, error) {
	o := env.Data
	if o == nil {
		o = &env.vtObject
	}
	if o.Type != "domain" {
		if o.Type == "" {
			return VTReport{}, fmt.Errorf("not a VirusTotal v3 domain report (no data.type)")
		}
		return VTReport{}, fmt.Errorf("a VirusTotal %q object, not a domain report", o.Type)
	}
	n, err := ParseName(o.ID)
	if err != nil {
		return VTReport{}, fmt.Errorf("data.id %q: %w", o.ID, err)
	}
	if len(o.Attributes) == 0 || string(o.Attributes) == "null" {
		return VTReport{}, fmt.Errorf("%s: the report has no attributes", n.Domain)
	}
	var a vtAttributes
	if err := json.Unmarshal(o.Attributes, &a); err != nil {
		return VTReport{}, fmt.Errorf("%s: attributes: %w", n.Domain, err)
	}
	filesMax := -1
	if rel, ok := o.Relationships["communicating_files"]; ok && len(rel.Data) > 0 {
		var files []vtFile
		if err := json.Unmarshal(rel.Data, &files); err != nil {
			return VTReport{}, fmt.Errorf("%s: relationships.communicating_files: %w", n.Domain, err)
		}
		for _, f := range files {
			filesMax = max(filesMax, f.Attributes.LastAnalysisStats["malicious"])
		}
	}
	for k, v := range a.LastAnalysisStats {
		if v < 0 {
			return VTReport{}, fmt.Errorf("%s: last_analysis_stats.%s is negative (%d)", n.Domain, k, v)
		}
	}
	x, tags := vtFeatures(&a, filesMax)
	rep := VTReport{Domain: n.Domain, Features: x, Tags: tags, Attributes: o.Attributes}
	if a.LastAnalysisDate > 0 {
		rep.AnalysedAt = time.Unix(a.LastAnalysisDate, 0).UTC()
	}
	return rep, nil
}

// vtFeatures computes the twelve dimensions of a report; filesMax is the
// most detections of a communicating file, −1 when the report says none.
func vtFeatures(a *vtAttributes, filesMax int) ([]float64, []string) {
	x := make([]float64, numVTFeatures)
	st := a.LastAnalysisStats
	engines := 0
	for _, k := range []string{"malicious", "suspicious", "harmless", "undetected", "timeout"} {
		engines += st[k]
	}
	if engines == 0 {
		engines = len(a.LastAnalysisResults)
	}
	hi := float64(max(engines, 1))
	x[vtMalicious] = TruncNormalCDF(float64(st["malicious"]), 3, 4, 0, hi)
	x[vtSuspicious] = TruncNormalCDF(float64(st["suspicious"]), 2, 3, 0, hi)
	if engines > 0 {
		x[vtHarmless] = float64(st["harmless"]) / float64(engines)
	}
	tagSet := map[string]bool{}
	var answered, trustedBad, detecting, threatening int
	for engine, res := range a.LastAnalysisResults {
		bad := res.Category == "malicious" || res.Category == "suspicious"
		if slices.Contains(trustedEngines, engine) && res.Category != "" && res.Category != "type-unsupported" && res.Category != "timeout" {
			answered++
			if bad {
				trustedBad++
			}
		}
		if bad {
			detecting++
			if ts := vtThreatTags(res.Result); len(ts) > 0 {
				threatening++
				for _, t := range ts {
					tagSet[t] = true
				}
			}
		}
	}
	if answered > 0 {
		x[vtTrusted] = float64(trustedBad) / float64(answered)
	}
	if detecting > 0 {
		x[vtThreatResults] = float64(threatening) / float64(detecting)
	}
	x[vtFilesMax] = math.NaN()
	if filesMax >= 0 {
		x[vtFilesMax] = SkewNormalCDF(float64(filesMax), 2, 12, 4)
	}
	best := 0
	for _, p := range a.PopularityRanks {
		if p.Rank > 0 && (best == 0 || p.Rank < best) {
			best = p.Rank
		}
		if p.Rank > 0 {
			x[vtRankLists]++
		}
	}
	x[vtRankLists] = min(x[vtRankLists]/5, 1)
	if best > 0 {
		x[vtRank] = min(max(1-math.Log10(float64(best))/6, 0), 1)
	}
	x[vtReputation] = math.Tanh(float64(a.Reputation) / 25)
	v := a.TotalVotes
	x[vtVotes] = float64(v.Malicious-v.Harmless) / float64(v.Malicious+v.Harmless+1)
	if len(a.Categories) > 0 {
		threat := 0
		for _, c := range a.Categories {
			if ts := vtThreatTags(c); len(ts) > 0 {
				threat++
				for _, t := range ts {
					tagSet[t] = true
				}
			}
		}
		x[vtThreatCategories] = float64(threat) / float64(len(a.Categories))
	}
	x[vtAge] = math.NaN()
	if a.CreationDate > 0 && a.LastAnalysisDate >= a.CreationDate {
		days := float64(a.LastAnalysisDate-a.CreationDate) / 86400
		x[vtAge] = 1 - math.Exp(-days/365)
	}
	tags := make([]string, 0, len(tagSet))
	for t := range tagSet {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return x, tags
}

// vtThreatTags returns the tags of the dictionary words in a verdict or
// category string ("Phishing and Other Frauds" → phishing). "bot" and
// "c2" count only as whole words.
func vtThreatTags(s string) []string {
	s = strings.ToLower(s)
	words := strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '&') })
	var out []string
	for _, t := range vtThreats {
		hit := false
		switch {
		case strings.Contains(t.word, " "):
			hit = strings.Contains(s, t.word)
		case len(t.word) <= 3:
			hit = slices.Contains(words, t.word)
		default:
			hit = strings.Contains(s, t.word)
		}
		if hit && !slices.Contains(out, t.tag) {
			out = append(out, t.tag)
		}
	}
	// "not malicious", "clean", "unrated" say nothing bad.
	if strings.Contains(s, "not malicious") || strings.Contains(s, "non-malicious") {
		return nil
	}
	return out
}

// vtRules are the expert rules over a report's features.
func vtRules(v []float64, tags []string) []firing {
	if len(v) != numVTFeatures {
		return nil
	}
	var out []firing
	det := max(v[vtMalicious], v[vtSuspicious])
	switch {
	case v[vtTrusted] >= 0.25 || v[vtMalicious] >= 0.5:
		out = append(out, firing{rule: "vt-detections", logOdds: 3, suspicious: true, tags: tags,
			why: fmt.Sprintf("VirusTotal: detections %.2f (truncated-normal CDF), trusted engines %.2f", v[vtMalicious], v[vtTrusted])})
	case det > 0:
		out = append(out, firing{rule: "vt-some-detections", logOdds: 1, suspicious: true, tags: tags,
			why: fmt.Sprintf("VirusTotal: a few detections (%.2f malicious, %.2f suspicious)", v[vtMalicious], v[vtSuspicious])})
	case v[vtHarmless] > 0 && (v[vtRank] > 0 || v[vtReputation] > 0):
		out = append(out, firing{rule: "vt-clean", logOdds: -2,
			why: fmt.Sprintf("VirusTotal: no engine detects it, popularity %.2f, community %+.2f", v[vtRank], v[vtReputation])})
	}
	if v[vtReputation] <= -0.3 || v[vtVotes] >= 0.5 {
		out = append(out, firing{rule: "vt-community", logOdds: 1, suspicious: true,
			why: fmt.Sprintf("VirusTotal community: reputation %+.2f, votes %+.2f", v[vtReputation], v[vtVotes])})
	}
	if f := v[vtFilesMax]; !math.IsNaN(f) && f >= 0.5 {
		out = append(out, firing{rule: "vt-files", logOdds: 1.5, suspicious: true,
			why: fmt.Sprintf("VirusTotal: files that talk to it are detected (%.2f, skew-normal CDF)", f)})
	}
	if v[vtThreatCategories] >= 0.5 {
		out = append(out, firing{rule: "vt-categories", logOdds: 1, tags: tags,
			why: fmt.Sprintf("VirusTotal: %.0f %% of the vendors' categories are threats", 100*v[vtThreatCategories])})
	}
	return out
}
