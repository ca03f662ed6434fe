package intel

import "time"

// WhitelistEntry is a domain an analyst vouches for: domain reputation
// calls it (and every name under it) benign before any model runs, and
// screening flags it when a feed lists it. Who added it and why are kept;
// additions and removals are audited.
type WhitelistEntry struct {
	ID      int64     `json:"id"`
	Domain  string    `json:"domain"`
	Reason  string    `json:"reason"`
	AddedBy string    `json:"added_by,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

// DomainReport is what a VirusTotal v3 domain report says about a domain,
// as spoor keeps it: the time of the report's last analysis, the feature
// vector reputation reads from it (reputation.VTFeatureNames order), the
// threat tags its verdicts and categories give, and
// the report's attributes as imported (JSON), so the features can be
// recomputed when their definition changes.
type DomainReport struct {
	Domain     string    `json:"domain"`
	AnalysedAt time.Time `json:"analysed_at"`
	ImportedAt time.Time `json:"imported_at"`
	Features   []float64 `json:"features"`
	Tags       []string  `json:"tags"`
	Report     string    `json:"-"`
}

// DomainEvidence is what the store holds about a domain name beyond its
// spelling, for domain reputation: whether a domain indicator of that
// value is stored, the feeds that list it, the events that hold it and the
// reports that give it. The store reports facts; reputation decides what
// they are worth (which of them are independent of one another).
type DomainEvidence struct {
	Domain      string `json:"domain"`
	IndicatorID int64  `json:"indicator_id"`
	Warninglist string `json:"warninglist,omitempty"`
	// Listed says the name is known bad as the store counts it for a
	// family's listed names (DomainFamily.Listed): listed by a feed of
	// credibility above zero and on no warninglist.
	Listed bool `json:"listed"`
	// Feeds are the sources that list the indicator (its provenance,
	// reports and forums left out: they mention names, they do not list
	// them as bad), most credible first.
	Feeds []FeedListing `json:"feeds"`
	// Events hold the indicator; Reports give it in their text.
	Events  []EvidenceItem `json:"events"`
	Reports []EvidenceItem `json:"reports"`
}

// FeedListing is one source that lists an indicator, with the source's
// credibility (collect.Credibility or an admin's value).
type FeedListing struct {
	SourceID    int64   `json:"source_id"`
	Source      string  `json:"source"`
	Credibility float64 `json:"credibility"`
}

// EvidenceItem is one event or report that holds an indicator: its
// source, the attack groups it names (an event's group, a report's
// mentioned groups) and how many of its other indicators are known bad —
// listed by a feed of credibility above zero and on no warninglist. An
// event of a feed that lists the indicator leaves the count at 0: it holds
// what that feed lists, so the count would repeat the listing.
type EvidenceItem struct {
	ID            int64    `json:"id"`
	SourceID      int64    `json:"source_id"`
	DocumentID    int64    `json:"document_id,omitempty"` // an event made from a report
	Groups        []string `json:"groups"`
	BadIndicators int      `json:"bad_indicators"`
}

// DomainFamily counts the stored domain indicators strictly under a
// registered domain, and how many of them are listed as bad (by a feed of
// credibility above zero, on no warninglist).
type DomainFamily struct {
	Names  int `json:"names"`
	Listed int `json:"listed"`
}
