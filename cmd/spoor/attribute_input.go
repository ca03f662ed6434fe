package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/collect/misp"
	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/sample"
)

// attributeInput is what `spoor attribute FILE|-` read: the facts of the
// event, and prose to read more of them out of.
type attributeInput struct {
	query    attribute.Query
	text     string
	warnings []string
}

// readAttributeInput reads one input of `spoor attribute`: FILE (kind
// "", told by its content: an event JSON, a STIX bundle (or one STIX
// object), a MISP event, a PE sample (never run), a PDF or HTML report, or
// plain prose) or the file of --event, --stix, --misp, --sample or --text
// (kind "event", "stix", "misp", "sample" or "text"). Both read through
// here, so a report given with --text is read as a report whatever its
// format, as FILE would be.
func readAttributeInput(ctx context.Context, e *env, location, kind string) (*attributeInput, error) {
	in, name, err := collect.Open(ctx, location, e.stdin)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	limit := maxAttributeText
	if kind == "sample" {
		limit = sample.MaxSize
	}
	data, err := io.ReadAll(io.LimitReader(in, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > limit {
		return nil, intel.Errorf(intel.CodeInvalid, "%s is larger than %d MB: attribute a report, not a corpus", name, limit>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, intel.Errorf(intel.CodeInvalid, "%s is empty: give an event JSON, a STIX bundle, a MISP event or a report", name)
	}
	if kind == "" {
		kind = sniffAttributeInput(data)
	}
	out := &attributeInput{}
	switch kind {
	case "stix":
		res, err := stix.Parse(bytes.NewReader(data), name, intel.Source{Name: "attribute"})
		if err != nil {
			return nil, err
		}
		out.query = attribute.QueryFromBundle(res.Bundle, res.Links)
	case "misp":
		res, err := misp.ParseEvent(bytes.NewReader(data), name, intel.Source{Name: "attribute"})
		if err != nil {
			return nil, err
		}
		out.query = attribute.QueryFromBundle(res.Bundle, nil)
	case "sample":
		smp, err := sample.Parse(name, data, time.Now())
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
		}
		addSample(e, &out.query, name, smp)
	case "event":
		q, warnings, err := attribute.ParseEvent(data, name)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
		}
		out.query, out.warnings = q, warnings
	default:
		doc, err := report.Read(bytes.NewReader(data), name, "", "", report.Options{})
		if err != nil {
			return nil, err
		}
		out.text = doc.Text
	}
	return out, nil
}

// sniffAttributeInput names the kind of an input by its first bytes and,
// for JSON, its top-level keys.
func sniffAttributeInput(data []byte) string {
	if bytes.HasPrefix(data, []byte("MZ")) {
		return "sample"
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return "text"
	}
	head := trimmed[:min(len(trimmed), 4096)]
	switch {
	case bytes.Contains(head, []byte(`"Event"`)) || bytes.Contains(head, []byte(`"Attribute"`)):
		return "misp"
	case bytes.Contains(head, []byte(`"spec_version"`)) || bytes.Contains(head, []byte(`"type": "bundle"`)) ||
		bytes.Contains(head, []byte(`"type":"bundle"`)):
		return "stix"
	default:
		return "event"
	}
}
