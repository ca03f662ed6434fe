package intel

import (
	"encoding/json"
	"strings"
	"time"
)

// SourceKind says what a source is and how it is read.
type SourceKind string

// Source kinds.
const (
	SourceSTIX     SourceKind = "stix"
	SourceMISP     SourceKind = "misp"
	SourceTAXII    SourceKind = "taxii"
	SourceIOCList  SourceKind = "ioc-list"
	SourceReport   SourceKind = "report"
	SourceForum    SourceKind = "forum"
	SourceInternal SourceKind = "internal"
	SourceManual   SourceKind = "manual" // typed in by an analyst
)

// Source is where intelligence comes from. Credibility (0..1) flows into
// the confidence of every fact the source provides.
//
// A source that spoor collects on its own also has a Format (which parser
// reads it), a Location (URL or path) and an Interval; the scheduler runs
// it when NextRunAt has passed.
type Source struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Kind        SourceKind `json:"kind"`
	URL         string     `json:"url,omitempty"`
	Credibility float64    `json:"credibility"`
	// CredibilityReason says how Credibility was reached ("well-known
	// organisation: MITRE", "set by an admin").
	CredibilityReason string `json:"credibility_reason,omitempty"`
	// CredibilityManual is set when an admin fixed the score; collectors
	// then keep it instead of recomputing it.
	CredibilityManual bool `json:"credibility_manual,omitempty"`
	TLP               TLP  `json:"tlp,omitempty"`

	Format       string        `json:"format,omitempty"`
	Location     string        `json:"location,omitempty"`
	Interval     Duration      `json:"interval,omitempty"` // 0: only on demand
	Enabled      bool          `json:"enabled"`
	AllowPrivate bool          `json:"allow_private,omitempty"` // crawlers may fetch private addresses
	Options      SourceOptions `json:"options,omitempty"`       // format-specific settings
	NextRunAt    time.Time     `json:"next_run_at,omitzero"`

	CreatedAt time.Time `json:"created_at,omitzero"`
}

// SourceOptions are a source's format-specific settings ("collection",
// "api_root", "username", "password" for TAXII). Some are credentials:
// written as JSON (the API, the CLI's JSON output) their values are
// replaced by RedactedOption, so no reader of the API ever sees them. The
// store keeps them sealed (internal/secret), and the collector opens one
// only where it sends it.
type SourceOptions map[string]string

// RedactedOption stands for a secret option's value in JSON.
const RedactedOption = "********"

// SecretOption reports whether an option holds a credential: its name
// contains "pass" (password, passwd, passphrase), "pwd", "secret",
// "token", "auth" (authkey, authorization), "cookie" or "credential", or
// ends in "key" (api_key), in any case. A false alarm only hides a value.
func SecretOption(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"pass", "pwd", "secret", "token", "auth", "cookie", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasSuffix(n, "key")
}

// MarshalJSON writes the options with every secret value redacted.
func (o SourceOptions) MarshalJSON() ([]byte, error) {
	out := make(map[string]string, len(o))
	for k, v := range o {
		if SecretOption(k) && v != "" {
			v = RedactedOption
		}
		out[k] = v
	}
	return json.Marshal(out)
}

// RunLease is how long a running collection holds its source without
// renewing: the collector renews it every RunLease/3. A run of a process
// the store can check (same host and PID table) holds its source while
// the process lives; a run of any other holds it while its lease does, so
// a dead one frees its source once its lease expires.
const RunLease = 2 * time.Minute

// Validate checks what every stored source needs, by the input rules
// (validate.go): names, URLs (http or https), and a location that is "-",
// a path or an http(s) URL (a TAXII server's always a URL).
func (s *Source) Validate() error {
	if strings.TrimSpace(s.Name) == "" {
		return Errorf(CodeInvalid, "source name is required")
	}
	if _, err := s.check(false); err != nil {
		return err
	}
	if s.Credibility < 0 || s.Credibility > 1 {
		return Errorf(CodeInvalid, "credibility %v is outside 0..1", s.Credibility)
	}
	if s.TLP != "" && !s.TLP.Valid() {
		return Errorf(CodeInvalid, "unknown TLP marking %q", s.TLP)
	}
	if s.Interval < 0 {
		return Errorf(CodeInvalid, "interval %v is negative", s.Interval)
	}
	if s.Interval > 0 && s.Interval < Duration(time.Minute) {
		return Errorf(CodeInvalid, "interval %v is shorter than a minute", time.Duration(s.Interval))
	}
	return s.Options.Validate()
}

// Limits of source options: a few short settings, not a data store.
const (
	maxOptions      = 32
	maxOptionKey    = 64
	maxOptionLength = 4096
)

// Validate checks option names (letters, digits, '_', '-', '.') and
// sizes, and refuses RedactedOption as a value: it is what the API shows
// for a secret, and storing it back would lose the credential.
func (o SourceOptions) Validate() error {
	if len(o) > maxOptions {
		return Errorf(CodeInvalid, "%d options, at most %d", len(o), maxOptions)
	}
	for k, v := range o {
		if k == "" || len(k) > maxOptionKey || strings.ContainsFunc(k, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
		}) {
			return Errorf(CodeInvalid, "option name %q: want 1 to %d letters, digits, '_', '-' or '.'", k, maxOptionKey)
		}
		if len(v) > maxOptionLength {
			return Errorf(CodeInvalid, "option %s: value of %d bytes, at most %d", k, len(v), maxOptionLength)
		}
		if v == RedactedOption {
			return Errorf(CodeInvalid, "option %s: %q is the redacted form of a secret; give the value itself", k, v)
		}
	}
	return nil
}

// SourceUpdate changes the fields that are set on a source.
type SourceUpdate struct {
	Credibility  *float64  `json:"credibility,omitempty"` // also marks it manual
	TLP          *TLP      `json:"tlp,omitempty"`
	Location     *string   `json:"location,omitempty"`
	Interval     *Duration `json:"interval,omitempty"`
	Enabled      *bool     `json:"enabled,omitempty"`
	AllowPrivate *bool     `json:"allow_private,omitempty"`
}

// Duration is a time.Duration that reads and writes as text ("24h").
type Duration time.Duration

// MarshalText writes the duration as Go duration text.
func (d Duration) MarshalText() ([]byte, error) {
	if d == 0 {
		return []byte(""), nil
	}
	return []byte(time.Duration(d).String()), nil
}

// UnmarshalText reads Go duration text; "" is zero.
func (d *Duration) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return Errorf(CodeInvalid, "bad duration %q: use e.g. 30m, 6h, 168h", b)
	}
	*d = Duration(v)
	return nil
}

// Run statuses.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunFailed  = "failed"
)

// CollectionRun records one collection of a source: when, what it did,
// and the error if it failed.
type CollectionRun struct {
	ID         int64        `json:"id"`
	SourceID   int64        `json:"source_id"`
	SourceName string       `json:"source_name,omitempty"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt time.Time    `json:"finished_at,omitzero"`
	Status     string       `json:"status"`
	Trigger    string       `json:"trigger,omitempty"` // "schedule", "cli", "api", "ui"
	Stats      *ImportStats `json:"stats,omitempty"`
	Error      string       `json:"error,omitempty"`
	// Progress is how far the run had got when it last said, while it
	// ran; nil before its first report.
	Progress *RunProgress `json:"progress,omitempty"`
}

// RunProgress is a running collection's records done of Total (0 when
// the total is not known yet) as of At.
type RunProgress struct {
	Done  int       `json:"done"`
	Total int       `json:"total,omitempty"`
	At    time.Time `json:"at"`
}

// Totals adds the counts over every kind of record.
func (r *CollectionRun) Totals() ImportCount {
	var t ImportCount
	if r.Stats == nil {
		return t
	}
	for _, c := range r.Stats.Counts {
		t.Add(*c)
	}
	return t
}
