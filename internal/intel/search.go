package intel

// Search highlight markers: the store wraps matched terms in snippets with
// these control characters; renderers escape the snippet, then replace the
// markers (for example with <mark>), so hostile text stays inert.
const (
	HighlightStart = "\x02"
	HighlightEnd   = "\x03"
)

// SearchQuery is a full-text query over documents, objects and indicators.
// Text is user input in plain words; the store quotes it, so operators and
// SQL metacharacters have no effect.
type SearchQuery struct {
	Text  string
	Kinds []string // "document", "indicator", or an ObjectKind; empty = all
	Limit int
	// Offset skips the best hits of earlier pages (ranked results have no
	// keyset); at most MaxSearchOffset.
	Offset int
}

// MaxSearchOffset bounds how deep search pages go: past it a person
// should narrow the query, and the store need not rank ever more rows.
const MaxSearchOffset = 1000

// SearchHit is one search result, best first.
type SearchHit struct {
	Kind       string  `json:"kind"` // "document", "indicator" or an ObjectKind
	ID         int64   `json:"id"`
	Title      string  `json:"title"`
	ExternalID string  `json:"external_id,omitempty"`
	Snippet    string  `json:"snippet,omitempty"`
	Rank       float64 `json:"rank"` // higher is better
}

// Page is one page of a keyset-paged list. Next is the cursor for the
// following page, empty on the last one.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Counts is how many of each thing the base holds (dashboard).
type Counts map[string]int
