package nlp

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// Technique is one ATT&CK technique or sub-technique.
type Technique struct {
	ID      string   `json:"id"` // T1059 or T1059.001
	Name    string   `json:"name"`
	Tactics []string `json:"tactics,omitempty"`
}

// Procedure is one ATT&CK procedure example: the description of a "uses"
// relationship from a group, software or campaign to a technique, with
// markdown links reduced to their text and citations removed.
type Procedure struct {
	Source     string `json:"source"`      // STIX ID of the group, software or campaign
	SourceKind string `json:"source_kind"` // intrusion-set, malware, tool, campaign
	SourceName string `json:"source_name"`
	Technique  string `json:"technique"` // ATT&CK ID
	Text       string `json:"text"`
}

// ATTACK is what the labeller and the technique mapper take from an ATT&CK
// STIX bundle: techniques, procedure examples and the names of groups,
// software and tactics (active objects only).
type ATTACK struct {
	Techniques []Technique
	Procedures []Procedure
	Names      []GazEntry // group, malware, tool, tactic, technique names and aliases
}

var (
	mdLink   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	citation = regexp.MustCompile(`\(Citation:[^)]*\)`)
)

// CleanProcedure strips citation markers, markdown links (keeping their
// text), code marks and surplus white space.
func CleanProcedure(s string) string {
	s = citation.ReplaceAllString(s, "")
	s = mdLink.ReplaceAllString(s, "$1")
	s = strings.ReplaceAll(s, "<code>", "")
	s = strings.ReplaceAll(s, "</code>", "")
	return strings.Join(strings.Fields(s), " ")
}

// ReadATTACK reads an ATT&CK STIX 2.1 bundle. name labels errors.
func ReadATTACK(r io.Reader, name string) (*ATTACK, error) {
	type extRef struct {
		Source string `json:"source_name"`
		ID     string `json:"external_id"`
	}
	type obj struct {
		Type        string   `json:"type"`
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		Aliases     []string `json:"aliases"`
		XAliases    []string `json:"x_mitre_aliases"`
		Description string   `json:"description"`
		Revoked     bool     `json:"revoked"`
		Deprecated  bool     `json:"x_mitre_deprecated"`
		RelType     string   `json:"relationship_type"`
		SourceRef   string   `json:"source_ref"`
		TargetRef   string   `json:"target_ref"`
		ExtRefs     []extRef `json:"external_references"`
		Phases      []struct {
			Phase string `json:"phase_name"`
		} `json:"kill_chain_phases"`
	}
	var b struct {
		Objects []obj `json:"objects"`
	}
	if err := json.NewDecoder(r).Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: read ATT&CK bundle: %w", name, err)
	}
	byID := map[string]*obj{}
	for i := range b.Objects {
		o := &b.Objects[i]
		if !o.Revoked && !o.Deprecated {
			byID[o.ID] = o
		}
	}
	attackID := func(o *obj) string {
		for _, r := range o.ExtRefs {
			if r.Source == "mitre-attack" {
				return r.ID
			}
		}
		return ""
	}
	a := &ATTACK{}
	gazType := map[string]string{"intrusion-set": "group", "malware": "malware", "tool": "tool", "x-mitre-tactic": "tactic", "attack-pattern": "technique", "campaign": "group"}
	for i := range b.Objects {
		o := &b.Objects[i]
		if byID[o.ID] == nil {
			continue
		}
		if t := gazType[o.Type]; t != "" && o.Type != "campaign" {
			a.Names = append(a.Names, GazEntry{o.Name, t})
			for _, al := range append(o.Aliases, o.XAliases...) {
				a.Names = append(a.Names, GazEntry{al, t})
			}
		}
		if o.Type == "attack-pattern" {
			if id := attackID(o); id != "" {
				t := Technique{ID: id, Name: o.Name}
				for _, p := range o.Phases {
					t.Tactics = append(t.Tactics, p.Phase)
				}
				a.Techniques = append(a.Techniques, t)
			}
		}
	}
	for i := range b.Objects {
		o := &b.Objects[i]
		if o.Type != "relationship" || o.RelType != "uses" || byID[o.ID] == nil {
			continue
		}
		src, dst := byID[o.SourceRef], byID[o.TargetRef]
		if src == nil || dst == nil || dst.Type != "attack-pattern" {
			continue
		}
		text := CleanProcedure(o.Description)
		if text == "" {
			continue
		}
		a.Procedures = append(a.Procedures, Procedure{Source: src.ID, SourceKind: src.Type, SourceName: src.Name,
			Technique: attackID(dst), Text: text})
	}
	sort.Slice(a.Techniques, func(i, j int) bool { return a.Techniques[i].ID < a.Techniques[j].ID })
	return a, nil
}

// ReadGalaxy reads the names (values and their synonyms) of a MISP galaxy
// cluster as gazetteer entries of type typ.
func ReadGalaxy(r io.Reader, name, typ string) ([]GazEntry, error) {
	var c struct {
		Values []struct {
			Value string `json:"value"`
			Meta  struct {
				Synonyms []string `json:"synonyms"`
			} `json:"meta"`
		} `json:"values"`
	}
	if err := json.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: read galaxy cluster: %w", name, err)
	}
	var out []GazEntry
	for _, v := range c.Values {
		out = append(out, GazEntry{v.Value, typ})
		for _, s := range v.Meta.Synonyms {
			out = append(out, GazEntry{s, typ})
		}
	}
	return out, nil
}

// BuiltinNames are the gazetteer entries spoor knows without data: country
// names and demonym-free names of the geo table, and the sector vocabulary.
func BuiltinNames() []GazEntry {
	var out []GazEntry
	for _, c := range geo.All() {
		for _, n := range c.Names {
			out = append(out, GazEntry{n, "country"})
		}
	}
	for _, s := range intel.Sectors {
		for _, n := range s.Names {
			out = append(out, GazEntry{n, "sector"})
		}
	}
	return out
}
