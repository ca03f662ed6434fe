package storetest

import (
	"fmt"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// SyntheticSize sets the shape of a synthetic bundle.
type SyntheticSize struct {
	Groups, Techniques, Software, Campaigns int
	Relationships                           int
	RefsPerRelationship                     int // citations per relationship
	Citations                               int // distinct citation documents (0: one per relationship ref)
}

// AttackSize is the shape of ATT&CK Enterprise 13.1 as spoor imports it:
// about 18.5k records, 16.5k of them relationships, and ~10k distinct
// citations.
var AttackSize = SyntheticSize{Groups: 134, Techniques: 625, Software: 718, Campaigns: 23,
	Relationships: 16500, RefsPerRelationship: 1, Citations: 10000}

// SyntheticBundle builds a deterministic ATT&CK-shaped bundle: objects
// with aliases, descriptions and catalogue refs, relationships from groups
// and software to techniques and software, each citing reports. It stands
// in for the real ATT&CK file until the STIX parser lands.
func SyntheticBundle(n SyntheticSize) *intel.Bundle {
	t0 := time.Date(2023, 4, 25, 14, 0, 0, 0, time.UTC)
	b := &intel.Bundle{Source: intel.Source{Name: "synthetic ATT&CK", Kind: intel.SourceSTIX, Credibility: 1}}
	add := func(kind intel.ObjectKind, prefix, ext string, i int) string {
		id := fmt.Sprintf("%s--%08d", prefix, i)
		name := fmt.Sprintf("%s %s %d", kind, words[i%len(words)], i)
		b.Objects = append(b.Objects, intel.Object{
			Kind: kind, StixID: id, ExternalID: fmt.Sprintf("%s%04d", ext, i), Name: name,
			Aliases:     []string{fmt.Sprintf("%s alias %d", words[(i+3)%len(words)], i)},
			Description: fmt.Sprintf("%s is a %s seen %s with %s and %s.", name, kind, words[(i+1)%len(words)], words[(i+2)%len(words)], words[(i+5)%len(words)]),
			Refs:        []intel.ExternalRef{{SourceName: "mitre-attack", ExternalID: fmt.Sprintf("%s%04d", ext, i), URL: "https://attack.mitre.org/x/" + id}},
			Tactics:     []string{"execution"}, Platforms: []string{"Windows", "Linux"},
			Created: t0.AddDate(-3, 0, 0), Modified: t0,
		})
		return id
	}
	var groups, techs, soft []string
	for i := range n.Groups {
		groups = append(groups, add(intel.KindGroup, "intrusion-set", "G", i))
	}
	for i := range n.Techniques {
		techs = append(techs, add(intel.KindTechnique, "attack-pattern", "T", i))
	}
	for i := range n.Software {
		soft = append(soft, add(intel.KindSoftware, "malware", "S", i))
	}
	for i := range n.Campaigns {
		add(intel.KindCampaign, "campaign", "C", i)
	}
	cites := n.Citations
	if cites <= 0 {
		cites = max(1, n.Relationships*n.RefsPerRelationship)
	}
	users := append(append([]string{}, groups...), soft...)
	targets := append(append([]string{}, techs...), soft...)
	for i := range n.Relationships {
		if len(users) == 0 || len(targets) == 0 {
			break
		}
		var refs []intel.ExternalRef
		for r := range n.RefsPerRelationship {
			c := (i*7 + r*13) % cites
			refs = append(refs, intel.ExternalRef{SourceName: fmt.Sprintf("Report %d", c),
				URL: fmt.Sprintf("https://example.com/reports/%d", c), Description: fmt.Sprintf("Vendor. (2020). Report %d.", c)})
		}
		b.Relationships = append(b.Relationships, intel.Link{
			StixID: fmt.Sprintf("relationship--%08d", i), Type: "uses",
			SourceRef: users[i%len(users)], TargetRef: targets[(i*31+i/len(users))%len(targets)],
			Description: fmt.Sprintf("Used %s in operations.", words[i%len(words)]), Refs: refs,
			Created: t0.AddDate(-1, 0, 0), Modified: t0,
		})
	}
	return b
}

var words = []string{"phishing", "credential", "lateral", "beacon", "loader", "dropper", "backdoor",
	"espionage", "ransomware", "exfiltration", "persistence", "wiper", "keylogger", "tunnel", "implant"}
