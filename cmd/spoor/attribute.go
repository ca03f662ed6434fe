package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/sample"
)

// commaList splits every value of a repeatable flag at commas.
func commaList(l listFlag) []string {
	var out []string
	for _, v := range l {
		out = append(out, splitList(v)...)
	}
	return out
}

func attributeCmd() *command {
	return &command{
		name:  "attribute",
		usage: "[FILE|-] [--technique T1566 …] [--software NAME …] [--indicator VALUE …] [--event FILE.json] [--stix FILE] [--misp FILE] [--text FILE] [--sample FILE.exe] [--top 5] [--abstain 0.3]",
		short: "name the groups most likely behind an event, with probabilities and evidence",
		long: `Attribute describes an event by its techniques (ATT&CK IDs), software
(names or aliases), indicators (values, defanged or not) — or a JSON event
with those fields — and ranks the groups the stored attribution model (spoor
train attribution) knows, most likely first, each with its probability and
the features that moved it. Below --abstain the answer is "unknown group".

--stix FILE and --misp FILE read the event out of a STIX 2.1 bundle or a MISP
event (techniques, software, indicators, victims; the groups they name are
left out); --text FILE out of prose such as a report or a forum post (the
technique IDs written in it, the indicators found in it, and the software
and sectors the model knows by name). FILE may be "-" for stdin.

--sample FILE reads a Windows PE without running it: its md5, sha1 and sha256
and the indicators in its strings join the indicators; its compile time joins
the activity times, unless the stamp is zero, before 1992, in the future or the
Delphi constant (then it is named in a warning and left out).

FILE (or "-") without a flag is read for what it is: an event JSON
({"techniques":["T1566.001"], "software":["S0002" or a name],
"indicators":[…], "countries":[…], "sectors":[…], "times":[…]}; other fields
are named as not used; times of day are compared with each group's working
hours), a STIX bundle, a MISP event, a PE sample, or a PDF, HTML or
text report. With --format json the answer is {"model":{…}, "abstained":…,
"candidates":[{"group_id":"G0007", "group":"APT28", "probability":…,
"evidence":[…]}, …]}, best first; as text, one candidate a line: its ID,
name and probability, then its strongest evidence.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var techniques, software, indicators listFlag
			fs.Var(&techniques, "technique", "an ATT&CK technique ID (repeat, or separate with commas)")
			fs.Var(&software, "software", "a software name or alias (repeat, or separate with commas)")
			fs.Var(&indicators, "indicator", "an indicator value (repeat, or separate with commas)")
			eventFile := fs.String("event", "", "a JSON event: techniques, software, indicators ([{type, value}]), sectors, victim_countries")
			stixFile := fs.String("stix", "", "read the event from a STIX 2.1 bundle")
			mispFile := fs.String("misp", "", "read the event from a MISP event (JSON)")
			textFile := fs.String("text", "", "read the event from prose: a report (PDF, HTML or text) or a post")
			sampleFile := fs.String("sample", "", "read hashes and string indicators from a PE sample (never executed)")
			top := fs.Int("top", 5, "how many groups to list")
			abstain := fs.Float64("abstain", 0.3, "answer \"unknown group\" below this probability")
			return func(ctx context.Context) error {
				if len(e.args) > 1 {
					return usagef("attribute reads one input (got %d)", len(e.args))
				}
				if *top < 1 || *abstain < 0 || *abstain > 1 {
					return usagef("--top must be at least 1 and --abstain between 0 and 1")
				}
				q := attribute.Query{Techniques: commaList(techniques), Software: commaList(software),
					Indicators: commaList(indicators), Top: *top, Abstain: abstain}
				// Each input adds its facts; prose is read for more.
				inputs := []struct{ location, kind string }{{*eventFile, "event"}, {*sampleFile, "sample"},
					{*stixFile, "stix"}, {*mispFile, "misp"}, {*textFile, "text"}}
				if n := nonEmpty(*stixFile, *mispFile, *textFile); n > 1 {
					return usagef("give one of --stix, --misp and --text")
				}
				if len(e.args) == 1 {
					if nonEmpty(*eventFile, *stixFile, *mispFile, *textFile) > 0 {
						return usagef("give the input as FILE or with one of --event, --stix, --misp and --text, not both")
					}
					inputs = append(inputs, struct{ location, kind string }{e.args[0], ""})
				}
				var warnings []string
				var text string
				for _, in := range inputs {
					if in.location == "" {
						continue
					}
					got, err := readAttributeInput(ctx, e, in.location, in.kind)
					if err != nil {
						return err
					}
					q = addQuery(q, got.query)
					warnings = append(warnings, got.warnings...)
					if got.text != "" {
						text = got.text
					}
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				a := &attribute.Attributor{Store: st}
				var out *attribute.Result
				if text != "" {
					out, err = a.AttributeText(ctx, text, q)
				} else {
					out, err = a.Attribute(ctx, q)
				}
				if err != nil {
					return err
				}
				out.Warnings = warnings
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, out)
				}
				return writeAttribution(e, out)
			}
		},
	}
}

// addQuery adds b's facts to a's.
func addQuery(a, b attribute.Query) attribute.Query {
	a.Techniques = append(a.Techniques, b.Techniques...)
	a.Software = append(a.Software, b.Software...)
	a.Indicators = append(a.Indicators, b.Indicators...)
	a.Sectors = append(a.Sectors, b.Sectors...)
	a.VictimCountries = append(a.VictimCountries, b.VictimCountries...)
	a.Times = append(a.Times, b.Times...)
	return a
}

func writeAttribution(e *env, a *attribute.Result) error {
	for _, w := range a.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if len(a.Features) == 0 {
		fmt.Fprintln(e.stdout, "the model knows none of the event's features: the ranking below is the prior")
	}
	if len(a.Unknown) > 0 {
		fmt.Fprintf(e.stdout, "not known to the model, so not used: %s\n", strings.Join(a.Unknown, ", "))
	}
	if a.Abstained {
		fmt.Fprintf(e.stdout, "unknown group: no group reaches %.0f %%\n\n", 100*a.Threshold)
	}
	t := newTable(e.stdout, "ID", "GROUP", "PROBABILITY", "EVIDENCE", "CHECK")
	for _, g := range a.Candidates {
		var why []string
		for _, c := range g.Evidence {
			f := c.Feature
			if !c.Present {
				f = "no " + f
			}
			why = append(why, fmt.Sprintf("%s %+.2f", f, c.Value))
		}
		// What a person follows up (--format json has all of it): the
		// fingerprint overlap, shared indicators, the most similar event.
		var check []string
		if g.Fingerprint != nil {
			check = append(check, fmt.Sprintf("fingerprint %.2f", g.Fingerprint.Score))
		}
		if n := len(g.SharedIndicators); n > 0 {
			check = append(check, fmt.Sprintf("%d shared indicators", n))
		}
		if len(g.SimilarEvents) > 0 {
			check = append(check, fmt.Sprintf("like event %d", g.SimilarEvents[0].ID))
		}
		t.row(g.GroupID, clip(g.Group, 40), fmt.Sprintf("%.2f%%", 100*g.Probability), clip(strings.Join(why, ", "), 100),
			strings.Join(check, ", "))
	}
	return t.flush()
}

// maxAttributeText bounds the prose one attribution reads.
const maxAttributeText = 16 << 20

// nonEmpty counts the values given.
func nonEmpty(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// addSample adds what a read sample says to q.
func addSample(e *env, q *attribute.Query, name string, s *sample.Sample) {
	q.Indicators = append(q.Indicators, s.SHA256, s.MD5, s.SHA1)
	for _, m := range s.Indicators {
		q.Indicators = append(q.Indicators, m.Value)
	}
	if s.StampFlag != "" {
		fmt.Fprintf(e.stderr, "warning: %s: compile time %s is not evidence (%s)\n", name, s.Compiled.Format(time.RFC3339), s.StampFlag)
	} else {
		// The build machine's clock: an activity time like any other.
		q.Times = append(q.Times, s.Compiled.UTC().Format(time.RFC3339))
		fmt.Fprintf(e.stderr, "%s: compiled %s, imphash %s, %d string indicators\n", name, s.Compiled.Format(time.RFC3339), s.Imphash, len(s.Indicators))
	}
}
