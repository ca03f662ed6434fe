package attribute

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/intel"
)

// EncodingVersion names the feature encoding; a model saved with another
// version must be retrained. Version 2 added infrastructure countries,
// ASNs and the activity-hours family.
const EncodingVersion = 2

// hoursOfWeek is the length of an activity histogram: UTC hours, Monday
// 00:00 first.
const hoursOfWeek = 7 * 24

// Example is one event with the group behind it, for training or testing.
type Example struct {
	Event *intel.Event
	Group int64 // the label: a stored group's ID
	// SplitKey groups examples that must stay on one side of a split: the
	// events of one report, one IOC-list file, one campaign.
	SplitKey string
}

// Feature is one non-zero entry of an encoded event.
type Feature struct {
	Index int32
	Value float64
}

// Encoder turns events into feature vectors over a vocabulary fixed at
// training time, and knows which groups (classes) the model tells apart.
type Encoder struct {
	Version int      `json:"version"`
	Names   []string `json:"names"`   // feature index → name
	Classes []int64  `json:"classes"` // class index → group ID
	// overlapBase is the index of the first indicator-overlap feature;
	// class c's is overlapBase+c.
	OverlapBase int `json:"overlap_base"`
	// Tactics maps ATT&CK technique IDs to their tactics ("T1566" →
	// "initial-access"), so that an event's techniques also light their
	// tactics: a technique the model never saw still says what phase of
	// an intrusion it is.
	Tactics Tactics `json:"tactics,omitempty"`
	// HoursBase is the index of the first activity-hours feature: class
	// c's, at HoursBase+c, is how alike the event's UTC hours of week are
	// to the class's training events' (1 − Jensen–Shannon divergence).
	HoursBase int `json:"hours_base"`

	index map[string]int32
	class map[int64]int
	// iocs counts, per class, the training events that hold each
	// indicator: the group's known indicators.
	iocs []map[string]int
	// hours is, per class, the hour-of-week histogram of its training
	// events' activity times (nil for a class with none).
	hours [][]float64
}

// eventTokens are the categorical features of an event, without the
// indicator family.
func eventTokens(e *intel.Event) []string {
	var out []string
	for _, t := range e.Techniques {
		out = append(out, "technique:"+t)
		if parent, _, ok := strings.Cut(t, "."); ok {
			out = append(out, "technique:"+parent)
		}
	}
	for _, s := range e.Software {
		out = append(out, "software:"+strings.ToLower(s))
	}
	for _, s := range e.Sectors {
		out = append(out, "sector:"+strings.ToLower(s))
	}
	for _, c := range e.VictimCountries {
		out = append(out, "victim:"+c)
	}
	// Where the infrastructure is registered, and in which networks: the
	// store places an event's IP indicators when it reads the event.
	for _, c := range e.InfraCountries {
		out = append(out, "infra:"+c)
	}
	for _, a := range e.InfraASNs {
		out = append(out, "asn:"+a)
	}
	for _, in := range e.Indicators {
		if in.Type == intel.IndicatorASN {
			out = append(out, "asn:"+strings.ToUpper(in.Value))
		}
	}
	if e.Purpose != "" {
		out = append(out, "purpose:"+strings.ToLower(e.Purpose))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// eventHours is the hour-of-week histogram of an event's activity times,
// or nil when none has a time of day. A date alone (analyze.FromStored)
// is left out, as the fingerprints leave it out: a weekday without an
// hour would say every Monday-to-Friday actor works alike.
func eventHours(e *intel.Event) []float64 {
	var h []float64
	for _, t := range e.Times {
		i := analyze.FromStored(t).HourOfWeek()
		if t.IsZero() || i < 0 {
			continue
		}
		if h == nil {
			h = make([]float64, hoursOfWeek)
		}
		h[i]++
	}
	return h
}

// Tactics maps ATT&CK technique IDs (techniques and sub-techniques) to
// the tactics they serve, by short name.
type Tactics map[string][]string

// tokens are an event's categorical features with the tactics of its
// techniques.
func (enc *Encoder) tokens(e *intel.Event) []string {
	out := eventTokens(e)
	if len(enc.Tactics) == 0 {
		return out
	}
	n := len(out)
	for _, t := range e.Techniques {
		ts, ok := enc.Tactics[t]
		if parent, _, sub := strings.Cut(t, "."); !ok && sub {
			ts = enc.Tactics[parent]
		}
		for _, tac := range ts {
			out = append(out, "tactic:"+tac)
		}
	}
	if len(out) == n {
		return out
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func indicatorKeys(e *intel.Event) []string {
	keys := make([]string, 0, len(e.Indicators))
	for _, in := range e.Indicators {
		keys = append(keys, string(in.Type)+":"+in.Value)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// NewEncoder builds the vocabulary from the training examples. Classes are
// the groups with at least minEvents examples; the others' examples add
// vocabulary but no class. tactics (nil for none) lets techniques light
// their tactics.
func NewEncoder(train []Example, minEvents int, tactics Tactics) *Encoder {
	perGroup := map[int64]int{}
	for _, ex := range train {
		perGroup[ex.Group]++
	}
	enc := &Encoder{Version: EncodingVersion, Tactics: tactics, index: map[string]int32{}, class: map[int64]int{}}
	for g, n := range perGroup {
		if n >= minEvents && g != 0 {
			enc.Classes = append(enc.Classes, g)
		}
	}
	slices.Sort(enc.Classes)
	for c, g := range enc.Classes {
		enc.class[g] = c
	}
	df := map[string]int{}
	for _, ex := range train {
		for _, tok := range enc.tokens(ex.Event) {
			df[tok]++
		}
	}
	// A token seen in one training event only cannot generalise; leaving
	// it out keeps the vocabulary (and the models) small.
	var names []string
	for tok, n := range df {
		if n >= 2 {
			names = append(names, tok)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		enc.index[n] = int32(len(enc.Names))
		enc.Names = append(enc.Names, n)
	}
	enc.OverlapBase = len(enc.Names)
	enc.iocs = make([]map[string]int, len(enc.Classes))
	for c, g := range enc.Classes {
		enc.Names = append(enc.Names, "indicators known for group "+strconv.FormatInt(g, 10))
		enc.iocs[c] = map[string]int{}
	}
	enc.HoursBase = len(enc.Names)
	enc.hours = make([][]float64, len(enc.Classes))
	for _, g := range enc.Classes {
		enc.Names = append(enc.Names, "active hours like group "+strconv.FormatInt(g, 10))
	}
	for _, ex := range train {
		c, ok := enc.class[ex.Group]
		if !ok {
			continue
		}
		for _, k := range indicatorKeys(ex.Event) {
			enc.iocs[c][k]++
		}
		if h := eventHours(ex.Event); h != nil {
			if enc.hours[c] == nil {
				enc.hours[c] = make([]float64, hoursOfWeek)
			}
			for i, n := range h {
				enc.hours[c][i] += n
			}
		}
	}
	return enc
}

// groupOf is the group a per-class feature compares the event with, or 0
// for a feature of the vocabulary.
func (enc *Encoder) groupOf(feature int) int64 {
	switch {
	case feature >= enc.HoursBase && feature < enc.HoursBase+len(enc.Classes):
		return enc.Classes[feature-enc.HoursBase]
	case feature >= enc.OverlapBase && feature < enc.OverlapBase+len(enc.Classes):
		return enc.Classes[feature-enc.OverlapBase]
	}
	return 0
}

// NumFeatures is the length of an encoded vector.
func (enc *Encoder) NumFeatures() int { return len(enc.Names) }

// Class returns the class index of a group, or -1.
func (enc *Encoder) Class(group int64) int {
	if c, ok := enc.class[group]; ok {
		return c
	}
	return -1
}

// Encode returns the event's features, sorted by index.
func (enc *Encoder) Encode(e *intel.Event) []Feature { return enc.encode(e, -1) }

// encodeTraining encodes a training event of class own: its indicator
// overlap with its own group leaves the event itself out, as if the
// group's other events were all that was known. Without this a model
// learns that "own overlap is 1" on training rows, which no new event
// shows.
func (enc *Encoder) encodeTraining(e *intel.Event, own int) []Feature { return enc.encode(e, own) }

func (enc *Encoder) encode(e *intel.Event, own int) []Feature {
	var out []Feature
	for _, tok := range enc.tokens(e) {
		if i, ok := enc.index[tok]; ok {
			out = append(out, Feature{i, 1})
		}
	}
	keys := indicatorKeys(e)
	if len(keys) > 0 {
		for c, known := range enc.iocs {
			hits := 0
			for _, k := range keys {
				n := known[k]
				if c == own {
					n-- // this event's own contribution
				}
				if n > 0 {
					hits++
				}
			}
			if hits > 0 {
				out = append(out, Feature{int32(enc.OverlapBase + c), float64(hits) / float64(len(keys))})
			}
		}
	}
	if h := eventHours(e); h != nil {
		var rest []float64
		for c, known := range enc.hours {
			if known == nil {
				continue
			}
			if c == own {
				// As with indicators: the class's other events only.
				rest = slices.Grow(rest[:0], hoursOfWeek)[:hoursOfWeek]
				for i := range known {
					rest[i] = max(0, known[i]-h[i])
				}
				known = rest
			}
			if sim, ok := analyze.JSSimilarity(h, known); ok && sim > 0 {
				out = append(out, Feature{int32(enc.HoursBase + c), sim})
			}
		}
	}
	slices.SortFunc(out, func(a, b Feature) int { return cmp.Compare(a.Index, b.Index) })
	return out
}

// unknownInputs names the inputs of e that no feature of the vocabulary
// stands for, as "software:x-agent". A sub-technique counts as known when
// its parent is.
func (enc *Encoder) unknownInputs(e *intel.Event) []string {
	out := []string{}
	check := func(input string, one *intel.Event) {
		for _, tok := range eventTokens(one) {
			if _, ok := enc.index[tok]; ok {
				return
			}
		}
		out = append(out, input)
	}
	for _, t := range e.Techniques {
		check("technique:"+t, &intel.Event{Techniques: []string{t}})
	}
	for _, s := range e.Software {
		check("software:"+s, &intel.Event{Software: []string{s}})
	}
	for _, s := range e.Sectors {
		check("sector:"+s, &intel.Event{Sectors: []string{s}})
	}
	for _, c := range e.VictimCountries {
		check("victim:"+c, &intel.Event{VictimCountries: []string{c}})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// dense writes features into a zeroed row of NumFeatures.
func dense(fs []Feature, row []float64) []float64 {
	clear(row)
	for _, f := range fs {
		row[f.Index] = f.Value
	}
	return row
}
