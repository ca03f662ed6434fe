package collect

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/sample"
)

// runSample imports one artifact of an intrusion (a PE sample, a lure
// PDF or Office document, a phishing e-mail) read by sample.Inspect,
// never run: one event keyed by its SHA-256 with the artifact's activity
// times (compile time, document dates, the e-mail's Date:), its hashes and
// the indicators it holds as the event's indicators, attributed to the
// group the option group= names. Stamps that are not activity (a zeroed
// or future compile time) are named in the run's warnings.
func (c *Collector) runSample(ctx context.Context, st Store, r io.Reader, name string, src *intel.Source, progress func(int, int)) (*intel.ImportStats, error) {
	data, err := io.ReadAll(io.LimitReader(r, sample.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", name, err)
	}
	a, err := sample.Inspect(name, data, c.now())
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	batch := SampleBatch(a, *src, src.Options["group"])
	stats, err := st.ImportIndicators(ctx, batch, progress)
	if err != nil {
		return nil, err
	}
	for _, f := range a.Flags {
		stats.Warnings = append(stats.Warnings, "not an activity time: "+f)
	}
	return stats, nil
}

// SampleBatch is the indicator batch an artifact makes: one event of src
// keyed "sample:<sha256>", titled by kind and file name (and the document
// title or e-mail subject), with the artifact's activity times and first
// seen at the earliest of them, holding its hashes and indicators.
func SampleBatch(a *sample.Artifact, src intel.Source, group string) *intel.IndicatorBatch {
	title := a.Kind + " " + path.Base(strings.ReplaceAll(a.Name, `\`, "/"))
	if a.Title != "" {
		title += ": " + a.Title
	}
	ev := intel.EventRow{Key: "sample:" + a.SHA256, Title: clipTitle(title), GroupLabel: strings.TrimSpace(group)}
	for _, st := range a.Times {
		ev.Times = append(ev.Times, st.Time)
		if ev.FirstSeen.IsZero() || st.Time.Before(ev.FirstSeen) {
			ev.FirstSeen = st.Time
		}
		if st.Time.After(ev.LastSeen) {
			ev.LastSeen = st.Time
		}
	}
	b := &intel.IndicatorBatch{Sources: []intel.Source{src}, Events: []intel.EventRow{ev}}
	add := func(t intel.IndicatorType, v, why, warninglist string) {
		b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: t, Value: v, Description: why,
			Confidence: src.Credibility, TLP: src.TLP, Warninglist: warninglist, Event: 1})
	}
	add(intel.IndicatorSHA256, a.SHA256, "SHA-256 of "+a.Kind+" "+a.Name, "")
	add(intel.IndicatorSHA1, a.SHA1, "SHA-1 of "+a.Kind+" "+a.Name, "")
	add(intel.IndicatorMD5, a.MD5, "MD5 of "+a.Kind+" "+a.Name, "")
	seen := map[string]bool{}
	for _, m := range a.Indicators {
		t := intel.IndicatorType(m.Type.String())
		if !t.Valid() || seen[string(t)+" "+m.Value] {
			continue
		}
		seen[string(t)+" "+m.Value] = true
		add(t, m.Value, "found in "+a.Kind+" "+a.Name, m.Label())
	}
	b.Rows = len(b.Indicators)
	return b
}

// maxSampleTitle bounds an event title made of a file name and a
// document's own title, both the attacker's text.
const maxSampleTitle = 200

func clipTitle(s string) string {
	if r := []rune(s); len(r) > maxSampleTitle {
		return string(r[:maxSampleTitle-1]) + "…"
	}
	return s
}
