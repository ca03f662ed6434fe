package web

// Attribution: which groups are most likely behind an event an analyst
// describes (techniques, software, indicators, sectors, victims), with
// probabilities and the features that moved each — the Attribute page and
// POST /api/v1/attribute, through the same attribute.Attributor as
// `spoor attribute`.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/models"
)

// attributionStore reads the stored models and chooses the one in use.
type attributionStore interface {
	FindLatestModel(ctx context.Context, kind string) (*intel.Model, error)
	LatestModelID(ctx context.Context, kind string) (int64, error)
	ListModels(ctx context.Context, kind string) ([]*intel.Model, error)
	PinModel(ctx context.Context, id int64, usable func(kind string, version int) error) (*intel.Model, error)
	UnpinModel(ctx context.Context, kind string) (bool, error)
	FindAttributionChecks(ctx context.Context, groups []int64, indicators []*intel.Indicator) (*intel.AttributionChecks, error)
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
	Techniques, Software, Indicators, Sectors, Countries, Times, Abstain, Text string
	Result                                                                     *attribute.Result
	Error                                                                      string
}

func (d *attributeData) setError(msg string) { d.Error = msg }

// ConfirmLink is the events form filled with what was typed here and the
// group an analyst confirms: saved, the event is attributed to it and
// becomes training data for the next `spoor train attribution`.
func (d *attributeData) ConfirmLink(groupID int64) string {
	v := url.Values{}
	v.Set("group", "#"+strconv.FormatInt(groupID, 10))
	v.Set("techniques", d.Techniques)
	v.Set("software", d.Software)
	v.Set("sectors", d.Sectors)
	v.Set("countries", d.Countries)
	v.Set("times", d.Times)
	return "/events/new?" + v.Encode()
}

func (s *Server) attributePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.render(w, r, http.StatusOK, "attribute", &attributeData{Techniques: q.Get("techniques"), Software: q.Get("software"),
		Sectors: q.Get("sectors"), Countries: q.Get("countries"), Times: q.Get("times"), Abstain: "0.3"})
}

// lines splits a form field at new lines (a time may hold commas: an
// e-mail date does).
func lines(v string) []string {
	return cleanList(strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }))
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
		Sectors: f.Get("sectors"), Countries: f.Get("countries"), Times: f.Get("times"), Abstain: f.Get("abstain"), Text: f.Get("text")}
	q := attribute.Query{Techniques: fields(data.Techniques), Software: fields(data.Software), Indicators: fields(data.Indicators),
		Sectors: fields(data.Sectors), VictimCountries: fields(data.Countries), Times: lines(data.Times)}
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
	var times []string
	for _, t := range e.Times {
		times = append(times, t.UTC().Format(time.RFC3339))
	}
	v.Set("times", strings.Join(times, "\n"))
	return "/attribute?" + v.Encode()
}

// attributionModelView is the stored attribution model as its page and
// GET /api/v1/attribution/model show it: what it was trained on, with
// which parameters, and its evaluation (absent when trained with
// --folds 0).
type attributionModelView struct {
	ID         int64                 `json:"id"`
	CreatedAt  time.Time             `json:"created_at"`
	Version    int                   `json:"version"`
	Summary    json.RawMessage       `json:"summary"`
	Params     json.RawMessage       `json:"params"`
	Evaluation *attribute.Evaluation `json:"evaluation"`
	// Pinned says the model stays in use when newer ones are trained.
	Pinned bool `json:"pinned"`
	// Stored lists every stored attribution model, for the page's pin
	// buttons (GET /api/v1/models lists them for the API).
	Stored []models.Stored `json:"-"`
}

// attributionModel reads the attribution model in use (the pinned one,
// else the newest) from the list of stored models, which leaves the
// model's data out (tens of MB on a large base); CodeNotFound before the
// first `spoor train attribution`.
func (s *Server) attributionModel(ctx context.Context) (*attributionModelView, error) {
	stored, err := models.List(ctx, s.store, "attribution")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(stored, func(m models.Stored) bool { return m.InUse })
	if i < 0 {
		return nil, intel.Errorf(intel.CodeNotFound, "no attribution model is stored: run spoor train attribution")
	}
	m := stored[i]
	v := &attributionModelView{ID: m.ID, CreatedAt: m.CreatedAt, Version: m.Version,
		Summary: m.Summary, Params: m.Params, Pinned: m.Pinned, Stored: stored}
	if ev := strings.TrimSpace(m.Model.Evaluation); ev != "" && ev != "{}" {
		v.Evaluation = &attribute.Evaluation{}
		if err := json.Unmarshal([]byte(ev), v.Evaluation); err != nil {
			return nil, fmt.Errorf("attribution model %d: stored evaluation: %w", m.ID, err)
		}
	}
	return v, nil
}

func (s *Server) apiAttributionModel(w http.ResponseWriter, r *http.Request) {
	v, err := s.attributionModel(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) attributionModelPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.attributionModel(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "attribution_model", v)
}
