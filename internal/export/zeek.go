package export

import (
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// zeekWriter writes a file for Zeek's intel framework (Intel::read_files):
// a #fields header and one tab-separated line per indicator. Zeek's URL
// indicators are written without the scheme, as Zeek sees them (host and
// path). Text fields are kept on one line without tabs; an empty field is
// "-", Zeek's unset value.
type zeekWriter struct{ *base }

func newZeek(b *base) writer { return &zeekWriter{b} }

var zeekTypes = map[intel.IndicatorType]string{
	intel.IndicatorIPv4: "Intel::ADDR", intel.IndicatorIPv6: "Intel::ADDR", intel.IndicatorCIDR: "Intel::SUBNET",
	intel.IndicatorDomain: "Intel::DOMAIN", intel.IndicatorURL: "Intel::URL", intel.IndicatorEmail: "Intel::EMAIL",
	intel.IndicatorMD5: "Intel::FILE_HASH", intel.IndicatorSHA1: "Intel::FILE_HASH",
	intel.IndicatorSHA256: "Intel::FILE_HASH", intel.IndicatorSHA512: "Intel::FILE_HASH",
}

func (w *zeekWriter) begin() error {
	// Zeek's reader takes the first line for the header: no comment first.
	w.print("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n")
	return nil
}

func (w *zeekWriter) end() error { return nil }

// zeekField makes text one tab-free line, "-" when empty.
func zeekField(s string) string {
	s = strings.TrimSpace(oneLine(s))
	if s == "" {
		return "-"
	}
	return s
}

func (w *zeekWriter) add(in *intel.ExportIndicator) error {
	t, ok := zeekTypes[in.Type]
	if !ok {
		w.skipType(in.Type)
		return nil
	}
	v := in.Value
	switch in.Type {
	case intel.IndicatorURL:
		if i := strings.Index(v, "://"); i >= 0 {
			v = v[i+3:]
		}
	case intel.IndicatorIPv4, intel.IndicatorIPv6, intel.IndicatorCIDR:
		p, reason := prefixOf(in)
		if reason != "" {
			w.skip(reason)
			return nil
		}
		if in.Type == intel.IndicatorCIDR {
			v = p.String()
		}
	}
	if !plainValue(v) || v == "-" {
		w.skip(string(in.Type) + " value with white space")
		return nil
	}
	src := "spoor"
	if len(in.Sources) > 0 {
		src = strings.Join(in.Sources, ", ")
	}
	desc := in.Description
	if g := groupNames(in); len(g) > 0 {
		desc = "group " + strings.Join(g, ", ") + "; " + desc
	}
	w.print(v, "\t", t, "\t", zeekField(src), "\t", zeekField(clip(desc, 500)), "\n")
	w.wrote()
	return nil
}
