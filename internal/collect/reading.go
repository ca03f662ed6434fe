package collect

import (
	"context"
	"fmt"
	"strings"
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

// ReadingStore is what RereadReports needs of the store.
type ReadingStore interface {
	MentionDictionary(ctx context.Context) ([]intel.NameEntry, error)
	ReportDocumentIDs(ctx context.Context) ([]int64, error)
	FindDocumentByID(ctx context.Context, id int64) (*intel.Document, error)
	FindDocumentEntities(ctx context.Context, documentID int64) ([]intel.EntityMention, error)
	FindDocumentTechniques(ctx context.Context, documentID int64) ([]intel.TechniqueMention, error)
	RereadReport(ctx context.Context, docID int64, contentHash string, ents []intel.EntityMention,
		techs []intel.TechniqueMention) (*intel.ImportStats, error)
}

// RereadReports brings every stored report's reading up to date with the
// base: the entities and techniques stored with a report are linked again
// to the stored objects (by the rules of readReport: an alias added since
// the import now links, one now shared by two objects no longer does);
// with readUnread, a document with text that was never read (no entities,
// no techniques: stored before the text-reading models existed, or
// written by hand) is read by them, otherwise it is left alone. Each
// report's event follows. The
// analyst's decisions stay as they are, and a second run changes nothing.
// The counts are summed over the reports; "document" counts the reports
// (Updated: those whose reading or event changed), "read" those read by
// the models for the first time.
func RereadReports(ctx context.Context, st ReadingStore, readUnread bool) (*intel.ImportStats, error) {
	dict, err := st.MentionDictionary(ctx)
	if err != nil {
		return nil, err
	}
	known := report.NewKnown(append(dict, report.Vocabulary()...))
	ids, err := st.ReportDocumentIDs(ctx)
	if err != nil {
		return nil, err
	}
	total := &intel.ImportStats{}
	docs := total.Count("document")
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := st.FindDocumentByID(ctx, id)
		if err != nil {
			return nil, err
		}
		ents, err := st.FindDocumentEntities(ctx, id)
		if err != nil {
			return nil, err
		}
		techs, err := st.FindDocumentTechniques(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(ents) == 0 && len(techs) == 0 {
			if !readUnread {
				continue
			}
			imp := &intel.ReportImport{Document: *d}
			if err := readReport(imp, known); err != nil {
				return nil, err
			}
			ents, techs = imp.Entities, imp.Techniques
			total.Count("read").Seen++
		} else {
			relinked := false
			for i := range ents {
				id := linkEntity(known, ents[i].Type, ents[i].Text)
				relinked = relinked || id != ents[i].ObjectID
				ents[i].ObjectID = id
			}
			for i := range techs {
				id := linkTechnique(known, techs[i].Technique)
				relinked = relinked || id != techs[i].ObjectID
				techs[i].ObjectID = id
			}
			// After a collection (readUnread false) a report whose links
			// stay as stored has nothing to write: its event stands.
			if !relinked && !readUnread {
				docs.Seen++
				docs.Unchanged++
				continue
			}
		}
		stats, err := st.RereadReport(ctx, id, d.ContentHash, ents, techs)
		if intel.ErrorCode(err) == intel.CodeConflict {
			// Re-imported meanwhile: that import read it.
			docs.Seen++
			docs.Unchanged++
			total.Warnings = append(total.Warnings, err.Error())
			continue
		}
		if err != nil {
			return nil, err
		}
		docs.Seen++
		changed := false
		for kind, c := range stats.Counts {
			if kind == "document" {
				continue
			}
			total.Count(kind).Add(*c)
			changed = changed || c.Created+c.Updated > 0
		}
		if changed {
			docs.Updated++
		} else {
			docs.Unchanged++
		}
		for _, w := range stats.Warnings {
			total.Warnings = append(total.Warnings, fmt.Sprintf("document %d: %s", id, w))
		}
	}
	return total, nil
}

// headWords are the words that a recogniser's entity often carries around
// the name itself ("the Fancy Bear group", "the Mimikatz tool"); they are
// dropped when the whole text names nothing.
var headWords = map[string]bool{
	"the": true, "group": true, "gang": true, "team": true, "actor": true, "actors": true, "crew": true, "apt": true,
	"tool": true, "tools": true, "toolkit": true, "backdoor": true, "malware": true, "trojan": true, "rat": true,
	"ransomware": true, "loader": true, "downloader": true, "dropper": true, "implant": true, "family": true,
	"variant": true, "stealer": true, "botnet": true, "worm": true, "framework": true, "payload": true,
}

// linkEntity returns the stored object an entity names, or 0.
func linkEntity(known *report.Known, typ, text string) int64 {
	kind, ok := linkKinds[typ]
	if !ok || known == nil {
		return 0
	}
	if id := linkName(known, kind, text); id != 0 {
		return id
	}
	words := strings.Fields(text)
	for len(words) > 1 && headWords[strings.ToLower(words[0])] {
		words = words[1:]
	}
	for len(words) > 1 && headWords[strings.ToLower(words[len(words)-1])] {
		words = words[:len(words)-1]
	}
	if name := strings.Join(words, " "); name != text {
		return linkName(known, kind, name)
	}
	return 0
}

// linkName returns the stored object of a kind that has the name (or
// alias) text, or 0.
func linkName(known *report.Known, kind intel.ObjectKind, text string) int64 {
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
