package intel

import "time"

// IndicatorType names a kind of indicator of compromise.
type IndicatorType string

// Indicator types. Values are stored in canonical form (lower-case
// domains and hashes, compressed IPv6, refanged URLs).
const (
	IndicatorIPv4      IndicatorType = "ipv4"
	IndicatorIPv6      IndicatorType = "ipv6"
	IndicatorCIDR      IndicatorType = "cidr"
	IndicatorDomain    IndicatorType = "domain"
	IndicatorURL       IndicatorType = "url"
	IndicatorEmail     IndicatorType = "email"
	IndicatorMD5       IndicatorType = "md5"
	IndicatorSHA1      IndicatorType = "sha1"
	IndicatorSHA256    IndicatorType = "sha256"
	IndicatorSHA512    IndicatorType = "sha512"
	IndicatorCVE       IndicatorType = "cve"
	IndicatorTechnique IndicatorType = "technique"
	IndicatorASN       IndicatorType = "asn"
	IndicatorMAC       IndicatorType = "mac"      // aa:bb:cc:dd:ee:ff
	IndicatorBTC       IndicatorType = "btc"      // Bitcoin address
	IndicatorETH       IndicatorType = "eth"      // Ethereum address, lower case
	IndicatorXMR       IndicatorType = "xmr"      // Monero address
	IndicatorRegKey    IndicatorType = "regkey"   // Windows registry key, long hive name
	IndicatorFilePath  IndicatorType = "filepath" // Windows or Unix path of a file
	IndicatorFileName  IndicatorType = "filename" // file name, as written
	IndicatorJA3       IndicatorType = "ja3"      // JA3 TLS client fingerprint (MD5)
	IndicatorJA4       IndicatorType = "ja4"      // JA4 TLS client fingerprint
)

// IndicatorTypes lists the known indicator types. Each is also an
// internal/ioc type of the same name, which checks and canonicalises its
// values; ATT&CK tactic IDs are the one ioc type the base does not hold.
var IndicatorTypes = []IndicatorType{
	IndicatorIPv4, IndicatorIPv6, IndicatorCIDR, IndicatorDomain, IndicatorURL,
	IndicatorEmail, IndicatorMD5, IndicatorSHA1, IndicatorSHA256, IndicatorSHA512,
	IndicatorCVE, IndicatorTechnique, IndicatorASN, IndicatorMAC, IndicatorBTC,
	IndicatorETH, IndicatorXMR, IndicatorRegKey, IndicatorFilePath, IndicatorFileName,
	IndicatorJA3, IndicatorJA4,
}

// Valid reports whether t is a known indicator type.
func (t IndicatorType) Valid() bool {
	for _, k := range IndicatorTypes {
		if t == k {
			return true
		}
	}
	return false
}

// Indicator is one observable value with what is known about it. One
// (type, value) is stored once whatever the source.
type Indicator struct {
	ID          int64         `json:"id"`
	Type        IndicatorType `json:"type"`
	Value       string        `json:"value"`
	Description string        `json:"description,omitempty"`
	Tags        []string      `json:"tags,omitempty"`
	FirstSeen   time.Time     `json:"first_seen,omitzero"`
	LastSeen    time.Time     `json:"last_seen,omitzero"`
	Confidence  float64       `json:"confidence"`
	TLP         TLP           `json:"tlp,omitempty"`
	SourceID    int64         `json:"source_id,omitempty"` // the most credible source
	// Warninglist names the warninglist the value is on ("public-resolvers",
	// a rank list) or the special range it is in ("private", "loopback"):
	// a flag for analysts and exports, never a reason to drop the value.
	Warninglist string    `json:"warninglist,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// Validate checks what every stored indicator needs, by the input rules
// (validate.go).
func (i *Indicator) Validate() error {
	if !i.Type.Valid() {
		return Errorf(CodeInvalid, "unknown indicator type %q", i.Type)
	}
	if i.Value == "" {
		return Errorf(CodeInvalid, "indicator value is required")
	}
	if i.Confidence < 0 || i.Confidence > 1 {
		return Errorf(CodeInvalid, "confidence %v is outside 0..1", i.Confidence)
	}
	if i.TLP != "" && !i.TLP.Valid() {
		return Errorf(CodeInvalid, "unknown TLP marking %q", i.TLP)
	}
	_, err := i.check(false)
	return err
}

// IndicatorUpdate changes the fields that are set on an indicator.
type IndicatorUpdate struct {
	Description *string   `json:"description,omitempty"`
	Tags        *[]string `json:"tags,omitempty"`
	Confidence  *float64  `json:"confidence,omitempty"`
	TLP         *TLP      `json:"tlp,omitempty"`
}

// IndicatorFilter selects indicators, newest first, paged by keyset.
type IndicatorFilter struct {
	Type  IndicatorType
	Value string // exact canonical value
	// Prefix selects values that start with it, as typed or in lower case.
	Prefix string
	// SourceID selects what one source gave (its own indicators and those
	// its IOC lists confirmed); GroupID what is tied to one group (through
	// its events or STIX indicates relationships).
	SourceID int64
	GroupID  int64
	// MinConfidence and Since (last seen, first seen or changed on or
	// after) as in exports.
	MinConfidence float64
	Since         time.Time
	// Warninglisted is "only" (warninglisted values only), "exclude" or "".
	Warninglisted string
	// Sort orders the list by one of IndicatorSorts (newest first by default).
	Sort  Sort
	After string
	Limit int
}

// Validate checks the filter's values.
func (f IndicatorFilter) Validate() error {
	switch {
	case f.Type != "" && !f.Type.Valid():
		return Errorf(CodeInvalid, "unknown indicator type %q", f.Type)
	case f.MinConfidence < 0 || f.MinConfidence > 1:
		return Errorf(CodeInvalid, "min_confidence must be from 0 to 1")
	case f.Warninglisted != "" && f.Warninglisted != "only" && f.Warninglisted != "exclude":
		return Errorf(CodeInvalid, "warninglisted must be only or exclude, not %q", f.Warninglisted)
	case len(f.Prefix) > 1024:
		return Errorf(CodeInvalid, "prefix is longer than 1024 bytes")
	}
	return nil
}

// Sighting records that an indicator was seen somewhere (a log match, a
// report from a partner, a STIX sighting).
type Sighting struct {
	ID          int64     `json:"id"`
	IndicatorID int64     `json:"indicator_id"`
	SeenAt      time.Time `json:"seen_at"` // the latest time it was seen
	Count       int       `json:"count"`
	SourceID    int64     `json:"source_id,omitempty"`
	Note        string    `json:"note,omitempty"`

	// StixID is the STIX sighting's ID: the import key of one sighting
	// (one row per indicator the STIX indicator yielded).
	StixID string `json:"stix_id,omitempty"`
	// IndicatorRef is the STIX ID of the sighted indicator (import only;
	// the store resolves it to IndicatorID).
	IndicatorRef string    `json:"indicator_ref,omitempty"`
	FirstSeen    time.Time `json:"first_seen,omitzero"`
	LastSeen     time.Time `json:"last_seen,omitzero"`
	// Where names where it was seen: identities (organisations, sectors)
	// and locations (ISO country codes) of where_sighted_refs.
	Where []string `json:"where,omitempty"`

	// Sensor is the host or sensor it was seen on, as the recorder named
	// it; LogFile the log it was found in.
	Sensor  string `json:"sensor,omitempty"`
	LogFile string `json:"log_file,omitempty"`
	// Origin is how the sighting came in: SightingMatch, SightingAPI or
	// SightingSTIX.
	Origin string `json:"origin,omitempty"`
	// RecordedBy is the login of who recorded it ("system" for imports),
	// RecordedAt when; both set by the store.
	RecordedBy string    `json:"recorded_by,omitempty"`
	RecordedAt time.Time `json:"recorded_at,omitzero"`
}

// How sightings come in.
const (
	SightingMatch = "match" // spoor match --record
	SightingAPI   = "api"   // POST /api/v1/sightings
	SightingSTIX  = "stix"  // a STIX sighting object on import
)

// Validate checks a sighting recorded by hand or by spoor match, by the
// input rules: a stored indicator, a count of at least one, a time, and
// the sensor, log file and note as names and text.
func (sg *Sighting) Validate() error {
	c := &check{}
	if sg.IndicatorID <= 0 {
		c.refuse("indicator_id", "a sighting needs the ID of a stored indicator")
	}
	if sg.Count < 1 {
		c.refuse("count", "%d is not a count of at least 1", sg.Count)
	}
	if sg.SeenAt.IsZero() {
		c.refuse("seen_at", "a sighting needs the time it was seen")
	}
	if !sg.FirstSeen.IsZero() && !sg.LastSeen.IsZero() && sg.LastSeen.Before(sg.FirstSeen) {
		c.refuse("last_seen", "is before first_seen")
	}
	c.name("sensor", &sg.Sensor, MaxNameLen)
	c.name("log_file", &sg.LogFile, MaxURLLen)
	c.text("note", &sg.Note, MaxTextLen)
	return c.err
}

// IndicatorSighting is a sighting with the indicator it is of, as a
// group's sightings list them.
type IndicatorSighting struct {
	Sighting
	IndicatorType  IndicatorType `json:"indicator_type"`
	IndicatorValue string        `json:"indicator_value"`
}
