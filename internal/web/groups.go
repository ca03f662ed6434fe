package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// groupStore is what a group's page adds to objects: the provenance of its names,
// the source records merged into it and the log of how they got there,
// merge and split, victims, reports and indicators.
type groupStore interface {
	FindAliases(ctx context.Context, objectID int64) ([]intel.AliasInfo, error)
	FindRecords(ctx context.Context, objectID int64) ([]intel.ObjectRecord, error)
	FindMerges(ctx context.Context, objectID int64) ([]intel.MergeRecord, error)
	MergeObjects(ctx context.Context, keepID, mergeID int64, reason string) (*intel.Object, error)
	SplitObject(ctx context.Context, id int64, keysOrNames []string, reason string) (*intel.Object, error)
	FindTargets(ctx context.Context, objectID int64) ([]intel.Target, error)
	FindMentions(ctx context.Context, objectID int64) ([]intel.DocumentMention, error)
	FindGroupIndicators(ctx context.Context, objectID int64, limit int) ([]*intel.Indicator, int, error)
}

// How much of a group's collected intelligence its page and the group's
// JSON carry; the sub-resources under /api/v1/groups/{id}/ page through
// the rest.
const (
	groupIndicators = 20 // the most confident
	groupEvents     = 20 // the newest
	groupMentions   = 50 // the newest reports that mention it
)

// groupView is a group's profile with its provenance: the sources behind
// each name, the records merged into it and the log of how, its victims,
// the indicators and events attributed to it, and the reports that
// mention it. It is what `spoor group` shows (its alias_sources, merges,
// indicators and indicator_total keep the CLI's JSON names), read
// through the same store calls.
type groupView struct {
	*intel.Profile
	AliasSources []intel.AliasInfo    `json:"alias_sources"`
	Records      []intel.ObjectRecord `json:"records"`
	Merges       []intel.MergeRecord  `json:"merges"`
	Targets      []intel.Target       `json:"targets"`
	// Indicators are the most confident of the IndicatorTotal indicators
	// that events attributed to the group report.
	Indicators     []*intel.Indicator `json:"indicators"`
	IndicatorTotal int                `json:"indicator_total"`
	// Events are the newest attributed events; MoreEvents says there are
	// older ones (GET /api/v1/groups/{id}/events pages through all).
	Events     []eventRow `json:"events"`
	MoreEvents bool       `json:"more_events"`
	// Mentions are the newest reports whose text names the group;
	// MentionTotal counts them all (up to the store's 1000).
	Mentions     []intel.DocumentMention `json:"mentions"`
	MentionTotal int                     `json:"mention_total"`
	// Sightings are the newest sightings of the group's indicators (the
	// timeline draws GET /api/v1/groups/{id}/sightings).
	Sightings []intel.IndicatorSighting `json:"sightings"`
}

// eventRow is an event in a list, with its source's name.
type eventRow struct {
	*intel.Event
	SourceName string `json:"source_name,omitempty"`
}

// targetGroup is one kind of victim (sector, country, …) with its values.
type targetGroup struct {
	Kind   string
	Values []string
}

// TargetsByKind groups the victims for the page, in the store's order.
func (v *groupView) TargetsByKind() []targetGroup {
	var out []targetGroup
	for _, t := range v.Targets {
		if n := len(out); n > 0 && out[n-1].Kind == t.Kind {
			out[n-1].Values = append(out[n-1].Values, t.Value)
			continue
		}
		out = append(out, targetGroup{Kind: t.Kind, Values: []string{t.Value}})
	}
	return out
}

// HasSources says whether any name has a source to show; groups made by
// hand have none, and their page skips the table.
func (v *groupView) HasSources() bool {
	for _, a := range v.AliasSources {
		if len(a.Sources) > 0 {
			return true
		}
	}
	return false
}

// loadGroupView reads everything the group page shows around a profile.
func (s *Server) loadGroupView(ctx context.Context, p *intel.Profile) (*groupView, error) {
	id := p.Object.ID
	v := &groupView{Profile: p}
	var err error
	if v.AliasSources, err = s.store.FindAliases(ctx, id); err != nil {
		return nil, err
	}
	if v.Records, err = s.store.FindRecords(ctx, id); err != nil {
		return nil, err
	}
	if v.Merges, err = s.store.FindMerges(ctx, id); err != nil {
		return nil, err
	}
	if v.Targets, err = s.store.FindTargets(ctx, id); err != nil {
		return nil, err
	}
	if v.Indicators, v.IndicatorTotal, err = s.store.FindGroupIndicators(ctx, id, groupIndicators); err != nil {
		return nil, err
	}
	page, err := s.store.FindEvents(ctx, intel.EventFilter{GroupID: id, Limit: groupEvents})
	if err != nil {
		return nil, err
	}
	v.MoreEvents = page.Next != ""
	if v.Events, err = s.eventRows(ctx, page.Items); err != nil {
		return nil, err
	}
	ms, err := s.store.FindMentions(ctx, id)
	if err != nil {
		return nil, err
	}
	v.MentionTotal = len(ms)
	v.Mentions = ms[:min(len(ms), groupMentions)]
	sgs, err := s.store.FindGroupSightings(ctx, id)
	if err != nil {
		return nil, err
	}
	v.Sightings = sgs[:min(len(sgs), groupSightings)]
	v.emptyLists()
	return v, nil
}

// emptyLists makes the JSON say [] rather than null for lists without
// entries, as the API's pages do.
func (v *groupView) emptyLists() {
	v.AliasSources = orEmpty(v.AliasSources)
	v.Records = orEmpty(v.Records)
	v.Merges = orEmpty(v.Merges)
	v.Targets = orEmpty(v.Targets)
	v.Indicators = orEmpty(v.Indicators)
	v.Events = orEmpty(v.Events)
	v.Mentions = orEmpty(v.Mentions)
	v.Sightings = orEmpty(v.Sightings)
}

// eventRows adds source names to events.
func (s *Server) eventRows(ctx context.Context, events []*intel.Event) ([]eventRow, error) {
	names, err := s.sourceNames(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]eventRow, 0, len(events))
	for _, e := range events {
		rows = append(rows, eventRow{Event: e, SourceName: names[e.SourceID]})
	}
	return rows, nil
}

// sourceNames maps source IDs to names.
func (s *Server) sourceNames(ctx context.Context) (map[int64]string, error) {
	srcs, err := s.store.FindSources(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(srcs))
	for _, src := range srcs {
		names[src.ID] = src.Name
	}
	return names, nil
}

// Merging and splitting by hand: the same store calls as `spoor group
// merge|split`, which audit the decision and keep later imports from
// undoing it.

// mergeInput names the group to merge into the one in the path, by ID
// or by a name, alias or ATT&CK ID, and says why.
type mergeInput struct {
	OtherID int64  `json:"other_id,omitempty"`
	Other   string `json:"other,omitempty"` // a name, alias or ATT&CK ID
	Reason  string `json:"reason"`
}

// splitInput names the records to move out of the group in the path into
// a new group, by import key or by a name they give, and says why.
type splitInput struct {
	Keys   []string `json:"keys,omitempty"`
	Names  []string `json:"names,omitempty"`
	Reason string   `json:"reason"`
}

// mergeGroups merges the other group into keepID and returns the group
// that remains.
func (s *Server) mergeGroups(ctx context.Context, keepID int64, in mergeInput) (*intel.Object, error) {
	reason := strings.TrimSpace(in.Reason)
	other := strings.TrimSpace(in.Other)
	keep, err := s.findObject(ctx, intel.KindGroup, keepID)
	if err != nil {
		return nil, err
	}
	switch {
	case reason == "":
		return nil, intel.Errorf(intel.CodeInvalid, "say why the groups are one: a reason is required")
	case in.OtherID != 0 && other != "":
		return nil, intel.Errorf(intel.CodeInvalid, "name the other group by other_id or by other, not both")
	case in.OtherID == 0 && other == "":
		return nil, intel.Errorf(intel.CodeInvalid, "name the group to merge in (its name, an alias or its ATT&CK ID)")
	}
	var drop *intel.Object
	if in.OtherID != 0 {
		drop, err = s.findObject(ctx, intel.KindGroup, in.OtherID)
	} else {
		drop, err = s.store.FindObjectByName(ctx, intel.KindGroup, other)
	}
	if intel.ErrorCode(err) == intel.CodeNotFound {
		// The group in the path exists; the one the body names does not,
		// which is a mistake in the input rather than a missing page.
		what := other
		if what == "" {
			what = fmt.Sprint(in.OtherID)
		}
		return nil, intel.Errorf(intel.CodeInvalid, "no group %q to merge in", what)
	}
	if err != nil {
		return nil, err
	}
	if drop.ID == keep.ID {
		return nil, intel.Errorf(intel.CodeInvalid, "%q is this group: pick another to merge in", other)
	}
	merged, err := s.store.MergeObjects(ctx, keep.ID, drop.ID, reason)
	if err == nil {
		s.refreshFingerprints()
	}
	return merged, err
}

// splitGroup moves records out of group id into a new group, which it
// returns.
func (s *Server) splitGroup(ctx context.Context, id int64, in splitInput) (*intel.Object, error) {
	if _, err := s.findObject(ctx, intel.KindGroup, id); err != nil {
		return nil, err
	}
	picks := cleanList(slices.Concat(in.Keys, in.Names))
	switch {
	case strings.TrimSpace(in.Reason) == "":
		return nil, intel.Errorf(intel.CodeInvalid, "say why the records are another group: a reason is required")
	case len(picks) == 0:
		return nil, intel.Errorf(intel.CodeInvalid, "pick the records to split off (by import key or by name)")
	}
	split, err := s.store.SplitObject(ctx, id, picks, strings.TrimSpace(in.Reason))
	if err == nil {
		s.refreshFingerprints()
	}
	return split, err
}

// The group page.

// groupForms is the state of the merge and split forms on a group page
// shown again after a mistake.
type groupForms struct {
	MergeError, MergeOther, MergeReason string
	SplitError, SplitReason             string
	SplitKeys                           []string
}

// Picked says whether the split form had the record checked.
func (f groupForms) Picked(key string) bool { return slices.Contains(f.SplitKeys, key) }

// renderGroup shows the group page of id.
func (s *Server) renderGroup(w http.ResponseWriter, r *http.Request, status int, id int64, forms groupForms) {
	v, err := s.groupViewOf(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := objectData{Profile: v.Profile, Seg: "groups", Group: v, Forms: forms}
	data.Analysis, err = s.groupAnalysisOf(r.Context(), id)
	if intel.ErrorCode(err) == intel.CodeNotFound {
		data.AnalysisMissing = intel.ErrorMessage(err)
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, status, "object", data)
}

// groupViewOf loads the view of group id, or CodeNotFound when id is no
// group.
// Views are kept until the next write (viewCache): the page and the API
// share them, and must not change them.
func (s *Server) groupViewOf(ctx context.Context, id int64) (*groupView, error) {
	return s.groupViews.get(ctx, s.store, id, func(ctx context.Context) (*groupView, error) {
		p, err := s.profileOf(ctx, intel.KindGroup, id)
		if err != nil {
			return nil, err
		}
		return s.loadGroupView(ctx, p)
	})
}

func (s *Server) groupMergeForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := r.PostForm
	in := mergeInput{Other: f.Get("other"), Reason: f.Get("reason")}
	if v := f.Get("other_id"); v != "" {
		if in.OtherID, err = strconv.ParseInt(v, 10, 64); err != nil {
			s.error(w, r, intel.Errorf(intel.CodeInvalid, "other_id %q is not a group ID", v))
			return
		}
	}
	g, err := s.mergeGroups(r.Context(), id, in)
	if err != nil {
		if !isUserError(err) {
			s.error(w, r, err)
			return
		}
		status, _, msg := errorStatus(err)
		s.renderGroup(w, r, status, id, groupForms{MergeError: msg, MergeOther: in.Other, MergeReason: in.Reason})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/groups/%d", g.ID), http.StatusSeeOther)
}

func (s *Server) groupSplitForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := r.PostForm
	in := splitInput{Keys: f["key"], Reason: f.Get("reason")}
	g, err := s.splitGroup(r.Context(), id, in)
	if err != nil {
		if !isUserError(err) {
			s.error(w, r, err)
			return
		}
		status, _, msg := errorStatus(err)
		s.renderGroup(w, r, status, id, groupForms{SplitError: msg, SplitReason: in.Reason, SplitKeys: in.Keys})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/groups/%d", g.ID), http.StatusSeeOther)
}

// The group API.

func (s *Server) apiGroupGet(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, s.groupViewOf)
}

// groupList answers one list about the {id} group as a page of items.
// load is a Store method expression, so the store is read when a request
// comes rather than when the routes are built.
func groupList[T any](s *Server, load func(st Store, ctx context.Context, id int64) ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err == nil {
			_, err = s.findObject(r.Context(), intel.KindGroup, id)
		}
		var items []T
		if err == nil {
			items, err = load(s.store, r.Context(), id)
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, nonNil(intel.Page[T]{Items: items}))
	}
}

// indicatorSample is the most confident of a group's indicators, with
// how many there are in all.
type indicatorSample struct {
	Items []*intel.Indicator `json:"items"`
	Total int                `json:"total"`
}

func (s *Server) apiGroupIndicators(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.findObject(r.Context(), intel.KindGroup, id)
	}
	limit := 0
	if err == nil {
		limit, err = queryLimit(r)
	}
	var out indicatorSample
	if err == nil {
		out.Items, out.Total, err = s.store.FindGroupIndicators(r.Context(), id, limit)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	out.Items = orEmpty(out.Items)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGroupEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.findObject(r.Context(), intel.KindGroup, id)
	}
	limit := 0
	if err == nil {
		limit, err = queryLimit(r)
	}
	var page intel.Page[*intel.Event]
	if err == nil {
		page, err = s.store.FindEvents(r.Context(), intel.EventFilter{GroupID: id, After: r.URL.Query().Get("after"), Limit: limit})
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) apiGroupMerge(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, s.mergeGroups)
}

func (s *Server) apiGroupSplit(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusCreated, s.splitGroup)
}

// groupInput creates a group.
type groupInput struct {
	Name        string    `json:"name"`
	ExternalID  string    `json:"external_id,omitempty"`
	Aliases     []string  `json:"aliases,omitempty"`
	Description string    `json:"description,omitempty"`
	Country     string    `json:"country,omitempty"`
	URL         string    `json:"url,omitempty"`
	Confidence  *float64  `json:"confidence,omitempty"` // 1 when omitted: an analyst's own entry
	TLP         intel.TLP `json:"tlp,omitempty"`
}

func (s *Server) apiGroupCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in groupInput) (*intel.Object, error) {
		o := in.object()
		return o, s.createObject(ctx, o)
	})
}

func (in groupInput) object() *intel.Object {
	return &intel.Object{
		Kind:        intel.KindGroup,
		Name:        strings.TrimSpace(in.Name),
		ExternalID:  strings.TrimSpace(in.ExternalID),
		Aliases:     cleanList(in.Aliases),
		Description: in.Description,
		Country:     strings.TrimSpace(in.Country), // Validate resolves names and codes
		URL:         strings.TrimSpace(in.URL),
		Confidence:  confidence(in.Confidence),
		TLP:         in.TLP,
	}
}

func (s *Server) apiGroupUpdate(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, func(ctx context.Context, id int64, u intel.ObjectUpdate) (*intel.Object, error) {
		return s.updateObject(ctx, intel.KindGroup, id, u)
	})
}

func (s *Server) apiGroupDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.deleteObject(r, intel.KindGroup); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type groupFormData struct {
	formMessage
	ID      int64
	Name    string
	Ext     string
	Aliases string
	Country string
	Desc    string
	TLP     string
	TLPs    []intel.TLP
}

func (s *Server) groupForm(w http.ResponseWriter, r *http.Request) {
	data := &groupFormData{TLPs: tlps(), TLP: string(intel.TLPClear)}
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		o, err := s.findObject(r.Context(), intel.KindGroup, id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		data.ID, data.Name, data.Ext, data.Country, data.Desc, data.TLP =
			o.ID, o.Name, o.ExternalID, o.Country, o.Description, string(o.TLP)
		data.Aliases = strings.Join(o.Aliases, "\n")
	}
	s.render(w, r, http.StatusOK, "group_form", data)
}

func (s *Server) groupSave(w http.ResponseWriter, r *http.Request) {
	saveForm(s, w, r, "group_form", "/groups", func(f url.Values) *groupFormData {
		return &groupFormData{TLPs: tlps(), Name: f.Get("name"), Ext: f.Get("external_id"), Aliases: f.Get("aliases"),
			Country: f.Get("country"), Desc: f.Get("description"), TLP: f.Get("tlp")}
	}, func(ctx context.Context, id int64, data *groupFormData) (int64, error) {
		data.ID = id
		tlp, err := intel.ParseTLP(data.TLP)
		if err != nil {
			return 0, err
		}
		if id == 0 {
			o := groupInput{Name: data.Name, ExternalID: data.Ext, Aliases: splitList(data.Aliases),
				Description: data.Desc, Country: data.Country, TLP: tlp}.object()
			err := s.createObject(ctx, o)
			return o.ID, err
		}
		aliases := splitList(data.Aliases)
		country := strings.TrimSpace(data.Country)
		name := strings.TrimSpace(data.Name)
		_, err = s.updateObject(ctx, intel.KindGroup, id, intel.ObjectUpdate{
			Name: &name, Aliases: &aliases, Description: &data.Desc, Country: &country, TLP: &tlp})
		return id, err
	})
}

func (s *Server) groupDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.deleteObject(r, intel.KindGroup); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/groups", http.StatusSeeOther)
}
