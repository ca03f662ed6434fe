package attribute

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// QueryFromBundle reads an event out of a parsed STIX bundle or MISP
// event: the techniques (ATT&CK IDs) and software it describes or uses,
// its indicators (warninglisted ones left out) and its victims. The groups
// the bundle names are left out: they are the answer, not the evidence.
func QueryFromBundle(b *intel.Bundle, links *intel.BundleLinks) Query {
	var q Query
	for _, o := range b.Objects {
		if o.Revoked || o.Deprecated {
			continue
		}
		switch o.Kind {
		case intel.KindTechnique:
			if o.ExternalID != "" {
				q.Techniques = append(q.Techniques, o.ExternalID)
			}
		case intel.KindSoftware:
			q.Software = append(q.Software, o.Name)
		}
	}
	for _, in := range b.Indicators {
		if in.Warninglist == "" {
			q.Indicators = append(q.Indicators, in.Value)
		}
	}
	if links != nil {
		for _, v := range links.Targets {
			switch v.Kind {
			case intel.TargetCountry:
				q.VictimCountries = append(q.VictimCountries, v.Value)
			case intel.TargetSector:
				q.Sectors = append(q.Sectors, v.Value)
			}
		}
	}
	return q.compact()
}

func (q Query) compact() Query {
	for _, l := range []*[]string{&q.Techniques, &q.Software, &q.Indicators, &q.Sectors, &q.VictimCountries} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	return q
}

// techniqueID finds ATT&CK technique IDs written in text.
var techniqueID = regexp.MustCompile(`\bT\d{4}(?:\.\d{3})?\b`)

// maxTextGram is the longest software or sector name, in words, that
// text is searched for.
const maxTextGram = 4

// AttributeText attributes an event read out of prose (a report, a forum
// post): the technique IDs written in it, the indicators the IOC engine
// finds (warninglisted ones left out), and the software and sectors the
// model knows, found by name (one to four words, any case). q gives top and
// abstain; its lists are added to what the text yields.
func (a *Attributor) AttributeText(ctx context.Context, text string, q Query) (*Result, error) {
	model, _, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	q.Techniques = append(q.Techniques, techniqueID.FindAllString(text, -1)...)
	for _, m := range ioc.Extract(text, ioc.DefaultOptions()) {
		if m.Label() == "" {
			q.Indicators = append(q.Indicators, m.Value)
		}
	}
	known := map[string]string{} // lower-case name → feature kind
	for _, n := range model.Enc.Names {
		kind, name, ok := strings.Cut(n, ":")
		if ok && (kind == "software" || kind == "sector") {
			known[name] = kind
		}
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '.' && r != '_'
	})
	for i := range words {
		words[i] = strings.Trim(words[i], ".-_")
	}
	for i := range words {
		for n := 1; n <= maxTextGram && i+n <= len(words); n++ {
			gram := strings.Join(words[i:i+n], " ")
			switch known[gram] {
			case "software":
				q.Software = append(q.Software, gram)
			case intel.TargetSector:
				q.Sectors = append(q.Sectors, gram)
			}
		}
	}
	return a.Attribute(ctx, q.compact())
}
