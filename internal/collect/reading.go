package collect

import (
	"fmt"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/nlp"
)

// maxSentence bounds the supporting sentence stored with a technique; its
// offsets still locate the whole sentence in the text.
const maxSentence = 2000

// readReport runs the built-in text-reading models over a report's text
// and adds what they find to the import: the entities of the DNRTI
// labeller (groups, tools, files, places, sectors, purposes, times…) and
// the ATT&CK techniques, each with the model that found it.
func readReport(imp *intel.ReportImport) error {
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
			Confidence: e.Confidence, Model: model})
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
			Sentence: s, Start: h.Start, End: h.End, Model: tmodel})
	}
	return nil
}
