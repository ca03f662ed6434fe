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

func (s *Server) apiAttribute(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusOK, func(ctx context.Context, q attribute.Query) (*attribute.Result, error) {
		return s.attributor.Attribute(ctx, q)
	})
}

// attributeData is the Attribute page: the form as typed and the answer.
type attributeData struct {
	Techniques, Software, Indicators, Sectors, Countries, Abstain string
	Result                                                        *attribute.Result
	Error                                                         string
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
		Sectors: f.Get("sectors"), Countries: f.Get("countries"), Abstain: f.Get("abstain")}
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
	res, err := s.attributor.Attribute(r.Context(), q)
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
