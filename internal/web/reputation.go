package web

// Domain reputation: batch scoring (POST /api/v1/reputation and the
// Reputation page, which also takes an uploaded list), the model page
// with its evaluation, the whitelist (list for every reader; add and
// remove for analysts, audited), and the reputation shown beside domain
// indicators and search hits — all through the one reputation.Service
// that `spoor reputation` uses.

import (
	"bufio"
	"context"
	"net/http"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// reputationStore is what reputation reads and writes: the service's
// reads (stored model, whitelist, VirusTotal reports) and the whitelist's
// writes.
type reputationStore interface {
	reputation.Store
	AddWhitelist(ctx context.Context, e *intel.WhitelistEntry) error
	RemoveWhitelist(ctx context.Context, domain, reason string) error
}

// maxReputationBody bounds the body of a batch: MaxBatch names of the
// longest kind, with JSON or form framing.
const maxReputationBody = 4 << 20

// reputationInput is a batch of names to rate.
type reputationInput struct {
	Domains []string `json:"domains"`
}

// reputationAnswer is a batch's verdicts in input order, with the model
// that gave them.
type reputationAnswer struct {
	Model   modelRef            `json:"model"`
	Results []reputation.Result `json:"results"`
}

// modelRef names a model in an answer.
type modelRef struct {
	ID        int64  `json:"id"`
	Origin    string `json:"origin"`
	Version   string `json:"version"`
	TrainedAt string `json:"trained_at"`
}

func (s *Server) scoreDomains(ctx context.Context, in reputationInput) (*reputationAnswer, error) {
	if len(in.Domains) == 0 {
		return nil, intel.Errorf(intel.CodeInvalid, "domains: give at least one name")
	}
	res, err := s.reputation.Score(ctx, in.Domains)
	if err != nil {
		return nil, err
	}
	mv, err := s.reputation.Current(ctx)
	if err != nil {
		return nil, err
	}
	return &reputationAnswer{Model: modelRef{ID: mv.ID, Origin: mv.Origin, Version: mv.Info.Version, TrainedAt: mv.Info.TrainedAt},
		Results: res}, nil
}

func (s *Server) apiReputation(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusOK, s.scoreDomains)
}

func (s *Server) apiReputationModel(w http.ResponseWriter, r *http.Request) {
	mv, err := s.reputation.Current(r.Context())
	answer(s, w, r, http.StatusOK, mv, err)
}

// whitelistInput adds a domain to the whitelist.
type whitelistInput struct {
	Domain string `json:"domain"`
	Reason string `json:"reason"`
}

// addWhitelist checks the name and stores it canonical.
func (s *Server) addWhitelist(ctx context.Context, in whitelistInput) (*intel.WhitelistEntry, error) {
	d := strings.TrimPrefix(strings.TrimSpace(in.Domain), "*.")
	n, err := reputation.ParseName(d)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "domain %q: %v", in.Domain, err)
	}
	if strings.TrimSpace(in.Reason) == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "reason: say why the domain is trusted")
	}
	e := &intel.WhitelistEntry{Domain: n.Domain, Reason: in.Reason}
	return e, s.store.AddWhitelist(ctx, e)
}

func (s *Server) removeWhitelist(ctx context.Context, domain, reason string) error {
	n, err := reputation.ParseName(strings.TrimSpace(domain))
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "domain %q: %v", domain, err)
	}
	return s.store.RemoveWhitelist(ctx, n.Domain, reason)
}

func (s *Server) apiWhitelistList(w http.ResponseWriter, r *http.Request) {
	es, err := s.store.ListWhitelist(r.Context())
	answer(s, w, r, http.StatusOK, intel.Page[intel.WhitelistEntry]{Items: orEmpty(es)}, err)
}

func (s *Server) apiWhitelistAdd(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, s.addWhitelist)
}

func (s *Server) apiWhitelistRemove(w http.ResponseWriter, r *http.Request) {
	if err := s.removeWhitelist(r.Context(), r.PathValue("domain"), r.URL.Query().Get("reason")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reputationData is the Reputation page: the list as pasted and the
// verdicts.
type reputationData struct {
	formMessage
	Names   string
	Answer  *reputationAnswer
	Counts  map[string]int
	MaxRows int
}

func (s *Server) reputationPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "reputation", &reputationData{MaxRows: reputation.MaxBatch})
}

func (s *Server) reputationSubmit(w http.ResponseWriter, r *http.Request) {
	if err := parseAnyForm(r); err != nil {
		s.error(w, r, formError(err))
		return
	}
	data := &reputationData{Names: r.PostForm.Get("names"), MaxRows: reputation.MaxBatch}
	text := data.Names
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			b, err := readUpload(fhs[0])
			if err == nil {
				err = checkText(fhs[0].Filename, b)
			}
			if err != nil {
				s.formFailed(w, r, err, "reputation", data)
				return
			}
			text += "\n" + string(b)
		}
	}
	ans, err := s.scoreDomains(r.Context(), reputationInput{Domains: nameLines(text)})
	if err != nil {
		s.formFailed(w, r, err, "reputation", data)
		return
	}
	data.Answer, data.Counts = ans, map[string]int{}
	for _, res := range ans.Results {
		data.Counts[res.Reputation]++
	}
	s.render(w, r, http.StatusOK, "reputation", data)
}

// nameLines reads one name a line (or separated by commas or blanks),
// skipping '#' comments, as spoor reputation reads stdin.
func nameLines(text string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == ';' }) {
			out = append(out, f)
		}
	}
	return out
}

// modelPageData is the model page.
type modelPageData struct {
	Model      *reputation.ModelView
	Categories []string
	Features   []string
	VTFeatures []string
}

func (s *Server) reputationModelPage(w http.ResponseWriter, r *http.Request) {
	mv, err := s.reputation.Current(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reputation_model", &modelPageData{Model: mv, Categories: reputation.Categories,
		Features: reputation.FeatureNames, VTFeatures: reputation.VTFeatureNames})
}

// whitelistData is the whitelist page.
type whitelistData struct {
	formMessage
	Entries        []intel.WhitelistEntry
	Domain, Reason string
	Added          string
}

func (s *Server) whitelistPage(w http.ResponseWriter, r *http.Request) {
	s.renderWhitelist(w, r, http.StatusOK, &whitelistData{})
}

func (s *Server) renderWhitelist(w http.ResponseWriter, r *http.Request, status int, data *whitelistData) {
	es, err := s.store.ListWhitelist(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Entries = es
	s.render(w, r, status, "reputation_whitelist", data)
}

func (s *Server) whitelistAddForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	data := &whitelistData{Domain: r.PostForm.Get("domain"), Reason: r.PostForm.Get("reason")}
	e, err := s.addWhitelist(r.Context(), whitelistInput{Domain: data.Domain, Reason: data.Reason})
	if err != nil {
		if isUserError(err) {
			_, _, msg := errorStatus(err)
			data.Error = msg
			s.renderWhitelist(w, r, http.StatusBadRequest, data)
			return
		}
		s.error(w, r, err)
		return
	}
	s.renderWhitelist(w, r, http.StatusOK, &whitelistData{Added: e.Domain})
}

func (s *Server) whitelistRemoveForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if err := s.removeWhitelist(r.Context(), r.PostForm.Get("domain"), r.PostForm.Get("reason")); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/reputation/whitelist", http.StatusSeeOther)
}

// domainReputation rates the domains among values for a page (the
// indicator page, search hits); a failure leaves them unrated rather than
// failing the page, since reputation only adds to it.
func (s *Server) domainReputation(ctx context.Context, values []string) map[string]*reputation.Result {
	if len(values) == 0 {
		return nil
	}
	res, err := s.reputation.Score(ctx, values)
	if err != nil {
		s.log.WarnContext(ctx, "domain reputation", "err", err)
		return nil
	}
	out := make(map[string]*reputation.Result, len(res))
	for i := range res {
		if res[i].Reputation != reputation.Invalid {
			out[values[i]] = &res[i]
		}
	}
	return out
}
