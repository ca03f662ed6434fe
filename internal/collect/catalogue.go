package collect

import (
	"path/filepath"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// CatalogueEntry is a public source spoor knows how to collect. URL is
// where the public copy lives; Mirror is the same file's path inside an
// offline mirror directory (`spoor collect --mirror DIR`).
type CatalogueEntry struct {
	Name     string
	Format   string
	URL      string
	Mirror   string
	Interval time.Duration
	// Site is whose credibility the source carries when it differs from
	// the URL's host (a project's file served from a code host).
	Site string
	// Credibility, when not zero, fixes the score with Reason (a
	// composite list whose rows come from several publishers).
	Credibility float64
	Reason      string
}

const (
	mispGalaxyBase = "https://raw.githubusercontent.com/MISP/misp-galaxy/main/clusters/"
	attackBase     = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/"
	week           = 7 * 24 * time.Hour
)

// Catalogue lists the built-in public sources, in collection order:
// ATT&CK first, so that galaxies and IOC lists can refer to its groups.
// MISP's country cluster is not a source of its own: the galaxy format
// reads it from beside each cluster to normalise country names.
func Catalogue() []CatalogueEntry {
	galaxy := func(name, cluster string) CatalogueEntry {
		return CatalogueEntry{
			Name: "MISP galaxy: " + name, Format: "misp-galaxy",
			URL: mispGalaxyBase + cluster + ".json", Mirror: filepath.Join("misp-galaxy", "cluster-"+cluster+".json.gz"),
			Interval: week, Site: "www.misp-project.org",
		}
	}
	return []CatalogueEntry{
		{
			Name: "MITRE ATT&CK Enterprise", Format: "stix",
			URL: attackBase + "enterprise-attack-13.1.json", Mirror: filepath.Join("mitre-attack", "enterprise-attack-13.1.json.gz"),
			Interval: week, Site: "attack.mitre.org",
		},
		galaxy("threat actors", "threat-actor"),
		galaxy("Microsoft activity groups", "microsoft-activity-group"),
		galaxy("360.net threat actors", "360net"),
		galaxy("Tidal Cyber groups", "tidal-groups"),
		galaxy("tools", "tool"),
		galaxy("Malpedia", "malpedia"),
		{
			// Assembled from maltrail's apt_* trails (an independent
			// project), ESET's and Unit 42's published IOCs; each row names
			// its publisher, and the list as a whole sits between them.
			Name: "APT IOC lists (maltrail, ESET, Unit 42)", Format: "apt-iocs",
			Mirror: filepath.Join("apt-iocs", "iocs.csv.gz"), Interval: 24 * time.Hour,
			Credibility: 0.6, Reason: "composite: maltrail (independent, 0.2), ESET and Unit 42 (well-known vendors, 1)",
		},
	}
}

// Source returns the catalogue entry as a source to collect from its
// public URL.
func (e CatalogueEntry) Source() *intel.Source {
	src := &intel.Source{
		Name: e.Name, Format: e.Format, URL: e.URL, Location: e.URL,
		Interval: intel.Duration(e.Interval), Enabled: true, TLP: intel.TLPClear,
	}
	if e.URL == "" {
		// Only in a mirror: nothing for the scheduler to fetch.
		src.Interval = 0
	}
	if e.Site != "" {
		src.URL = "https://" + e.Site + "/"
	}
	if e.Credibility != 0 {
		src.Credibility, src.CredibilityReason, src.CredibilityManual = e.Credibility, e.Reason, true
	}
	return src
}

// RanksMirror is the popularity list's path inside an offline mirror
// (slash-separated; filepath.FromSlash it).
const RanksMirror = "domain-reputation/tranco_top40k.csv"
