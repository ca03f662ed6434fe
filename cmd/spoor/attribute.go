package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
	"github.com/spoor/spoor/internal/store"
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
		usage: "[--technique T1566 …] [--software NAME …] [--indicator VALUE …] [--event FILE.json] [--top 5] [--abstain 0.3]",
		short: "name the groups most likely behind an event, with probabilities and evidence",
		long: `Attribute describes an event by its techniques (ATT&CK IDs), software
(names or aliases), indicators (values, defanged or not) — or a JSON event
with those fields — and ranks the groups the stored attribution model (spoor
train attribution) knows, most likely first, each with its probability and
the features that moved it. Below --abstain the answer is "unknown group".`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var techniques, software, indicators listFlag
			fs.Var(&techniques, "technique", "an ATT&CK technique ID (repeat, or separate with commas)")
			fs.Var(&software, "software", "a software name or alias (repeat, or separate with commas)")
			fs.Var(&indicators, "indicator", "an indicator value (repeat, or separate with commas)")
			eventFile := fs.String("event", "", "a JSON event: techniques, software, indicators ([{type, value}]), sectors, victim_countries")
			top := fs.Int("top", 5, "how many groups to list")
			abstain := fs.Float64("abstain", 0.3, "answer \"unknown group\" below this probability")
			return func(ctx context.Context) error {
				if len(e.args) > 0 {
					return usagef("attribute takes flags only (got %q)", e.args[0])
				}
				if *top < 1 || *abstain < 0 || *abstain > 1 {
					return usagef("--top must be at least 1 and --abstain between 0 and 1")
				}
				ev := &intel.Event{Techniques: commaList(techniques)}
				if *eventFile != "" {
					b, err := os.ReadFile(*eventFile)
					if err != nil {
						return intel.Errorf(intel.CodeInvalid, "read event: %v", err)
					}
					if err := json.Unmarshal(b, ev); err != nil {
						return intel.Errorf(intel.CodeInvalid, "%s: not a JSON event: %v", *eventFile, err)
					}
					ev.Techniques = append(ev.Techniques, commaList(techniques)...)
				}
				for i, t := range ev.Techniques {
					ev.Techniques[i] = strings.ToUpper(strings.TrimSpace(t))
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				names := append(ev.Software, commaList(software)...)
				ev.Software = nil
				for _, name := range names {
					// Resolve aliases to the stored software's name, which the
					// model was trained on.
					if o, err := st.FindObjectByName(ctx, intel.KindSoftware, name); err == nil {
						name = o.Name
					}
					ev.Software = append(ev.Software, name)
				}
				for _, v := range commaList(indicators) {
					// The value is one indicator when one match covers all of
					// it (a URL also yields its host).
					var whole *ioc.Match
					for _, m := range ioc.Extract(v, ioc.DefaultOptions()) {
						if m.Offset == 0 && len(m.Raw) == len(v) {
							whole = &m
						}
					}
					if whole == nil {
						return intel.Errorf(intel.CodeInvalid, "--indicator %q is not one indicator", v)
					}
					ev.Indicators = append(ev.Indicators, &intel.Indicator{Type: intel.IndicatorType(whole.Type.String()), Value: whole.Value})
				}
				stored, err := st.FindLatestModel(ctx, "attribution")
				if intel.ErrorCode(err) == intel.CodeNotFound {
					return intel.Errorf(intel.CodeNotFound, "no attribution model is stored: run spoor train attribution first")
				}
				if err != nil {
					return err
				}
				model, err := attribute.Load(strings.NewReader(stored.Data))
				if err != nil {
					return intel.Errorf(intel.CodeInvalid, "stored attribution model %d: %v", stored.ID, err)
				}
				out, err := attributionView(ctx, st, model.Attribute(model.Enc.Encode(ev), *top, 5, *abstain), stored.ID)
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, out)
				}
				return writeAttribution(e, out)
			}
		},
	}
}

type rankedGroup struct {
	attribute.Ranked
	Group string `json:"group"`
}

type attributionOut struct {
	Model     int64         `json:"model_id"`
	Groups    []rankedGroup `json:"groups"`
	Abstained bool          `json:"abstained"`
	Threshold float64       `json:"threshold"`
	Features  []string      `json:"features"`
}

func attributionView(ctx context.Context, st *store.Store, a attribute.Attribution, modelID int64) (*attributionOut, error) {
	out := &attributionOut{Model: modelID, Abstained: a.Abstained, Threshold: a.Threshold, Features: a.Features}
	if out.Features == nil {
		out.Features = []string{}
	}
	names := map[int64]string{}
	nameOf := func(id int64) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		n := "group " + strconv.FormatInt(id, 10)
		if o, err := st.FindObjectByID(ctx, id); err == nil {
			n = o.Name
		} else if intel.ErrorCode(err) != intel.CodeNotFound {
			return "", err
		}
		names[id] = n
		return n, nil
	}
	for _, r := range a.Groups {
		name, err := nameOf(r.GroupID)
		if err != nil {
			return nil, err
		}
		for i, c := range r.Evidence {
			if c.GroupID != 0 {
				n, err := nameOf(c.GroupID)
				if err != nil {
					return nil, err
				}
				r.Evidence[i].Feature = "indicators known for " + n
			}
		}
		out.Groups = append(out.Groups, rankedGroup{Ranked: r, Group: name})
	}
	return out, nil
}

func writeAttribution(e *env, a *attributionOut) error {
	if len(a.Features) == 0 {
		fmt.Fprintln(e.stdout, "the model knows none of the event's features: the ranking below is the prior")
	}
	if a.Abstained {
		fmt.Fprintf(e.stdout, "unknown group: no group reaches %.0f %%\n\n", 100*a.Threshold)
	}
	t := newTable(e.stdout, "RANK", "GROUP", "PROBABILITY", "EVIDENCE")
	for i, g := range a.Groups {
		var why []string
		for _, c := range g.Evidence {
			f := c.Feature
			if !c.Present {
				f = "no " + f
			}
			why = append(why, fmt.Sprintf("%s %+.2f", f, c.Value))
		}
		t.row(strconv.Itoa(i+1), clip(g.Group, 40), fmt.Sprintf("%.2f%%", 100*g.Probability), clip(strings.Join(why, ", "), 100))
	}
	return t.flush()
}
