package storetest

import (
	"fmt"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// FixtureBundle is a small hand-made ATT&CK-like bundle: three active
// groups and a revoked one, techniques with a sub-technique, software, a
// campaign, relationships with citations (one revoked, one to the revoked
// group, one dangling), a report and two indicators.
func FixtureBundle() *intel.Bundle {
	t0 := time.Date(2023, 4, 25, 14, 0, 0, 0, time.UTC)
	attack := func(id string) intel.ExternalRef {
		return intel.ExternalRef{SourceName: "mitre-attack", ExternalID: id, URL: "https://attack.mitre.org/" + id}
	}
	obj := func(kind intel.ObjectKind, stix, ext, name string, aliases ...string) intel.Object {
		return intel.Object{Kind: kind, StixID: stix, ExternalID: ext, Name: name, Aliases: aliases,
			Description: name + " is described here.", URL: "https://attack.mitre.org/" + ext,
			Refs: []intel.ExternalRef{attack(ext)}, Created: t0.AddDate(-5, 0, 0), Modified: t0}
	}
	apt28 := obj(intel.KindGroup, "intrusion-set--28", "G0007", "APT28", "Fancy Bear", "Sofacy", "STRONTIUM")
	apt28.Description = "APT28 is a threat group attributed to Russia's GRU. It ran spearphishing campaigns."
	apt28.Country = "RU"
	apt28.Refs = append(apt28.Refs,
		intel.ExternalRef{SourceName: "FireEye APT28", URL: "https://example.com/fireeye-apt28", Description: "FireEye. (2015). APT28: A Window into Russia's Cyber Espionage Operations?"},
		intel.ExternalRef{SourceName: "Kaspersky Sofacy", Description: "Kaspersky Lab's Global Research and Analysis Team. (2015, December 4). Sofacy APT hits high profile targets."})
	apt29 := obj(intel.KindGroup, "intrusion-set--29", "G0016", "APT29", "Cozy Bear", "The Dukes")
	lazarus := obj(intel.KindGroup, "intrusion-set--32", "G0032", "Lazarus Group", "HIDDEN COBRA", "Guardians of Peace")
	lazarus.Country = "KP"
	old := obj(intel.KindGroup, "intrusion-set--old", "G9999", "Old Bear", "Fancy Bear Junior")
	old.Revoked = true
	ps := obj(intel.KindTechnique, "attack-pattern--ps", "T1059.001", "PowerShell")
	ps.Tactics, ps.IsSubtechnique, ps.Platforms = []string{"execution"}, true, []string{"Windows"}
	csi := obj(intel.KindTechnique, "attack-pattern--csi", "T1059", "Command and Scripting Interpreter")
	csi.Tactics, csi.Platforms = []string{"execution"}, []string{"Linux", "macOS", "Windows"}
	phish := obj(intel.KindTechnique, "attack-pattern--phish", "T1566", "Phishing")
	phish.Tactics = []string{"initial-access"}
	xagent := obj(intel.KindSoftware, "malware--xagent", "S0161", "XAgentOSX", "X-Agent", "CHOPSTICK")
	xagent.SoftwareType, xagent.Platforms = "malware", []string{"macOS"}
	mimi := obj(intel.KindSoftware, "tool--mimikatz", "S0002", "Mimikatz")
	mimi.SoftwareType = "tool"
	camp := obj(intel.KindCampaign, "campaign--ghost", "C0023", "Operation Ghost")
	camp.FirstSeen, camp.LastSeen = time.Date(2013, 9, 1, 5, 0, 0, 0, time.UTC), time.Date(2019, 10, 1, 5, 0, 0, 0, time.UTC)

	cite := func(name, url, desc string) []intel.ExternalRef {
		return []intel.ExternalRef{{SourceName: name, URL: url, Description: desc}}
	}
	link := func(n int, typ, src, dst string, refs []intel.ExternalRef) intel.Link {
		return intel.Link{StixID: fmt.Sprintf("relationship--%02d", n), Type: typ, SourceRef: src, TargetRef: dst,
			Description: fmt.Sprintf("%s %s %s.", src, typ, dst), Refs: refs, Created: t0.AddDate(-1, 0, 0), Modified: t0}
	}
	revoked := link(7, "uses", apt28.StixID, phish.StixID, nil)
	revoked.Revoked = true
	return &intel.Bundle{
		Source:  intel.Source{Name: "MITRE ATT&CK", Kind: intel.SourceSTIX, URL: "https://attack.mitre.org", Credibility: 1, TLP: intel.TLPClear},
		Objects: []intel.Object{apt28, apt29, lazarus, old, ps, csi, phish, xagent, mimi, camp},
		Relationships: []intel.Link{
			link(1, "uses", apt28.StixID, ps.StixID, cite("Secureworks IRON TWILIGHT", "https://example.com/iron-twilight", "Secureworks. (2017). IRON TWILIGHT.")),
			link(2, "uses", apt28.StixID, xagent.StixID, cite("Kaspersky Sofacy", "", "Kaspersky Lab's Global Research and Analysis Team. (2015, December 4). Sofacy APT hits high profile targets.")),
			link(3, "uses", apt29.StixID, mimi.StixID, cite("FireEye APT28", "https://example.com/fireeye-apt28", "")),
			link(4, "uses", xagent.StixID, csi.StixID, nil),
			link(5, "subtechnique-of", ps.StixID, csi.StixID, nil),
			link(6, "attributed-to", camp.StixID, apt29.StixID, cite("ESET Dukes", "https://example.com/eset-dukes", "ESET. (2019). Operation Ghost.")),
			revoked,
			link(8, "related-to", apt28.StixID, old.StixID, cite("Hidden Report", "https://example.com/hidden", "Only cited by an edge to a revoked group.")),
			link(9, "uses", apt28.StixID, "malware--unknown", nil),
		},
		Documents: []intel.Document{{
			Title: "Spearphishing by Fancy Bear", URL: "https://example.com/report-1", Published: day(2024, 1, 15),
			Text: "The actor known as Fancy Bear sent spearphishing mail with a PowerShell loader to ministries.",
		}},
		Indicators: []intel.Indicator{
			{Type: intel.IndicatorDomain, Value: "evil.example.com", Description: "X-Agent command server", Tags: []string{"apt28"}, FirstSeen: day(2023, 1, 1), LastSeen: day(2023, 6, 1), Confidence: 0.7},
			{Type: intel.IndicatorIPv4, Value: "203.0.113.7", Description: "staging host", FirstSeen: day(2023, 2, 1), LastSeen: day(2023, 2, 2), Confidence: 0.5},
		},
	}
}
