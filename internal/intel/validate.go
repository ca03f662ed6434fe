package intel

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/spoor/spoor/internal/geo"
)

// The input rules: one place for what a stored string may be, applied at
// every write. The Validate methods of the records apply them strictly
// (the pages, the API and the CLI get an error naming the field); the
// Tidy methods apply the same rules to what a parser read, field by field,
// repairing or dropping a bad value with a note naming it, so that one bad
// reference does not reject a whole feed.

// Limits of one record's strings and lists.
const (
	MaxNameLen         = 200      // runes: a name, an alias, a label (sector, tag, tactic, platform)
	MaxTitleLen        = 1000     // runes: a document's title, a citation's source name
	MaxURLLen          = 4096     // bytes
	MaxValueLen        = 8192     // bytes: an indicator's value
	MaxTextLen         = 1 << 20  // bytes: a description, a citation
	MaxDocumentTextLen = 64 << 20 // bytes: a document's text
	MaxListLen         = 1000     // aliases, labels, countries of one record
	MaxRefs            = 10000    // references of one record (ATT&CK cites up to ~800)
)

// WebSchemes are the URL schemes of sources, TAXII servers and objects'
// pages: what a browser or the collector may follow.
var WebSchemes = []string{"http", "https"}

// RefSchemes are the URL schemes of references and documents: the web's,
// and urn (a MISP event's document is keyed "urn:uuid:<uuid>"), which
// names a thing but is never followed.
var RefSchemes = []string{"http", "https", "urn"}

// attackID is the shape of every ATT&CK ID; attackIDs by object kind.
var (
	attackID  = regexp.MustCompile(`^(T\d{4}(\.\d{3})?|TA\d{4}|G\d{4}|S\d{4}|C\d{4})$`)
	attackIDs = map[ObjectKind]*regexp.Regexp{
		KindGroup:     regexp.MustCompile(`^G\d{4}$`),
		KindTechnique: regexp.MustCompile(`^T\d{4}(\.\d{3})?$`),
		KindSoftware:  regexp.MustCompile(`^S\d{4}$`),
		KindCampaign:  regexp.MustCompile(`^C\d{4}$`),
	}
	attackIDShape = map[ObjectKind]string{
		KindGroup: "G0001", KindTechnique: "T1234 or T1234.001", KindSoftware: "S0001", KindCampaign: "C0001",
	}
)

// IsAttackID reports whether s is an ATT&CK ID: T1234, T1234.001,
// TA0001, G0001, S0001 or C0001.
func IsAttackID(s string) bool { return attackID.MatchString(s) }

// nameControl reports the runes a name may not hold: C0 and C1 controls,
// DEL, line and paragraph separators, the byte-order mark and the bidi
// embeddings, overrides and isolates that make a name display as another.
func nameControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r < 0xa0 || r == '\u2028' || r == '\u2029' || r == '\ufeff' ||
		r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// textControl reports the runes a text may not hold: controls other than
// tab, newline and carriage return.
func textControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r < 0xa0
}

// check applies the rules to one record: strictly, stopping at the first
// broken rule with an error naming the field, or, to repair, cleaning or
// dropping the value with a note and going on. A required field that is
// empty after repair is an error either way.
type check struct {
	// label names the record for messages (`group "APT28"`); it is a
	// function so that a clean record, the common case, costs no string.
	label  func() string
	repair bool
	err    error
	notes  []string
}

// at names element i of list field, or field itself when i < 0.
func at(field string, i int) string {
	if i < 0 {
		return field
	}
	return fmt.Sprintf("%s[%d]", field, i)
}

// fail records a broken rule of field (element i, or -1); in repair mode
// fix says what was done about it.
func (c *check) fail(field string, i int, fix, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if c.repair {
		c.notes = append(c.notes, fmt.Sprintf("%s%s: %s; %s", c.prefix(), at(field, i), msg, fix))
		return
	}
	if c.err == nil {
		c.err = Errorf(CodeInvalid, "%s%s: %s", c.prefix(), at(field, i), msg)
	}
}

// prefix is the record's label and ": ", or nothing for a lone field.
func (c *check) prefix() string {
	if c.label == nil {
		return ""
	}
	return c.label() + ": "
}

// refuse records an error that no repair mends (a bad key).
func (c *check) refuse(field, format string, args ...any) {
	if c.err == nil {
		c.err = Errorf(CodeInvalid, "%s%s: %s", c.prefix(), field, fmt.Sprintf(format, args...))
	}
}

// required fails when a required field is empty.
func (c *check) required(field, v string) {
	if v == "" && c.err == nil {
		c.err = Errorf(CodeInvalid, "%s%s is required", c.prefix(), field)
	}
}

// CheckText applies the text rule to one free-text field that belongs to
// no record (a merge's reason): valid UTF-8, no control characters but
// tab and line breaks, at most MaxTextLen bytes.
func CheckText(field, s string) error {
	c := &check{}
	c.text(field, &s, MaxTextLen)
	return c.err
}

// result is the outcome: the error (strict, or a required field), and the
// notes of what was repaired.
func (c *check) result() ([]string, error) { return c.notes, c.err }

// quote shows a bad value in a message, shortened.
func quote(s string) string {
	if len(s) > 60 {
		s = s[:60]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return fmt.Sprintf("%q…", s)
	}
	return fmt.Sprintf("%q", s)
}

// name checks a name-like string (max runes): valid UTF-8, no control
// characters, trimmed and NFC-normalised in place.
func (c *check) name(field string, p *string, max int) { c.nameAt(field, -1, p, max) }

func (c *check) nameAt(field string, i int, p *string, max int) {
	s := strings.TrimSpace(*p)
	if !utf8.ValidString(s) {
		c.fail(field, i, "invalid bytes replaced", "not valid UTF-8")
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsFunc(s, nameControl) {
		c.fail(field, i, "removed", "%s holds control characters", quote(s))
		s = strings.TrimSpace(strings.Map(func(r rune) rune {
			if nameControl(r) {
				return -1
			}
			return r
		}, s))
	}
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if n := utf8.RuneCountInString(s); n > max {
		c.fail(field, i, "cut", "%d characters, at most %d", n, max)
		s = string([]rune(s)[:max])
	}
	*p = s
}

// names checks a list of names, dropping the empty ones.
func (c *check) names(field string, p *[]string, max int) {
	list := *p
	if len(list) > MaxListLen {
		c.fail(field, -1, "cut", "%d entries, at most %d", len(list), MaxListLen)
		list = list[:MaxListLen]
	}
	out := list[:0]
	for i := range list {
		s := list[i]
		c.nameAt(field, i, &s, max)
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = nil
	}
	*p = out
}

// text checks free text (max bytes): valid UTF-8, no control characters
// but tab and line breaks. It is not normalised: a report's text is kept
// as published, and mention offsets point into it.
func (c *check) text(field string, p *string, max int) {
	s := *p
	if !utf8.ValidString(s) {
		c.fail(field, -1, "invalid bytes replaced", "not valid UTF-8")
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsFunc(s, textControl) {
		c.fail(field, -1, "removed", "holds control characters")
		s = strings.Map(func(r rune) rune {
			if textControl(r) {
				return -1
			}
			return r
		}, s)
	}
	if len(s) > max {
		c.fail(field, -1, "cut", "%d bytes, at most %d", len(s), max)
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	*p = s
}

// url checks a URL whose scheme must be one of schemes; a bad one is
// dropped. It is trimmed in place.
func (c *check) url(field string, p *string, schemes []string) {
	s := strings.TrimSpace(*p)
	*p = s
	if s == "" {
		return
	}
	if err := CheckURL(s, schemes); err != nil {
		c.fail(field, -1, "dropped", "%s", err)
		*p = ""
	}
}

// CheckURL says what is wrong with a URL, or nil: it must be absolute,
// with one of schemes and a host, at most MaxURLLen bytes, with no space
// or control character.
func CheckURL(s string, schemes []string) error {
	if len(s) > MaxURLLen {
		return fmt.Errorf("URL of %d bytes, at most %d", len(s), MaxURLLen)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f && r < 0xa0 }) {
		return fmt.Errorf("URL %s holds spaces, control characters or invalid bytes", quote(s))
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("%s is not an absolute URL (want %s)", quote(s), orList(schemes))
	}
	ok := false
	for _, sc := range schemes {
		ok = ok || strings.EqualFold(u.Scheme, sc)
	}
	if !ok {
		return fmt.Errorf("URL scheme %q is not allowed (want %s)", u.Scheme, orList(schemes))
	}
	if strings.EqualFold(u.Scheme, "urn") {
		if u.Opaque == "" || !strings.Contains(u.Opaque, ":") {
			return fmt.Errorf("URN %s is not urn:NID:NSS", quote(s))
		}
		return nil
	}
	if u.Host == "" {
		return fmt.Errorf("URL %s has no host", quote(s))
	}
	return nil
}

// orList writes "a, b or c".
func orList(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}

// country resolves a country name or code to its ISO 3166 alpha-2 code in
// place; an unknown one is dropped.
func (c *check) country(field string, p *string) { c.countryAt(field, -1, p) }

func (c *check) countryAt(field string, i int, p *string) {
	s := strings.TrimSpace(*p)
	*p = s
	if s == "" {
		return
	}
	code, err := CountryCode(s)
	if err != nil {
		c.fail(field, i, "dropped", "%s", err)
		*p = ""
		return
	}
	*p = code
}

// countries resolves a list of countries, dropping unknown and repeated
// ones.
func (c *check) countries(field string, p *[]string) {
	list := *p
	if len(list) > MaxListLen {
		c.fail(field, -1, "cut", "%d entries, at most %d", len(list), MaxListLen)
		list = list[:MaxListLen]
	}
	out := list[:0]
	seen := map[string]bool{}
	for i := range list {
		s := list[i]
		c.countryAt(field, i, &s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = nil
	}
	*p = out
}

// CountryCode resolves a country name, code or alias to its ISO 3166
// alpha-2 code.
func CountryCode(s string) (string, error) {
	if ct, ok := geo.Find(strings.TrimSpace(s)); ok {
		return ct.Code, nil
	}
	return "", fmt.Errorf("%s is not an ISO 3166 country code or name", quote(s))
}

// key checks an import key or identifier: like a name, but never
// repaired, since a changed key would be another record.
func (c *check) key(field, s string, max int) {
	switch {
	case len(s) > max:
		c.refuse(field, "%d bytes, at most %d", len(s), max)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, nameControl):
		c.refuse(field, "%s holds control characters or invalid bytes", quote(s))
	}
}

// refs checks references: their source names, IDs, URLs and descriptions.
func (c *check) refs(field string, p *[]ExternalRef) {
	list := *p
	if len(list) > MaxRefs {
		c.fail(field, -1, "cut", "%d references, at most %d", len(list), MaxRefs)
		list = list[:MaxRefs]
	}
	out := list[:0]
	for i := range list {
		r := list[i]
		if r.URL == "" && r.SourceName == "" && r.ExternalID == "" && r.Description == "" {
			continue
		}
		f := at(field, i)
		c.name(f+".source_name", &r.SourceName, MaxTitleLen)
		c.name(f+".external_id", &r.ExternalID, MaxNameLen)
		c.url(f+".url", &r.URL, RefSchemes)
		c.text(f+".description", &r.Description, MaxTextLen)
		if r.SourceName != "" || r.URL != "" || r.ExternalID != "" || r.Description != "" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = nil
	}
	*p = out
}

// describe names a record for messages: its kind and name, or ID.
func describe(kind, name, id string) string {
	switch {
	case name != "":
		if len(name) > 60 || !utf8.ValidString(name) || strings.ContainsFunc(name, nameControl) {
			return kind + " " + quote(name)
		}
		return fmt.Sprintf("%s %q", kind, name)
	case id != "":
		return kind + " " + id
	}
	return kind
}

func (o *Object) check(repair bool) ([]string, error) {
	kind := string(o.Kind)
	if kind == "" {
		kind = "object"
	}
	c := &check{label: func() string { return describe(kind, o.Name, o.StixID) }, repair: repair}
	c.name("name", &o.Name, MaxNameLen)
	c.required("name", o.Name)
	c.names("aliases", &o.Aliases, MaxNameLen)
	c.text("description", &o.Description, MaxTextLen)
	c.url("url", &o.URL, WebSchemes)
	c.refs("refs", &o.Refs)
	if o.ExternalID != "" {
		o.ExternalID = strings.ToUpper(strings.TrimSpace(o.ExternalID))
		if re, ok := attackIDs[o.Kind]; ok && !re.MatchString(o.ExternalID) {
			c.fail("external_id", -1, "dropped", "%s is not an ATT&CK %s ID (%s)", quote(o.ExternalID), o.Kind, attackIDShape[o.Kind])
			o.ExternalID = ""
		}
	}
	c.country("country", &o.Country)
	c.countries("victim_countries", &o.VictimCountries)
	c.names("sectors", &o.Sectors, MaxNameLen)
	c.names("motivations", &o.Motivations, MaxNameLen)
	c.names("tactics", &o.Tactics, MaxNameLen)
	c.names("platforms", &o.Platforms, MaxNameLen)
	switch o.SoftwareType {
	case "", "malware", "tool":
	default:
		c.fail("software_type", -1, "dropped", "%s is not malware or tool", quote(o.SoftwareType))
		o.SoftwareType = ""
	}
	c.key("stix_id", o.StixID, MaxNameLen)
	for i, x := range o.XRefs {
		c.key(fmt.Sprintf("xrefs[%d]", i), x.Key, MaxTitleLen)
	}
	return c.result()
}

// Tidy applies the input rules to an object a parser read: bad values are
// repaired or dropped, with a note each; the error says the object cannot
// be kept (its name is empty).
func (o *Object) Tidy() ([]string, error) { return o.check(true) }

func (l *Link) check(repair bool) ([]string, error) {
	c := &check{label: func() string { return describe("relationship", "", l.StixID) }, repair: repair}
	c.name("type", &l.Type, MaxNameLen)
	c.required("type", l.Type)
	c.key("stix_id", l.StixID, MaxNameLen)
	c.key("source_ref", l.SourceRef, MaxTitleLen)
	c.key("target_ref", l.TargetRef, MaxTitleLen)
	c.text("description", &l.Description, MaxTextLen)
	c.refs("refs", &l.Refs)
	return c.result()
}

// Validate checks a relationship's type, description and references.
func (l *Link) Validate() error {
	_, err := l.check(false)
	return err
}

// Tidy is Validate for what a parser read (see Object.Tidy).
func (l *Link) Tidy() ([]string, error) { return l.check(true) }

func (d *Document) check(repair bool) ([]string, error) {
	c := &check{label: func() string { return describe("document", d.Title, d.URL) }, repair: repair}
	c.name("title", &d.Title, MaxTitleLen)
	c.required("title", d.Title)
	c.url("url", &d.URL, RefSchemes)
	c.text("text", &d.Text, MaxDocumentTextLen)
	c.text("citation", &d.Citation, MaxTextLen)
	return c.result()
}

// Tidy is Validate for what a parser read (see Object.Tidy).
func (d *Document) Tidy() ([]string, error) { return d.check(true) }

func (i *Indicator) check(repair bool) ([]string, error) {
	c := &check{label: func() string { return fmt.Sprintf("indicator %s %s", i.Type, quote(i.Value)) }, repair: repair}
	c.value(i.Value)
	c.text("description", &i.Description, MaxTextLen)
	c.names("tags", &i.Tags, MaxNameLen)
	return c.result()
}

// value checks an indicator's value, which is never repaired: a changed
// value is another indicator.
func (c *check) value(v string) {
	c.key("value", v, MaxValueLen)
}

// Tidy is Validate for what a parser read (see Object.Tidy).
func (i *Indicator) Tidy() ([]string, error) { return i.check(true) }

// Tidy applies the input rules to an indicator row a parser read (its
// description and tags; the value is screened already).
func (r *IndicatorRow) Tidy() []string {
	if r.Description == "" && len(r.Tags) == 0 {
		return nil
	}
	c := &check{label: func() string { return fmt.Sprintf("indicator %s %s", r.Type, quote(r.Value)) }, repair: true}
	c.text("description", &r.Description, MaxTextLen)
	c.names("tags", &r.Tags, MaxNameLen)
	notes, _ := c.result()
	return notes
}

// Tidy applies the input rules to an event row a parser read: its title
// and group label as names, its group ID as an ATT&CK group ID.
func (e *EventRow) Tidy() []string {
	c := &check{label: func() string { return describe("event", e.Title, e.Key) }, repair: true}
	c.name("title", &e.Title, MaxTitleLen)
	c.name("group", &e.GroupLabel, MaxNameLen)
	if e.GroupExternalID != "" && !attackIDs[KindGroup].MatchString(e.GroupExternalID) {
		c.fail("group_id", -1, "dropped", "%s is not an ATT&CK group ID (G0001)", quote(e.GroupExternalID))
		e.GroupExternalID = ""
	}
	notes, _ := c.result()
	return notes
}

func (s *Source) check(repair bool) ([]string, error) {
	c := &check{label: func() string { return describe("source", s.Name, "") }, repair: repair}
	c.name("name", &s.Name, MaxNameLen)
	c.required("name", s.Name)
	c.url("url", &s.URL, WebSchemes)
	c.text("credibility_reason", &s.CredibilityReason, MaxTitleLen)
	c.location(s)
	for k, v := range s.Options {
		c.key("options."+k, v, maxOptionLength)
	}
	return c.result()
}

// location checks a source's location: "-", a path, or an http(s) URL;
// a TAXII server is an http(s) URL. Another scheme (ftp:, file:,
// javascript:) is refused rather than read as a path.
func (c *check) location(s *Source) {
	loc := strings.TrimSpace(s.Location)
	s.Location = loc
	if loc == "" || loc == "-" {
		return
	}
	c.key("location", loc, MaxURLLen)
	taxii := s.Kind == SourceTAXII || s.Format == "taxii"
	if hasScheme(loc) || taxii {
		if err := CheckURL(loc, WebSchemes); err != nil {
			if taxii {
				err = fmt.Errorf("a TAXII server is an http or https URL: %w", err)
			}
			c.refuse("location", "%s", err)
		}
	}
}

// hasScheme reports whether s starts like a URL ("ftp:", "javascript:"):
// a scheme of two or more characters, so that "C:\feeds" is a path.
func hasScheme(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 2 {
		return false
	}
	for j, r := range s[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

// maxNotes bounds the notes of one Tidy: enough to see what is wrong
// with a feed, not a copy of it.
const maxNotes = 100

// notes gathers Tidy notes up to maxNotes, counting the rest.
type notes struct {
	list []string
	more int
}

func (n *notes) add(list ...string) {
	for _, s := range list {
		if len(n.list) < maxNotes {
			n.list = append(n.list, s)
		} else {
			n.more++
		}
	}
}

func (n *notes) result() []string {
	if n.more > 0 {
		return append(n.list, fmt.Sprintf("… and %d more notes like these", n.more))
	}
	return n.list
}

// Tidy applies the input rules to everything in a bundle a parser read
// (Object.Tidy and the others): bad values are repaired or dropped, and
// an object, relationship or document that cannot be kept is left out,
// each with a note naming it. Indicators keep their places (parsers index
// them) and only have their descriptions and tags repaired: their values
// are screened by the parser.
func (b *Bundle) Tidy() []string {
	var n notes
	objs := b.Objects[:0]
	for i := range b.Objects {
		o := b.Objects[i]
		ns, err := o.Tidy()
		n.add(ns...)
		if err != nil {
			n.add(ErrorMessage(err) + "; not imported")
			continue
		}
		objs = append(objs, o)
	}
	b.Objects = objs
	rels := b.Relationships[:0]
	for i := range b.Relationships {
		l := b.Relationships[i]
		ns, err := l.Tidy()
		n.add(ns...)
		if err != nil {
			n.add(ErrorMessage(err) + "; not imported")
			continue
		}
		rels = append(rels, l)
	}
	b.Relationships = rels
	docs := b.Documents[:0]
	for i := range b.Documents {
		d := b.Documents[i]
		ns, err := d.Tidy()
		n.add(ns...)
		if err != nil {
			n.add(ErrorMessage(err) + "; not imported")
			continue
		}
		docs = append(docs, d)
	}
	b.Documents = docs
	for i := range b.Indicators {
		in := &b.Indicators[i]
		c := &check{label: func() string { return fmt.Sprintf("indicator %s %s", in.Type, quote(in.Value)) }, repair: true}
		c.text("description", &in.Description, MaxTextLen)
		c.names("tags", &in.Tags, MaxNameLen)
		n.add(c.notes...)
	}
	return n.result()
}

// Tidy applies the input rules to the links of a STIX bundle: the texts,
// titles and URLs of indicator links and reports, and the values of
// targets (a country resolved to its code); a target left without a
// value is dropped.
func (l *BundleLinks) Tidy() []string {
	var n notes
	for i := range l.Indicates {
		x := &l.Indicates[i]
		c := &check{label: func() string { return describe("relationship", "", x.StixID) }, repair: true}
		c.text("description", &x.Description, MaxTextLen)
		n.add(c.notes...)
	}
	for i := range l.Reports {
		x := &l.Reports[i]
		c := &check{label: func() string { return describe("report", x.Title, x.StixID) }, repair: true}
		c.name("title", &x.Title, MaxTitleLen)
		c.url("url", &x.URL, RefSchemes)
		n.add(c.notes...)
	}
	targets := l.Targets[:0]
	for i := range l.Targets {
		x := l.Targets[i]
		c := &check{label: func() string { return describe("target", "", x.StixID) }, repair: true}
		if x.Kind == TargetCountry {
			c.country("value", &x.Value)
		} else {
			c.name("value", &x.Value, MaxTitleLen)
		}
		n.add(c.notes...)
		if x.Value != "" {
			targets = append(targets, x)
		}
	}
	l.Targets = targets
	for i := range l.Sightings {
		x := &l.Sightings[i]
		c := &check{label: func() string { return describe("sighting", "", x.StixID) }, repair: true}
		c.names("where", &x.Where, MaxTitleLen)
		c.text("note", &x.Note, MaxTextLen)
		n.add(c.notes...)
	}
	return n.result()
}

// MaxEventTimes bounds the activity timestamps one event carries.
const MaxEventTimes = 10000

func (e *Event) check(repair bool) ([]string, error) {
	c := &check{label: func() string { return describe("event", e.Title, "") }, repair: repair}
	c.name("title", &e.Title, MaxTitleLen)
	c.required("title", e.Title)
	c.name("group_label", &e.GroupLabel, MaxNameLen)
	c.names("software", &e.Software, MaxNameLen)
	c.names("sectors", &e.Sectors, MaxNameLen)
	c.name("purpose", &e.Purpose, MaxNameLen)
	c.countries("victim_countries", &e.VictimCountries)
	for i, t := range e.Techniques {
		e.Techniques[i] = strings.ToUpper(strings.TrimSpace(t))
		if !attackIDs[KindTechnique].MatchString(e.Techniques[i]) {
			c.refuse(at("techniques", i), "%s is not an ATT&CK technique ID (%s)", quote(t), attackIDShape[KindTechnique])
		}
	}
	if len(e.Times) > MaxEventTimes {
		c.refuse("times", "%d timestamps, more than the %d an event may carry", len(e.Times), MaxEventTimes)
	}
	for i, t := range e.Times {
		if t.IsZero() || t.Year() < 1980 || t.Year() > 2100 {
			c.refuse(at("times", i), "%s is not a time between 1980 and 2100", t.Format(time.RFC3339))
		}
	}
	if !e.LastSeen.IsZero() && e.LastSeen.Before(e.FirstSeen) {
		c.refuse("last_seen", "last seen is before first seen")
	}
	if e.Confidence < 0 || e.Confidence > 1 {
		c.refuse("confidence", "%v is not between 0 and 1", e.Confidence)
	}
	if _, err := ParseTLP(string(e.TLP)); err != nil {
		c.refuse("tlp", "%v", err)
	}
	return c.result()
}

// Validate checks an event entered by hand or through the API.
func (e *Event) Validate() error {
	_, err := e.check(false)
	return err
}
