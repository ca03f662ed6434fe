package collect

import (
	"fmt"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/nlp"
)

// maxSentence bounds the supporting sentence stored with a technique; its
// offsets still locate the whole sentence in the text.
const maxSentence = 2000

// linkKinds are the object kinds an entity of a recogniser's type names:
// DNRTI's HackOrg, Tool and SamFile (a sample file is usually named after
// its malware), AnnoCTR's GROUP, MALWARE and TOOL.
var linkKinds = map[string]intel.ObjectKind{
	"HackOrg": intel.KindGroup, "Tool": intel.KindSoftware, "SamFile": intel.KindSoftware,
	"GROUP": intel.KindGroup, "MALWARE": intel.KindSoftware, "TOOL": intel.KindSoftware,
}

// readReport runs the built-in text-reading models over a report's text
// and adds what they find to the import: the entities of the DNRTI
// labeller (groups, tools, files, places, sectors, purposes, times…) and
// the ATT&CK techniques, each with the model that found it. Entities of
// groups and software are linked to the stored object that has the
// entity's text as its name or alias (by known's rules, so a common
// English word links nothing; a name stored on two objects links the one
// it is the canonical name of, else neither); techniques to the stored
// technique of their ID.
func readReport(imp *intel.ReportImport, known *report.Known) error {
	lab, err := nlp.DefaultLabeller("dnrti")
	if err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	tm, err := nlp.DefaultTechniques()
	if err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	text := imp.Document.Text
	model := fmt.Sprintf("%s v%d %s", lab.Info.Name, nlp.FormatVersion, lab.Info.Trained)
	imp.Entities = imp.Entities[:0]
	for _, e := range lab.Entities(text) {
		imp.Entities = append(imp.Entities, intel.EntityMention{Type: e.Type, Text: e.Text, Start: e.Start, End: e.End,
			Confidence: e.Confidence, Model: model, ObjectID: linkEntity(known, e.Type, e.Text)})
	}
	tmodel := fmt.Sprintf("techniques v%d", nlp.FormatVersion)
	imp.Techniques = imp.Techniques[:0]
	for _, h := range tm.Map(text, nlp.MapOptions{MinScore: 0.3}) {
		s := h.Sentence
		if len(s) > maxSentence {
			n := maxSentence
			for n > 0 && !utf8.RuneStart(s[n]) {
				n--
			}
			s = s[:n]
		}
		imp.Techniques = append(imp.Techniques, intel.TechniqueMention{Technique: h.ID, Score: h.Score, Method: h.Method,
			Sentence: s, Start: h.Start, End: h.End, Model: tmodel, ObjectID: linkTechnique(known, h.ID)})
	}
	return nil
}

// linkEntity returns the stored object an entity names, or 0.
func linkEntity(known *report.Known, typ, text string) int64 {
	kind, ok := linkKinds[typ]
	if !ok || known == nil {
		return 0
	}
	hits := known.Lookup(text, string(kind))
	switch {
	case len(hits) == 0:
		return 0
	case len(hits) == 1 || intel.NormalizeName(hits[0].Key) == intel.NormalizeName(text) &&
		intel.NormalizeName(hits[1].Key) != intel.NormalizeName(text):
		return hits[0].ObjectID
	}
	return 0 // an alias of several objects, or the name of two
}

// linkTechnique returns the stored technique of an ATT&CK ID, or 0.
func linkTechnique(known *report.Known, id string) int64 {
	if known == nil {
		return 0
	}
	e, _ := known.Technique(id)
	return e.ObjectID
}
