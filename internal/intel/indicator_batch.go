package intel

import "time"

// IndicatorBatch is what an indicator-list importer (trail file, CSV,
// grouped IOC list) hands to the store: screened indicator rows with
// per-row provenance, and the events the rows belong to. The store writes
// a batch in one transaction, keyed by (type, value) for indicators and by
// (source, Key) for events, so a re-import of the same batch changes
// nothing.
type IndicatorBatch struct {
	// Sources are every source the rows cite; IndicatorRow.Source and
	// EventRow.Source index this slice. Most batches have one.
	Sources    []Source
	Indicators []IndicatorRow
	Events     []EventRow

	// Stream, when not nil, produces the rows instead of Indicators, so
	// that a list of any size is imported in bounded memory: it calls
	// emit with successive runs of rows in input order and returns
	// emit's error, or its own. Sources, Events, Rows, Rejected and the
	// samples grow as it goes: when emit is called they cover every row
	// emitted so far; when Stream returns they are complete. The rows
	// passed to emit are the caller's only until emit returns. A batch
	// with a Stream can be imported once.
	Stream func(emit func([]IndicatorRow) error) error

	// Rows is how many data rows the input had; Rejected how many of them
	// the parser refused (not an indicator, wrong type, …), with up to
	// MaxRejectSamples reasons in RejectReasons.
	Rows          int
	Rejected      int
	RejectReasons []string
	// Notes say which values of kept rows broke the input rules and were
	// repaired (IndicatorRow.Tidy), up to MaxRejectSamples.
	Notes []string

	// Strict makes the store refuse the whole batch when any row is
	// invalid, instead of counting the row as rejected.
	Strict bool
}

// MaxRejectSamples bounds the rejection reasons a batch and its import
// report carry: enough to see what is wrong, not a copy of the input.
const MaxRejectSamples = 20

// IndicatorRow is one indicator as one source reported it. Confidence is
// the row's own confidence (0..1, 1 when the input gives none); the store
// multiplies it by the source's credibility.
type IndicatorRow struct {
	Type        IndicatorType
	Value       string // canonical (screened) form
	Description string
	Tags        []string
	FirstSeen   time.Time
	LastSeen    time.Time
	Confidence  float64
	TLP         TLP
	Warninglist string
	Source      int // index into IndicatorBatch.Sources
	Event       int // index into IndicatorBatch.Events plus one; 0 for none
}

// EventRow is an event an indicator list describes: one report or trail
// file of one group. Group is resolved by the store: GroupExternalID
// (an ATT&CK G-number) first, then an exact name or alias match of
// GroupLabel; when neither finds a stored group the event keeps the label
// only.
type EventRow struct {
	Key             string // unique within the source
	Title           string
	GroupLabel      string
	GroupExternalID string
	FirstSeen       time.Time
	LastSeen        time.Time
	// Times are activity timestamps (a sample's compile time, a lure
	// document's creation time): merged with those stored, never removed.
	Times  []time.Time
	Source int // index into IndicatorBatch.Sources
}
