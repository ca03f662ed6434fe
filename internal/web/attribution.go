package web

// Attribution: which groups are most likely behind an event an analyst
// describes (techniques, software, indicators, sectors, victims), with
// probabilities and the features that moved each — the Attribute page and
// POST /api/v1/attribute, through the same attribute.Attributor as
// `spoor attribute`.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
)

// attributionStore reads the stored attribution model.
type attributionStore interface {
	FindLatestModel(ctx context.Context, kind string) (*intel.Model, error)
	LatestModelID(ctx context.Context, kind string) (int64, error)
}

// attributeInput is an event to attribute: its facts, and optionally
// prose (a report, a post) to read more of them out of.
type attributeInput struct {
	attribute.Query
	// Text is read for technique IDs, indicators, and the software and
	// sectors the model knows by name (at most 16 MB).
	Text string `json:"text,omitempty"`
}

// maxAttributeText bounds the prose one attribution reads.
const maxAttributeText = 16 << 20

// attribute answers an input through the one Attributor.
func (s *Server) attribute(ctx context.Context, in attributeInput) (*attribute.Result, error) {
	if len(in.Text) > maxAttributeText {
		return nil, intel.Errorf(intel.CodeInvalid, "text is larger than %d MB", maxAttributeText>>20)
	}
	if strings.TrimSpace(in.Text) != "" {
		return s.attributor.AttributeText(ctx, in.Text, in.Query)
	}
	return s.attributor.Attribute(ctx, in.Query)
}

func (s *Server) apiAttribute(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusOK, s.attribute)
}

// attributeData is the Attribute page: the form as typed and the answer.
type attributeData struct {
	Techniques, Software, Indicators, Sectors, Countries, Abstain, Text string
	Result                                                              *attribute.Result
	Error                                                               string
}

func (d *attributeData) setError(msg string) { d.Error = msg }

func (s *Server) attributePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.render(w, r, http.StatusOK, "attribute", &attributeData{Techniques: q.Get("techniques"), Software: q.Get("software"),
		Sectors: q.Get("sectors"), Countries: q.Get("countries"), Abstain: "0.3"})
}

// fields splits a form field at commas and new lines.
func fields(v string) []string {
	return cleanList(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }))
}

func (s *Server) attributeSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	data := &attributeData{Techniques: f.Get("techniques"), Software: f.Get("software"), Indicators: f.Get("indicators"),
		Sectors: f.Get("sectors"), Countries: f.Get("countries"), Abstain: f.Get("abstain"), Text: f.Get("text")}
	q := attribute.Query{Techniques: fields(data.Techniques), Software: fields(data.Software), Indicators: fields(data.Indicators),
		Sectors: fields(data.Sectors), VictimCountries: fields(data.Countries)}
	if v := strings.TrimSpace(data.Abstain); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			s.formFailed(w, r, intel.Errorf(intel.CodeInvalid, "abstain must be a number from 0 to 1"), "attribute", data)
			return
		}
		q.Abstain = &x
	}
	res, err := s.attribute(r.Context(), attributeInput{Query: q, Text: data.Text})
	if intel.ErrorCode(err) == intel.CodeNotFound {
		err = intel.Errorf(intel.CodeInvalid, "%s", intel.ErrorMessage(err))
	}
	if err != nil {
		s.formFailed(w, r, err, "attribute", data)
		return
	}
	data.Result = res
	s.render(w, r, http.StatusOK, "attribute", data)
}

// attributeLink is the Attribute page filled with an event's facts.
func attributeLink(e *intel.Event) string {
	v := url.Values{}
	v.Set("techniques", strings.Join(e.Techniques, ", "))
	v.Set("software", strings.Join(e.Software, ", "))
	v.Set("sectors", strings.Join(e.Sectors, ", "))
	v.Set("countries", strings.Join(e.VictimCountries, ", "))
	return "/attribute?" + v.Encode()
}
