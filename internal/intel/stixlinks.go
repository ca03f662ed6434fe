package intel

import "time"

// BundleLinks is what a STIX bundle says beyond the records of a Bundle:
// edges whose ends are STIX IDs that the store can resolve only after the
// bundle's objects, documents and indicators are written (or that an
// earlier import wrote). The importer writes it after ImportBundle.
type BundleLinks struct {
	// Source names the source of the bundle; it must already be stored
	// (ImportBundle stores it).
	Source Source `json:"source"`
	// Indicators says which spoor indicators each STIX indicator yielded,
	// so that later sightings and relationships can find them by STIX ID.
	Indicators []STIXIndicator `json:"indicators,omitempty"`
	// Indicates links STIX indicators to the groups, software or campaigns
	// they point at ("indicates" relationships).
	Indicates []IndicatorLink `json:"indicates,omitempty"`
	// Reports link report documents to what they cover (object_refs).
	Reports []ReportLink `json:"reports,omitempty"`
	// Targets are the victims of groups and campaigns ("targets"
	// relationships to identities and locations).
	Targets []Target `json:"targets,omitempty"`
	// Sightings of STIX indicators.
	Sightings []Sighting `json:"sightings,omitempty"`
}

// Len is the number of records in l.
func (l *BundleLinks) Len() int {
	return len(l.Indicators) + len(l.Indicates) + len(l.Reports) + len(l.Targets) + len(l.Sightings)
}

// IndicatorKey names a stored indicator by its canonical type and value.
type IndicatorKey struct {
	Type  IndicatorType `json:"type"`
	Value string        `json:"value"`
}

// STIXIndicator maps a STIX indicator ID to the indicators its pattern
// yielded (a pattern may name several values).
type STIXIndicator struct {
	StixID string         `json:"stix_id"`
	Keys   []IndicatorKey `json:"keys"`
}

// IndicatorLink says an indicator points at an object.
type IndicatorLink struct {
	StixID       string `json:"stix_id,omitempty"` // the relationship's ID
	Type         string `json:"type"`              // "indicates"
	IndicatorRef string `json:"indicator_ref"`     // STIX indicator ID
	ObjectRef    string `json:"object_ref"`        // STIX ID of a group, software or campaign
	Description  string `json:"description,omitempty"`
}

// IndicatorRelation is a stored IndicatorLink seen from an object or an
// indicator.
type IndicatorRelation struct {
	IndicatorID int64  `json:"indicator_id"`
	ObjectID    int64  `json:"object_id"`
	Type        string `json:"type"`
	SourceID    int64  `json:"source_id,omitempty"`
	Description string `json:"description,omitempty"`
}

// ReportLink links a report (a document of the same bundle, found by its
// URL, or by its title when it has none) to the objects and indicators it
// covers.
type ReportLink struct {
	StixID        string   `json:"stix_id,omitempty"`
	Title         string   `json:"title"`
	URL           string   `json:"url,omitempty"`
	ObjectRefs    []string `json:"object_refs,omitempty"`    // STIX IDs of groups, techniques, software, campaigns
	IndicatorRefs []string `json:"indicator_refs,omitempty"` // STIX indicator IDs
}

// Target kinds: what a victim is.
const (
	TargetSector       = "sector"       // an industry sector ("energy")
	TargetCountry      = "country"      // ISO 3166 alpha-2
	TargetOrganization = "organization" // a named victim
	TargetRegion       = "region"       // a region without a country ("eastern-europe")
)

// Target is a victim of a group or campaign.
type Target struct {
	ObjectID  int64  `json:"object_id,omitempty"`
	ObjectRef string `json:"object_ref,omitempty"` // STIX ID of the attacker (import only)
	StixID    string `json:"stix_id,omitempty"`    // the relationship's ID
	Kind      string `json:"kind"`
	Value     string `json:"value"`
	SourceID  int64  `json:"source_id,omitempty"`
}

// TAXIIState is where an incremental TAXII pull of one collection stopped.
type TAXIIState struct {
	Source       string    `json:"source"`        // the source's name
	Collection   string    `json:"collection"`    // the collection's ID
	AddedAfter   time.Time `json:"added_after"`   // date_added of the newest object pulled
	LastPull     time.Time `json:"last_pull"`     // when the last successful pull ended
	ObjectsTotal int64     `json:"objects_total"` // objects pulled so far, all pulls
}
