package export

import (
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// csvWriter writes RFC 4180 CSV with a header. Fields that hold quotes,
// commas or newlines are quoted by encoding/csv; lists (groups, sources,
// tags) are joined with ";", and a ";" or "\" inside a list item is
// escaped with a backslash, so the lists split back unambiguously.
type csvWriter struct {
	*base
	cw *csv.Writer
}

func newCSV(b *base) writer { return &csvWriter{base: b, cw: csv.NewWriter(b.w)} }

var csvHeader = []string{"type", "value", "confidence", "tlp", "first_seen", "last_seen", "groups", "sources",
	"tags", "warninglist", "description", "sightings", "last_sighted"}

func (w *csvWriter) begin() error { return w.write(csvHeader) }

func (w *csvWriter) write(rec []string) error {
	if err := w.cw.Write(rec); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	return nil
}

// csvList joins list items with ";", escaping ";" and "\" in items.
func csvList(items []string) string {
	esc := strings.NewReplacer(`\`, `\\`, `;`, `\;`)
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = esc.Replace(s)
	}
	return strings.Join(out, ";")
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// decimal writes a confidence with at most three decimals.
func decimal(c float64) string { return strconv.FormatFloat(math.Round(c*1000)/1000, 'f', -1, 64) }

func (w *csvWriter) add(in *intel.ExportIndicator) error {
	tlp := in.TLP
	if tlp == "" {
		tlp = intel.TLPClear
	}
	if err := w.write([]string{string(in.Type), in.Value, decimal(in.Confidence), string(tlp), csvTime(in.FirstSeen),
		csvTime(in.LastSeen), csvList(groupNames(in)), csvList(in.Sources), csvList(in.Tags), in.Warninglist,
		in.Description, strconv.Itoa(in.Sightings), csvTime(in.LastSighted)}); err != nil {
		return err
	}
	w.wrote()
	return nil
}

func (w *csvWriter) end() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	return nil
}

// listWriter writes bare values, one a line, as firewalls read external
// dynamic lists: no header or comment, which some of them would take for
// an entry. Choose the types with the filter (ipv4,cidr for an address
// list; domain; url).
type listWriter struct{ *base }

func newList(b *base) writer { return &listWriter{b} }

func (w *listWriter) begin() error { return nil }
func (w *listWriter) end() error   { return nil }

func (w *listWriter) add(in *intel.ExportIndicator) error {
	if !plainValue(in.Value) {
		w.skip(string(in.Type) + " value with white space")
		return nil
	}
	w.print(in.Value, "\n")
	w.wrote()
	return nil
}

// hostsWriter writes a hosts file that sends each domain to 0.0.0.0.
// A hosts file has no wildcards: subdomains need their own lines.
type hostsWriter struct{ *base }

func newHosts(b *base) writer { return &hostsWriter{b} }

func (w *hostsWriter) begin() error {
	w.comment("#")
	return nil
}

func (w *hostsWriter) end() error { return nil }

func (w *hostsWriter) add(in *intel.ExportIndicator) error {
	d, ok := w.onlyDomain(in)
	if !ok {
		return nil
	}
	w.print("0.0.0.0 ", d, "\n")
	w.wrote()
	return nil
}
