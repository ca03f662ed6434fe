package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// bundleStore writes a bundle in one transaction: the Extract page saves the
// indicators an analyst picked through it.
type bundleStore interface {
	ImportBundle(ctx context.Context, b *intel.Bundle, progress func(done, total int)) (*intel.ImportStats, error)
}

// Extraction: find indicators in pasted text or an uploaded file with
// internal/ioc (the scanner behind `spoor extract`), show them, and save
// the ones an analyst picks in one import.

const (
	// maxExtractText bounds the text of one extraction.
	maxExtractText = 8 << 20
	// maxExtractBody leaves room around the text for the form's other
	// fields and the multipart framing.
	maxExtractBody = maxExtractText + 256<<10
	// maxExtractMatches bounds the matches listed in one answer; counts
	// still cover every match. Beyond it a page would be unusable.
	maxExtractMatches = 10_000
	// defaultExtractSource names the source of saved picks.
	defaultExtractSource = "manual: extract"
)

// extractInput is the JSON body of POST /api/v1/extract.
type extractInput struct {
	Text string `json:"text"`
	// Types limits the output to these types ("hash", "ip", "wallet" and
	// "file" stand for their families); none means every type.
	Types []string `json:"types,omitempty"`
	// Refang reports canonical values; true when omitted.
	Refang *bool `json:"refang,omitempty"`
	// Warninglists names the built-in warninglist each value is on.
	Warninglists bool `json:"warninglists,omitempty"`
}

// extractMatch is one indicator found, as the API shows it.
type extractMatch struct {
	Type        string   `json:"type"`
	Value       string   `json:"value"`
	Raw         string   `json:"raw"`
	Offset      int64    `json:"offset"`
	Flags       []string `json:"flags"`
	Warninglist string   `json:"warninglist,omitempty"`
	// Saveable is false for types the intelligence base does not hold
	// (ATT&CK tactic IDs).
	Saveable bool `json:"saveable"`
}

// extractResult answers an extraction.
type extractResult struct {
	Matches []extractMatch `json:"matches"`
	// Counts counts every match by type, listed or not.
	Counts map[string]int `json:"counts"`
	// Truncated is set when more matches were found than are listed.
	Truncated bool `json:"truncated,omitempty"`
}

// extractRequest is an extraction to run: the text and its options,
// however they were posted.
type extractRequest struct {
	Text         []byte
	Name         string // "pasted text" or the uploaded file's name
	FromFile     bool
	Types        []string
	Refang       bool
	Warninglists bool
}

// readExtractRequest reads an extraction from a JSON body, a form
// (multipart with a file field, or URL-encoded), or a text/plain body
// whose options are query parameters.
func readExtractRequest(r *http.Request) (*extractRequest, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	req := &extractRequest{Name: "pasted text", Refang: true}
	switch mt {
	case "", "application/json":
		var in extractInput
		if err := decodeJSON(r, &in); err != nil {
			return nil, err
		}
		req.Text, req.Types, req.Warninglists = []byte(in.Text), in.Types, in.Warninglists
		if in.Refang != nil {
			req.Refang = *in.Refang
		}
	case "text/plain":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, bodyError(err)
		}
		req.Text = body
		if err := req.options(r.URL.Query()); err != nil {
			return nil, err
		}
	case "multipart/form-data", "application/x-www-form-urlencoded":
		if err := parseAnyForm(r); err != nil {
			return nil, formError(err)
		}
		if err := req.options(r.PostForm); err != nil {
			return nil, err
		}
		req.Text = []byte(r.PostForm.Get("text"))
		if r.MultipartForm != nil {
			if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
				if len(bytes.TrimSpace(req.Text)) > 0 {
					return nil, intel.Errorf(intel.CodeInvalid, "paste text or upload a file, not both")
				}
				body, err := readUpload(fhs[0])
				if err != nil {
					return nil, err
				}
				req.Text, req.Name, req.FromFile = body, fhs[0].Filename, true
			}
		}
	default:
		return nil, intel.Errorf(intel.CodeInvalid,
			"Content-Type must be application/json, multipart/form-data or text/plain, not %s", mt)
	}
	if len(req.Text) > maxExtractText {
		return nil, &statusError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: fmt.Sprintf("the text is larger than %d bytes", maxExtractText)}
	}
	if len(bytes.TrimSpace(req.Text)) == 0 {
		return nil, intel.Errorf(intel.CodeInvalid, "no text: paste some or upload a text file")
	}
	if err := checkText(req.Name, req.Text); err != nil {
		return nil, err
	}
	return req, nil
}

// options reads the options of a form or query string. A checkbox that
// must default to on is sent after a hidden "false" of the same name, so
// the last value wins and an absent one keeps the default.
func (req *extractRequest) options(v map[string][]string) error {
	req.Types = append(req.Types, v["types"]...)
	for name, dst := range map[string]*bool{"refang": &req.Refang, "warninglists": &req.Warninglists} {
		vals := v[name]
		if len(vals) == 0 {
			continue
		}
		last := vals[len(vals)-1]
		if last == "on" {
			last = "true"
		}
		b, err := strconv.ParseBool(last)
		if err != nil {
			return intel.Errorf(intel.CodeInvalid, "%s must be true or false, not %q", name, last)
		}
		*dst = b
	}
	return nil
}

// bodyError turns a body read failure into a user error.
func bodyError(err error) error {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge(mbe)
	}
	return intel.Errorf(intel.CodeInvalid, "reading the request body: %v", err)
}

func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > maxExtractText {
		return nil, &statusError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: fmt.Sprintf("file %s is larger than %d bytes", fh.Filename, maxExtractText)}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxExtractText+1))
}

// checkText refuses input that is not text (an executable, an archive, a
// PDF): the scanner would find junk in it, and the analyst has most
// likely picked the wrong file.
func checkText(name string, b []byte) error {
	head := b[:min(len(b), 8192)]
	ct := http.DetectContentType(head)
	if strings.HasPrefix(ct, "text/") && bytes.IndexByte(head, 0) < 0 {
		return nil
	}
	what, _, _ := strings.Cut(ct, ";")
	if what == "text/plain" || what == "application/octet-stream" {
		what = "binary data"
	}
	return intel.Errorf(intel.CodeInvalid, "%s looks like %s, not text: extract the text first (PDF reports: copy the text or use pdftotext)", name, what)
}

// extractOptions turns a request's options into the scanner's.
func (s *Server) extractOptions(req *extractRequest) (ioc.Options, error) {
	opts := ioc.DefaultOptions()
	opts.Refang = req.Refang
	var names []string
	for _, t := range req.Types {
		if t = strings.TrimSpace(t); t != "" {
			names = append(names, t)
		}
	}
	if len(names) > 0 {
		set, err := ioc.ParseTypes(strings.Join(names, ","))
		if err != nil {
			return opts, intel.Errorf(intel.CodeInvalid, "%s", strings.TrimPrefix(err.Error(), "ioc: "))
		}
		opts.Types = set
	}
	if req.Warninglists {
		opts.Warninglists = s.warninglists
	}
	return opts, nil
}

// extract runs the scanner over the request's text.
func (s *Server) extract(req *extractRequest) (*extractResult, error) {
	opts, err := s.extractOptions(req)
	if err != nil {
		return nil, err
	}
	res := &extractResult{Matches: []extractMatch{}, Counts: map[string]int{}}
	sc := ioc.NewScanner(bytes.NewReader(req.Text), opts)
	for sc.Scan() {
		m := sc.Match()
		res.Counts[m.Type.String()]++
		if len(res.Matches) == maxExtractMatches {
			res.Truncated = true
			continue
		}
		flags := m.Flags.Names()
		if flags == nil {
			flags = []string{}
		}
		res.Matches = append(res.Matches, extractMatch{Type: m.Type.String(), Value: m.Value, Raw: m.Raw, Offset: m.Offset,
			Flags: flags, Warninglist: m.Warninglist, Saveable: intelType(m.Type) != ""})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scan %s: %w", req.Name, err)
	}
	return res, nil
}

// intelType is the indicator type the base stores an ioc type as, or ""
// when it holds none (tactic IDs). The names coincide by design.
func intelType(t ioc.Type) intel.IndicatorType {
	if it := intel.IndicatorType(t.String()); it.Valid() {
		return it
	}
	return ""
}

// checker reads single values as indicators (ioc's Extractor.Check) with
// the server's warninglists, the built-in ones every import uses too, so
// that a value saved here, typed in the indicator form and imported from a
// list, STIX or MISP gets one label (ioc.Match.Label). An Extractor is
// not for concurrent use: take one per request.
func (s *Server) checker() *ioc.Extractor {
	return ioc.NewExtractor(ioc.Options{Warninglists: s.warninglists})
}

// canonicalIndicator reads value as exactly one indicator of type t with
// ioc.Check and returns it in the canonical form that is stored
// (hxxp://Evil[.]COM/x becomes http://evil.com/x).
func canonicalIndicator(x *ioc.Extractor, t intel.IndicatorType, value string) (ioc.Match, error) {
	want, ok := ioc.ParseType(string(t))
	if !ok || !t.Valid() {
		return ioc.Match{}, intel.Errorf(intel.CodeInvalid, "unknown indicator type %q", t)
	}
	m, err := x.Check(value, want)
	if err != nil {
		return ioc.Match{}, intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	return m, nil
}

// API.

func (s *Server) apiExtract(w http.ResponseWriter, r *http.Request) {
	req, err := readExtractRequest(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	res, err := s.extract(req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// saveInput is the JSON body of POST /api/v1/extract/save.
type saveInput struct {
	// Source names where the indicators come from; "manual: extract" when
	// omitted.
	Source string `json:"source,omitempty"`
	// URL is the page the text came from: it scores the source's
	// credibility (unknown, 0, without one).
	URL        string         `json:"url,omitempty"`
	TLP        intel.TLP      `json:"tlp,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	Indicators []indicatorRef `json:"indicators"`
}

// indicatorRef names an indicator by type and value.
type indicatorRef struct {
	Type  intel.IndicatorType `json:"type"`
	Value string              `json:"value"`
}

// saveResult says what a save did.
type saveResult struct {
	Source *intel.Source     `json:"source"`
	Counts intel.ImportCount `json:"counts"`
}

func (s *Server) apiExtractSave(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusOK, s.saveIndicators)
}

// saveIndicators writes picked indicators with their source in one
// import. Every value is read again by canonicalIndicator: the picks
// come back from a browser and are not trusted. The source is a manual
// one; its credibility is scored from the URL the text came from, and
// each indicator's confidence is that credibility, as for every import.
func (s *Server) saveIndicators(ctx context.Context, in saveInput) (*saveResult, error) {
	name := strings.TrimSpace(in.Source)
	if name == "" {
		name = defaultExtractSource
	}
	if len(in.Indicators) == 0 {
		return nil, intel.Errorf(intel.CodeInvalid, "no indicators selected")
	}
	tlp := in.TLP
	if tlp == "" {
		tlp = intel.TLPClear
	}
	if !tlp.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown TLP marking %q", tlp)
	}
	u := strings.TrimSpace(in.URL)
	if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, intel.Errorf(intel.CodeInvalid, "the URL the text came from must start with http:// or https://")
	}
	// An import upserts its source by name; it must not turn a collected
	// source (a feed with its own kind and site) into a manual one.
	if old, err := s.store.FindSourceByName(ctx, name); err == nil && old.Kind != intel.SourceManual {
		return nil, intel.Errorf(intel.CodeConflict, "source %q is a %s source; name another source for manual picks", name, old.Kind)
	} else if err != nil && intel.ErrorCode(err) != intel.CodeNotFound {
		return nil, err
	}
	cred, reason := s.cred.Score(u)
	src := intel.Source{Name: name, Kind: intel.SourceManual, URL: u, Credibility: cred, CredibilityReason: reason, TLP: tlp}
	tags := cleanList(in.Tags)
	seen := map[intel.IndicatorKey]bool{}
	var inds []intel.Indicator
	x := s.checker()
	for _, ref := range in.Indicators {
		if !ref.Type.Valid() {
			return nil, intel.Errorf(intel.CodeInvalid, "type %q cannot be saved: the base holds %v", ref.Type, intel.IndicatorTypes)
		}
		m, err := canonicalIndicator(x, ref.Type, ref.Value)
		if err != nil {
			return nil, err
		}
		key := intel.IndicatorKey{Type: ref.Type, Value: m.Value}
		if seen[key] {
			continue
		}
		seen[key] = true
		inds = append(inds, intel.Indicator{Type: ref.Type, Value: m.Value, Tags: tags, Confidence: cred, TLP: tlp,
			Warninglist: m.Label()})
	}
	stats, err := s.store.ImportBundle(ctx, &intel.Bundle{Source: src, Indicators: inds}, nil)
	if err != nil {
		return nil, err
	}
	saved, err := s.store.FindSourceByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return &saveResult{Source: saved, Counts: *stats.Count("indicator")}, nil
}

// Page.

// typeChoice is a type checkbox of the Extract form.
type typeChoice struct {
	Name    string
	Checked bool
}

// matchRow is one distinct indicator found: the first place it was
// written and how often.
type matchRow struct {
	extractMatch
	Times   int
	Checked bool // picked for saving unless flagged
}

// matchGroup is the table of one type.
type matchGroup struct {
	Type     string
	Saveable bool
	Rows     []*matchRow
}

type extractData struct {
	formMessage
	// The form.
	Text         string
	Types        []typeChoice
	Refang       bool
	Warninglists bool
	// The results.
	Done      bool
	Name      string
	Total     int
	Truncated bool
	Groups    []*matchGroup
	// The save form.
	Source string
	URL    string
	Tags   string
	TLP    string
	TLPs   []intel.TLP
	Saved  *saveResult
}

func newExtractData() *extractData {
	d := &extractData{Refang: true, Warninglists: true, Source: defaultExtractSource, TLP: string(intel.TLPClear), TLPs: tlps()}
	for _, t := range ioc.AllTypes() {
		d.Types = append(d.Types, typeChoice{Name: t.String()})
	}
	return d
}

func (s *Server) extractPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "extract", newExtractData())
}

// extractSubmit runs an extraction from the form and shows the results
// under it. Reading is all it does, so readers may use it.
func (s *Server) extractSubmit(w http.ResponseWriter, r *http.Request) {
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	data := newExtractData()
	req, err := readExtractRequest(r)
	if req == nil {
		// Keep what was typed, so a refused paste can be fixed.
		data.Text = r.PostForm.Get("text")
		req = &extractRequest{Refang: true}
		_ = req.options(r.PostForm)
	}
	data.Refang, data.Warninglists = req.Refang, req.Warninglists
	picked := map[string]bool{}
	for _, t := range req.Types {
		picked[strings.TrimSpace(t)] = true
	}
	for i := range data.Types {
		data.Types[i].Checked = picked[data.Types[i].Name]
	}
	if err != nil {
		s.extractFailed(w, r, err, data)
		return
	}
	if !req.FromFile {
		data.Text = string(req.Text)
	}
	res, err := s.extract(req)
	if err != nil {
		s.extractFailed(w, r, err, data)
		return
	}
	data.Done, data.Name, data.Truncated = true, req.Name, res.Truncated
	for _, n := range res.Counts {
		data.Total += n
	}
	data.Groups = groupMatches(res.Matches)
	s.render(w, r, http.StatusOK, "extract", data)
}

// extractFailed shows the form again with the message of a user error.
func (s *Server) extractFailed(w http.ResponseWriter, r *http.Request, err error, data *extractData) {
	if _, ok := errors.AsType[*statusError](err); !ok && intel.ErrorCode(err) != intel.CodeInvalid && intel.ErrorCode(err) != intel.CodeConflict {
		s.error(w, r, err)
		return
	}
	status, _, msg := errorStatus(err)
	data.setError(msg)
	s.render(w, r, status, "extract", data)
}

// groupMatches folds the matches into one table per type, in the order
// of ioc.AllTypes, one row per distinct value.
func groupMatches(ms []extractMatch) []*matchGroup {
	byType := map[string]*matchGroup{}
	rows := map[[2]string]*matchRow{}
	for _, m := range ms {
		g := byType[m.Type]
		if g == nil {
			g = &matchGroup{Type: m.Type, Saveable: m.Saveable}
			byType[m.Type] = g
		}
		key := [2]string{m.Type, m.Value}
		if row := rows[key]; row != nil {
			row.Times++
			continue
		}
		flagged := m.Warninglist != "" || slices.ContainsFunc(m.Flags, func(f string) bool { return f != "defanged" })
		row := &matchRow{extractMatch: m, Times: 1, Checked: m.Saveable && !flagged}
		rows[key] = row
		g.Rows = append(g.Rows, row)
	}
	var out []*matchGroup
	for _, t := range ioc.AllTypes() {
		if g := byType[t.String()]; g != nil {
			out = append(out, g)
		}
	}
	return out
}

// extractSave saves the picked rows of the results. Each pick is
// "TYPE VALUE": type names hold no spaces (values may: C:\Program Files\…).
func (s *Server) extractSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	data := newExtractData()
	data.Source, data.URL, data.Tags, data.TLP = f.Get("source"), f.Get("url"), f.Get("tags"), f.Get("tlp")
	tlp, err := intel.ParseTLP(data.TLP)
	if err != nil {
		s.extractFailed(w, r, err, data)
		return
	}
	in := saveInput{Source: data.Source, URL: data.URL, TLP: tlp, Tags: splitList(data.Tags)}
	for _, p := range f["pick"] {
		t, v, ok := strings.Cut(p, " ")
		if !ok {
			s.extractFailed(w, r, intel.Errorf(intel.CodeInvalid, "malformed pick %q", p), data)
			return
		}
		in.Indicators = append(in.Indicators, indicatorRef{Type: intel.IndicatorType(t), Value: v})
	}
	res, err := s.saveIndicators(r.Context(), in)
	if err != nil {
		s.extractFailed(w, r, err, data)
		return
	}
	data.Saved = res
	s.render(w, r, http.StatusOK, "extract", data)
}
