package store

import (
	"fmt"
	"slices"

	"github.com/spoor/spoor/internal/intel"
)

// indKey is an indicator's identity: one (type, value) is stored once.
type indKey struct {
	t intel.IndicatorType
	v string
}

// prov is what one source says about one indicator in this batch.
type prov struct {
	src         int // index into the batch's sources
	first, last int64
	conf        float64
}

// indAgg merges every row of a run with the same (type, value).
type indAgg struct {
	key         indKey
	desc        string
	descConf    float64 // confidence of the row the description came from
	tags        []string
	first, last int64
	conf        float64
	tlp         intel.TLP
	src         int // most credible source (index)
	warn        string
	provs       []prov
	events      []int32 // batch event indexes
	id          int64
	created     bool // inserted by this import's current statement
}

// reject counts an invalid row, or fails a strict batch; i is the row's
// index in the whole input.
func (im *iocImport) reject(i int, r *intel.IndicatorRow, err error) error {
	if im.b.Strict {
		return fmt.Errorf("indicator %d (%s %q): %w", i, r.Type, r.Value, err)
	}
	im.stats.Count("indicator").Rejected++
	im.stats.Count("indicator").Seen++
	im.warn("indicator %d (%s %q): %s", i, r.Type, r.Value, intel.ErrorMessage(err))
	return nil
}

// aggregate validates a run of rows and merges those with the same
// (type, value), sorted by type and value so that statements are index
// ranges. Values stored before, by an earlier run of this import too, are
// merged with their rows later (merge).
func (im *iocImport) aggregate(rows []intel.IndicatorRow) ([]*indAgg, error) {
	b := im.b
	srcs := im.srcs
	byKey := make(map[indKey]*indAgg, len(rows))
	aggs := make([]*indAgg, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		in := intel.Indicator{Type: r.Type, Value: r.Value, Confidence: r.Confidence, TLP: r.TLP,
			Description: r.Description, Tags: r.Tags}
		err := in.Validate()
		r.Tags = in.Tags // trimmed and NFC-normalised
		switch {
		case err != nil:
		case r.Source < 0 || r.Source >= len(srcs):
			err = intel.Errorf(intel.CodeInvalid, "source %d is not in the batch", r.Source)
		case r.Event < 0 || r.Event > len(b.Events):
			err = intel.Errorf(intel.CodeInvalid, "event %d is not in the batch", r.Event)
		case len(r.Value) > 8192:
			err = intel.Errorf(intel.CodeInvalid, "value of %d bytes is too long", len(r.Value))
		}
		if err != nil {
			if err := im.reject(im.rows+i, r, err); err != nil {
				return nil, err
			}
			continue
		}
		src := &srcs[r.Source]
		conf := src.Credibility * r.Confidence
		tlp := r.TLP
		if tlp == "" {
			tlp = src.TLP
		}
		first, last := ms(r.FirstSeen), ms(r.LastSeen)
		k := indKey{r.Type, r.Value}
		a := byKey[k]
		if a == nil {
			a = &indAgg{key: k, desc: r.Description, descConf: conf, tags: slices.Clone(r.Tags), first: first,
				last: last, conf: conf, tlp: tlp, src: r.Source, warn: r.Warninglist,
				provs: []prov{{src: r.Source, first: first, last: last, conf: conf}}}
			byKey[k] = a
			aggs = append(aggs, a)
		} else {
			if r.Description != "" && (a.desc == "" || conf > a.descConf) {
				a.desc, a.descConf = r.Description, conf
			}
			a.tags = unionTags(a.tags, r.Tags)
			a.first, a.last = minSeen(a.first, first), max(a.last, last)
			if conf > a.conf {
				a.conf, a.tlp, a.src = conf, tlp, r.Source
			}
			if a.warn == "" {
				a.warn = r.Warninglist
			}
			found := false
			for j := range a.provs {
				p := &a.provs[j]
				if p.src == r.Source {
					p.first, p.last, p.conf = minSeen(p.first, first), max(p.last, last), max(p.conf, conf)
					found = true
					break
				}
			}
			if !found {
				a.provs = append(a.provs, prov{src: r.Source, first: first, last: last, conf: conf})
			}
		}
		if r.Event > 0 && !slices.Contains(a.events, int32(r.Event-1)) {
			a.events = append(a.events, int32(r.Event-1))
		}
	}
	sortAggs(aggs)
	return aggs, nil
}

// minSeen is the earlier of two times where 0 means unknown.
func minSeen(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// unionTags adds the tags of more that tags lacks, keeping order.
func unionTags(tags, more []string) []string {
	for _, t := range more {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

type provKey struct{ ind, src int64 }

// provRow is a provenance row to write.
type provRow struct {
	key provKey
	p   prov
}

// count files one indicator's outcome. An indicator is counted once per
// import: when a later run meets it again, only a change of one counted
// unchanged moves it to updated.
func (im *iocImport) count(id int64, created, changed bool, warn string) {
	c := im.stats.Count("indicator")
	if im.touched.has(id) {
		if changed && im.unchanged.has(id) {
			im.unchanged.del(id)
			c.Unchanged--
			c.Updated++
		}
		return
	}
	im.touched.add(id)
	c.Seen++
	if warn != "" {
		im.warned++
	}
	switch {
	case created:
		c.Created++
		im.created++
	case changed:
		c.Updated++
	default:
		c.Unchanged++
		im.unchanged.add(id)
	}
}

// countProv is count for the provenance row of (id, batch source src);
// outcome is Created, Updated or Unchanged by what this run sees.
func (im *iocImport) countProv(id int64, src int, created, changed bool) {
	pc := im.stats.Count("provenance")
	seen, unch := &im.provTouched[src], &im.provUnchanged[src]
	if seen.has(id) {
		if changed && unch.has(id) {
			unch.del(id)
			pc.Unchanged--
			pc.Updated++
		}
		return
	}
	seen.add(id)
	pc.Seen++
	switch {
	case created:
		pc.Created++
	case changed:
		pc.Updated++
	default:
		pc.Unchanged++
		unch.add(id)
	}
}

// merge merges an aggregated value with its stored row and provenance
// (old, oldProv; zero when a.created) and returns the indicator row to
// write, if it changed, and the provenance rows to write.
func (im *iocImport) merge(a *indAgg, old storedInd, oldProv map[provKey]prov, provWrites []provRow) (*storedInd, []provRow) {
	provChanged := false
	// An indicator written another way (a STIX import, a report, a
	// form) has no provenance row: its own fields are its source's
	// report (FindIndicatorSources lists them). Before a list adds
	// rows, and may make itself the indicator's source, that report
	// becomes a row of its own, with the values from before the merge.
	own := provKey{a.id, old.srcID}
	_, ownRow := oldProv[own]
	implicit := !a.created && old.srcID != 0 && !ownRow
	for _, p := range a.provs {
		key := provKey{a.id, im.srcIDs[p.src]}
		op, had := oldProv[key]
		forced := false
		if implicit && key == own {
			op, had = prov{src: p.src, first: old.first, last: old.last, conf: old.conf}, true
			implicit, forced = false, true
		}
		if had {
			p.first, p.last, p.conf = minSeen(op.first, p.first), max(op.last, p.last), max(op.conf, p.conf)
			if p == op && !forced {
				im.countProv(a.id, p.src, false, false)
				continue
			}
			im.countProv(a.id, p.src, false, p != op)
		} else {
			im.countProv(a.id, p.src, true, true)
		}
		provChanged = true
		provWrites = append(provWrites, provRow{key, p})
	}
	if implicit && provChanged {
		provWrites = append(provWrites, provRow{own, prov{first: old.first, last: old.last, conf: old.conf}})
	}
	if a.created {
		im.count(a.id, true, true, a.warn)
		return nil, provWrites
	}
	m := old
	oldTags := fromJSON[string](old.tags)
	tags := unionTags(slices.Clone(oldTags), a.tags)
	if a.conf > old.conf {
		m.conf, m.tlp, m.srcID = a.conf, a.tlp, im.srcIDs[a.src]
		if a.desc != "" {
			m.desc = a.desc
		}
	} else if m.desc == "" {
		m.desc = a.desc
	}
	if m.srcID == 0 {
		m.srcID = im.srcIDs[a.src]
	}
	m.first, m.last = minSeen(old.first, a.first), max(old.last, a.last)
	if m.warn == "" {
		m.warn = a.warn
	}
	if len(tags) != len(oldTags) {
		m.tags = jsonText(tags)
	}
	if m == old && !provChanged {
		im.count(a.id, false, false, a.warn)
		return nil, provWrites
	}
	im.count(a.id, false, true, a.warn)
	return &m, provWrites
}
