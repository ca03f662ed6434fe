package web

import (
	"net/http"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/models"
	"github.com/spoor/spoor/internal/reputation"
)

// public marks a route that needs no sign-in.
const public auth.Permission = 0

// apiRoute is one JSON API operation. The same table registers the
// handlers and writes the OpenAPI document, so the two cannot drift.
type apiRoute struct {
	Method  string
	Path    string          // under /api/v1, in ServeMux syntax
	Perm    auth.Permission // public for none
	Summary string
	Query   []queryParam // documented query parameters
	Body    any          // zero value of the request body type, nil for none
	// AlsoAccepts documents request media types besides JSON, each with
	// its schema.
	AlsoAccepts map[string]any
	Status      int // status of success
	Result      any // zero value of the response type, nil for none
	Handler     http.HandlerFunc
}

type queryParam struct {
	Name, Type, Doc string
}

// pageParams are the query parameters of keyset-paged lists, after the
// ones given.
func pageParams(first ...queryParam) []queryParam {
	return append(first,
		queryParam{"after", "string", "the next cursor of the previous page"},
		queryParam{"limit", "integer", "page size, 1 to 500 (default 50)"})
}

// sortedPageParams are pageParams of a list that sorts by keys.
func sortedPageParams(keys []intel.SortKey, first ...queryParam) []queryParam {
	return pageParams(append(first, sortParams(keys)...)...)
}

// apiRoutes is the JSON API.
func (s *Server) apiRoutes() []apiRoute {
	var routes []apiRoute
	for _, op := range objectPaths() {
		if op.Kind == intel.KindCampaign {
			continue
		}
		get := apiRoute{Method: "GET", Path: "/" + op.Seg + "/{id}", Perm: auth.ReadIntel, Summary: "One " + string(op.Kind) + " with its relationships and reports",
			Status: 200, Result: intel.Profile{}, Handler: s.apiObjectGet(op.Kind)}
		if op.Kind == intel.KindGroup {
			get.Summary = "One group with its relationships, reports and provenance: the sources of its names, its records and merge log, victims, the most confident indicators and newest events attributed to it, and reports that mention it"
			get.Result, get.Handler = groupView{}, s.apiGroupGet
		}
		params := []queryParam{{"prefix", "string", "case-insensitive name prefix"}}
		if op.Kind == intel.KindGroup {
			params = append(params, queryParam{"country", "string", "attributed to this country (ISO 3166 code or name)"},
				queryParam{"sector", "string", "targets this sector (a sector key or any of its names)"},
				queryParam{"motivation", "string", "a motivation as sources name it (Espionage, Financial Gain)"},
				queryParam{"source_id", "integer", "a source that holds a record of the group"})
		}
		routes = append(routes,
			apiRoute{Method: "GET", Path: "/" + op.Seg, Perm: auth.ReadIntel, Summary: "List " + op.Seg + " by name, or as sort says",
				Query: sortedPageParams(intel.ObjectSorts, params...), Status: 200, Result: intel.Page[*intel.Object]{}, Handler: s.apiObjectList(op.Kind)},
			get,
		)
	}
	routes = append(routes,
		apiRoute{Method: "GET", Path: "/techniques/{id}/timeline", Perm: auth.ReadIntel, Summary: "The groups whose events hold a technique (or one of its sub-techniques), most events first, with the dates of those events",
			Status: 200, Result: []intel.TechniqueUse{}, Handler: s.apiTechniqueTimeline},
		apiRoute{Method: "POST", Path: "/groups", Perm: auth.WriteIntel, Summary: "Create a group",
			Body: groupInput{}, Status: 201, Result: intel.Object{}, Handler: s.apiGroupCreate},
		apiRoute{Method: "PATCH", Path: "/groups/{id}", Perm: auth.WriteIntel, Summary: "Change a group",
			Body: intel.ObjectUpdate{}, Status: 200, Result: intel.Object{}, Handler: s.apiGroupUpdate},
		apiRoute{Method: "DELETE", Path: "/groups/{id}", Perm: auth.WriteIntel, Summary: "Delete a group and its relationships",
			Status: 204, Handler: s.apiGroupDelete},
		apiRoute{Method: "POST", Path: "/groups/{id}/merge", Perm: auth.WriteIntel,
			Summary: "Merge another group (by other_id, or by a name, alias or ATT&CK ID in other) into this one, with a reason; audited, and later imports keep it; answers the group that remains",
			Body:    mergeInput{}, Status: 200, Result: intel.Object{}, Handler: s.apiGroupMerge},
		apiRoute{Method: "POST", Path: "/groups/{id}/split", Perm: auth.WriteIntel,
			Summary: "Move records (by import key, or every record giving one of the names) out of this group into a new one, with a reason; audited, and later imports keep it; answers the new group",
			Body:    splitInput{}, Status: 201, Result: intel.Object{}, Handler: s.apiGroupSplit},
		apiRoute{Method: "GET", Path: "/groups/{id}/aliases", Perm: auth.ReadIntel, Summary: "Every name of a group (its name first) with the sources that give it",
			Status: 200, Result: intel.Page[intel.AliasInfo]{}, Handler: groupList(s, Store.FindAliases)},
		apiRoute{Method: "GET", Path: "/groups/{id}/records", Perm: auth.ReadIntel, Summary: "The source records merged into a group, primary first, with the rule that placed each",
			Status: 200, Result: intel.Page[intel.ObjectRecord]{}, Handler: groupList(s, Store.FindRecords)},
		apiRoute{Method: "GET", Path: "/groups/{id}/merges", Perm: auth.ReadIntel, Summary: "A group's merge log, oldest first: rule, source, evidence, when and by whom",
			Status: 200, Result: intel.Page[intel.MergeRecord]{}, Handler: groupList(s, Store.FindMerges)},
		apiRoute{Method: "GET", Path: "/groups/{id}/targets", Perm: auth.ReadIntel, Summary: "A group's victims: sectors, countries, organisations and regions",
			Status: 200, Result: intel.Page[intel.Target]{}, Handler: groupList(s, Store.FindTargets)},
		apiRoute{Method: "GET", Path: "/groups/{id}/mentions", Perm: auth.ReadIntel, Summary: "Reports whose text mentions a group, newest first (at most 1000)",
			Status: 200, Result: intel.Page[intel.DocumentMention]{}, Handler: groupList(s, Store.FindMentions)},
		apiRoute{Method: "GET", Path: "/groups/{id}/indicators", Perm: auth.ReadIntel, Summary: "The most confident indicators of events attributed to a group, with how many there are in all",
			Query:  []queryParam{{"limit", "integer", "at most this many, 1 to 500 (default 50)"}},
			Status: 200, Result: indicatorSample{}, Handler: s.apiGroupIndicators},
		apiRoute{Method: "GET", Path: "/groups/{id}/analysis", Perm: auth.ReadIntel, Summary: "A group's fingerprint: activity hours in UTC and at the inferred UTC offset, weekend, victim and infrastructure countries, ATT&CK techniques by tactic, software, sectors, timeline, and the most similar groups with per-dimension scores and shared evidence",
			Status: 200, Result: groupAnalysis{}, Handler: s.apiGroupAnalysis},
		apiRoute{Method: "GET", Path: "/groups/{id}/similarity/{other}", Perm: auth.ReadIntel, Summary: "How two groups' fingerprints compare: combined score, per-dimension scores and the evidence they share, rarest first",
			Status: 200, Result: fingerprint.PairView{}, Handler: s.apiGroupPair},
		apiRoute{Method: "GET", Path: "/duplicates", Perm: auth.ReadIntel, Summary: "Possible duplicates: stored groups very similar across several dimensions that no analyst has said are distinct, with the evidence",
			Status: 200, Result: duplicatesView{}, Handler: s.apiDuplicates},
		apiRoute{Method: "POST", Path: "/groups/{id}/distinct", Perm: auth.WriteIntel, Summary: "Say a group is not the same as another (other_id), with a reason: the duplicates list leaves the pair out from then on",
			Body: distinctInput{}, Status: 200, Result: intel.DistinctPair{}, Handler: s.apiGroupDistinct},
		apiRoute{Method: "POST", Path: "/attribute", Perm: auth.ReadIntel, Summary: "Rank the groups most likely behind an event (techniques, software, indicators, sectors, victim countries, and prose to read more of them from) with probabilities and the features that moved each; abstains below a threshold",
			Body: attributeInput{}, Status: 200, Result: attribute.Result{}, Handler: s.apiAttribute},
		apiRoute{Method: "GET", Path: "/attribution/model", Perm: auth.ReadIntel, Summary: "The stored attribution model: its training data, parameters and evaluation (per model: top-k accuracy micro and macro, macro-F1, log loss, calibration curve, accuracy against coverage; the most-confused groups)",
			Status: 200, Result: attributionModelView{}, Handler: s.apiAttributionModel},
		apiRoute{Method: "GET", Path: "/models", Perm: auth.ReadIntel, Summary: "The stored models (attribution, reputation; kind= for one), newest first, without their data: encoding, size, training summary, evaluation, and which one of each kind is in use (the pinned one, else the newest)",
			Status: 200, Result: []models.Stored{}, Handler: s.apiModels},
		apiRoute{Method: "POST", Path: "/models/{id}/pin", Perm: auth.WriteIntel, Summary: "Put a stored model in use for its kind, whatever newer ones are trained, until unpinned (audited); a model of an encoding this spoor cannot read is refused",
			Status: 200, Result: intel.Model{}, Handler: s.apiModelPin},
		apiRoute{Method: "DELETE", Path: "/models/pins/{kind}", Perm: auth.WriteIntel, Summary: "Let the newest model of a kind be used again (audited when one was pinned)",
			Status: 204, Handler: s.apiModelUnpin},
		apiRoute{Method: "GET", Path: "/overview", Perm: auth.ReadIntel, Summary: "What the dashboard charts: events by month, the groups most active in the last twelve months, the techniques most groups use",
			Status: 200, Result: overview{}, Handler: s.apiOverview},
		apiRoute{Method: "GET", Path: "/graph", Perm: auth.ReadIntel, Summary: "The similarity graph: groups whose combined fingerprint score reaches min, with per-dimension scores",
			Query: []queryParam{{"min", "number", "lowest combined score, 0.05 to 1 (default 0.25)"}}, Status: 200, Result: graphView{}, Handler: s.apiGraph},
		apiRoute{Method: "GET", Path: "/groups/{id}/events", Perm: auth.ReadIntel, Summary: "Events attributed to a group, newest first",
			Query: pageParams(), Status: 200, Result: intel.Page[*intel.Event]{}, Handler: s.apiGroupEvents},

		apiRoute{Method: "GET", Path: "/events", Perm: auth.ReadIntel, Summary: "List events, newest first seen first (undated last), or as sort says",
			Query: sortedPageParams(intel.EventSorts,
				queryParam{"group_id", "integer", "only events attributed to this group"},
				queryParam{"source_id", "integer", "only events of this source"},
				queryParam{"label", "string", "only events whose source named the actor exactly so"},
				queryParam{"technique", "string", "only events with this ATT&CK technique ID"},
				queryParam{"country", "string", "only events with this victim country (code or name)"},
				queryParam{"since", "string", "only events active since: a time, a date or an age (90d)"},
				queryParam{"until", "string", "only events first seen by then: a time or a date"}),
			Status: 200, Result: intel.Page[*intel.Event]{}, Handler: s.apiEvents},
		apiRoute{Method: "POST", Path: "/events", Perm: auth.WriteIntel, Summary: "Record an event by hand: title, group, dates, activity timestamps, techniques, software, sectors, purpose, victim countries",
			Body: eventInput{}, Status: 201, Result: intel.Event{}, Handler: s.apiEventCreate},
		apiRoute{Method: "GET", Path: "/events/{id}", Perm: auth.ReadIntel, Summary: "One event with its indicators",
			Status: 200, Result: intel.Event{}, Handler: s.apiEventGet},

		apiRoute{Method: "GET", Path: "/documents", Perm: auth.ReadIntel, Summary: "List documents, newest first or as sort says, without text",
			Query: sortedPageParams(intel.DocumentSorts, queryParam{"source_id", "integer", "only documents of this source"},
				queryParam{"country", "string", "only documents that name this country (ISO 3166 code or name)"},
				queryParam{"sector", "string", "only documents that name this sector"}),
			Status: 200, Result: intel.Page[*intel.Document]{}, Handler: s.apiDocumentList},
		apiRoute{Method: "POST", Path: "/documents", Perm: auth.WriteIntel, Summary: "Create a document",
			Body: documentInput{}, Status: 201, Result: intel.Document{}, Handler: s.apiDocumentCreate},
		apiRoute{Method: "GET", Path: "/documents/{id}", Perm: auth.ReadIntel, Summary: "One document with its text, the objects it mentions, the indicators found in it, and the entities (with offsets) and ATT&CK techniques (with sentences) the reading models found",
			Status: 200, Result: documentView{}, Handler: s.apiDocumentGet},
		apiRoute{Method: "POST", Path: "/documents/{id}/reviews", Perm: auth.WriteIntel, Summary: "Confirm or reject an entity link (kind entity, type, text) or a technique mapping (kind technique, technique) of a report, or withdraw the decision on it (decision withdrawn: undecided again; 404 when it has none); kept across re-imports, audited, and the report's event follows it",
			Body: intel.MappingReview{}, Status: 200, Result: intel.MappingReview{}, Handler: s.apiDocumentReview},
		apiRoute{Method: "PATCH", Path: "/documents/{id}", Perm: auth.WriteIntel, Summary: "Change a document",
			Body: intel.DocumentUpdate{}, Status: 200, Result: intel.Document{}, Handler: s.apiDocumentUpdate},
		apiRoute{Method: "DELETE", Path: "/documents/{id}", Perm: auth.WriteIntel, Summary: "Delete a document",
			Status: 204, Handler: s.apiDocumentDelete},

		apiRoute{Method: "GET", Path: "/indicators", Perm: auth.ReadIntel, Summary: "List indicators, newest first or as sort says",
			Query: sortedPageParams(intel.IndicatorSorts, queryParam{"type", "string", "only this indicator type"}, queryParam{"value", "string", "exact canonical value"},
				queryParam{"prefix", "string", "values that start with this, as typed or in lower case"},
				queryParam{"source_id", "integer", "what this source gave (its own indicators and those its IOC lists confirmed)"},
				queryParam{"group_id", "integer", "tied to this group through its events or STIX indicates relationships"},
				queryParam{"group", "string", "the same by the group's name, alias or ATT&CK ID"},
				queryParam{"min_confidence", "number", "at least this confidence, 0 to 1"},
				queryParam{"since", "string", "last seen, first seen or changed since: a time, a date or an age (30d)"},
				queryParam{"warninglisted", "string", "only (warninglisted values only) or exclude"}),
			Status: 200, Result: intel.Page[*intel.Indicator]{}, Handler: s.apiIndicatorList},
		apiRoute{Method: "POST", Path: "/indicators", Perm: auth.WriteIntel, Summary: "Create an indicator",
			Body: indicatorInput{}, Status: 201, Result: intel.Indicator{}, Handler: s.apiIndicatorCreate},
		apiRoute{Method: "GET", Path: "/indicators/{id}", Perm: auth.ReadIntel, Summary: "One indicator with every source that reported it, its sightings and the objects it is linked to",
			Status: 200, Result: indicatorView{}, Handler: s.apiIndicatorGet},
		apiRoute{Method: "PATCH", Path: "/indicators/{id}", Perm: auth.WriteIntel, Summary: "Change an indicator",
			Body: intel.IndicatorUpdate{}, Status: 200, Result: intel.Indicator{}, Handler: s.apiIndicatorUpdate},
		apiRoute{Method: "DELETE", Path: "/indicators/{id}", Perm: auth.WriteIntel, Summary: "Delete an indicator",
			Status: 204, Handler: s.apiIndicatorDelete},
		apiRoute{Method: "GET", Path: "/indicators/{id}/sightings", Perm: auth.ReadIntel, Summary: "Where and when an indicator was seen, latest first",
			Status: 200, Result: []intel.Sighting{}, Handler: s.apiIndicatorSightings},
		apiRoute{Method: "GET", Path: "/groups/{id}/sightings", Perm: auth.ReadIntel, Summary: "Sightings of the indicators of a group, latest first (at most 500), each with its indicator",
			Status: 200, Result: []intel.IndicatorSighting{}, Handler: s.apiGroupSightings},
		apiRoute{Method: "POST", Path: "/sightings", Perm: auth.WriteIntel, Summary: "Record a sighting of a stored indicator (by ID, or type and value)",
			Body: sightingInput{}, Status: 201, Result: intel.Sighting{}, Handler: s.apiSightingCreate},

		apiRoute{Method: "POST", Path: "/extract", Perm: auth.ReadIntel,
			Summary: "Find indicators in text (defanged or not); also takes multipart/form-data with a file, or text/plain with the options as query parameters",
			Query: []queryParam{
				{"types", "string", "text/plain bodies: comma-separated types to report (default all)"},
				{"refang", "boolean", "text/plain bodies: report canonical values (default true)"},
				{"warninglists", "boolean", "text/plain bodies: name the built-in warninglist a value is on (default false)"},
			},
			Body: extractInput{}, AlsoAccepts: extractMediaTypes(), Status: 200, Result: extractResult{}, Handler: s.apiExtract},
		apiRoute{Method: "POST", Path: "/extract/save", Perm: auth.WriteIntel,
			Summary: "Save indicators (as found by /extract) with their source, in one transaction",
			Body:    saveInput{}, Status: 200, Result: saveResult{}, Handler: s.apiExtractSave},

		apiRoute{Method: "GET", Path: "/sources", Perm: auth.ReadIntel, Summary: "List sources by name, each with its latest run",
			Status: 200, Result: intel.Page[sourceStatus]{}, Handler: s.apiSourceList},
		apiRoute{Method: "POST", Path: "/sources", Perm: auth.WriteIntel,
			Summary: "Define a source to collect; its credibility is scored from its site",
			Body:    sourceInput{}, Status: 201, Result: intel.Source{}, Handler: s.apiSourceCreate},
		apiRoute{Method: "GET", Path: "/sources/{id}", Perm: auth.ReadIntel, Summary: "One source",
			Status: 200, Result: intel.Source{}, Handler: s.apiSourceGet},
		apiRoute{Method: "PATCH", Path: "/sources/{id}", Perm: auth.WriteIntel,
			Summary: "Change a source's settings; only admins may set its credibility",
			Body:    intel.SourceUpdate{}, Status: 200, Result: intel.Source{}, Handler: s.apiSourceUpdate},
		apiRoute{Method: "POST", Path: "/sources/{id}/run", Perm: auth.WriteIntel,
			Summary: "Collect a source now, within the request (at most 4 minutes); answers the run, failed or not",
			Status:  200, Result: intel.CollectionRun{}, Handler: s.apiSourceRun},
		apiRoute{Method: "GET", Path: "/sources/{id}/runs", Perm: auth.ReadIntel, Summary: "A source's runs, newest first",
			Query:  []queryParam{{"limit", "integer", "at most this many runs, 1 to 500 (default 20)"}},
			Status: 200, Result: intel.Page[*intel.CollectionRun]{}, Handler: s.apiSourceRuns},
		apiRoute{Method: "GET", Path: "/runs", Perm: auth.ReadIntel, Summary: "The latest runs across sources, newest first",
			Query:  []queryParam{{"limit", "integer", "at most this many runs, 1 to 500 (default 20)"}},
			Status: 200, Result: intel.Page[*intel.CollectionRun]{}, Handler: s.apiRuns},

		apiRoute{Method: "GET", Path: "/search", Perm: auth.ReadIntel,
			Summary: "Full-text search, best first; a domain indicator's hit carries its reputation (as POST /reputation rates it, with what the base holds about the name)",
			Query: []queryParam{
				{"q", "string", "words to find; operators have no effect"},
				{"kind", "string", "document, indicator, group, technique, software or campaign; repeat or separate with commas"},
				{"limit", "integer", "at most this many hits, 1 to 500 (default 50)"},
				{"offset", "integer", "skip this many hits (paging)"},
			},
			Status: 200, Result: intel.Page[ratedHit]{}, Handler: s.apiSearch},
		apiRoute{Method: "GET", Path: "/counts", Perm: auth.ReadIntel, Summary: "How many of each thing the base holds, events (event, event_attributed, event_indicator) included",
			Status: 200, Result: intel.Counts{}, Handler: s.apiCounts},

		apiRoute{Method: "GET", Path: "/users", Perm: auth.ManageUsers, Summary: "List users",
			Status: 200, Result: intel.Page[*intel.User]{}, Handler: s.apiUserList},
		apiRoute{Method: "POST", Path: "/users", Perm: auth.ManageUsers, Summary: "Create a user",
			Body: userInput{}, Status: 201, Result: intel.User{}, Handler: s.apiUserCreate},
		apiRoute{Method: "PATCH", Path: "/users/{id}", Perm: auth.ManageUsers,
			Summary: "Change a user's role, enabled flag or password; a new password ends the user's other sessions, revoke_tokens revokes their API tokens",
			Body:    userPatch{}, Status: 200, Result: intel.User{}, Handler: s.apiUserUpdate},
		apiRoute{Method: "POST", Path: "/account/password", Perm: auth.ReadIntel,
			Summary: "Change your own password, giving the current one (browser session only); your other sessions end, and with revoke_tokens your API tokens",
			Body:    passwordInput{}, Status: 204, Handler: s.apiAccountPassword},

		apiRoute{Method: "GET", Path: "/tokens", Perm: auth.ReadIntel, Summary: "List your API tokens",
			Status: 200, Result: intel.Page[*intel.APIToken]{}, Handler: s.apiTokenList},
		apiRoute{Method: "POST", Path: "/tokens", Perm: auth.ReadIntel,
			Summary: "Create an API token with a scope (read, write, admin; at most your role) and an expiry (default 90 days); needs a browser session that entered its password in the last 10 minutes, or the password; the plain token is shown only in this answer",
			Body:    tokenInput{}, Status: 201, Result: tokenCreated{}, Handler: s.apiTokenCreate},
		apiRoute{Method: "DELETE", Path: "/tokens", Perm: auth.ReadIntel, Summary: "Revoke all your API tokens",
			Status: 204, Handler: s.apiTokenRevokeAll},
		apiRoute{Method: "DELETE", Path: "/tokens/{id}", Perm: auth.ReadIntel, Summary: "Revoke an API token (your own; admins any)",
			Status: 204, Handler: s.apiTokenRevoke},

		apiRoute{Method: "GET", Path: "/watches", Perm: auth.ReadIntel, Summary: "Your watches: groups, saved searches and indicator types you are told about",
			Status: 200, Result: intel.Page[*intel.Watch]{}, Handler: s.apiWatchList},
		apiRoute{Method: "POST", Path: "/watches", Perm: auth.ReadIntel,
			Summary: "Watch a group (target: name, alias or ATT&CK ID, or group_id), a saved search (target: its words; only later hits notify) or an indicator type",
			Body:    watchInput{}, Status: 201, Result: intel.Watch{}, Handler: s.apiWatchCreate},
		apiRoute{Method: "DELETE", Path: "/watches/{id}", Perm: auth.ReadIntel, Summary: "Stop a watch of yours",
			Status: 204, Handler: s.apiWatchDelete},
		apiRoute{Method: "GET", Path: "/notifications", Perm: auth.ReadIntel, Summary: "Your notifications, newest first, with the unread count",
			Query:  []queryParam{{"limit", "integer", "at most this many, 1 to 500 (default 50)"}},
			Status: 200, Result: notificationList{}, Handler: s.apiNotificationList},
		apiRoute{Method: "POST", Path: "/notifications/read", Perm: auth.ReadIntel, Summary: "Mark all your notifications read",
			Status: 204, Handler: s.apiNotificationsRead},
		apiRoute{Method: "GET", Path: "/webhooks", Perm: auth.ReadIntel, Summary: "Your webhooks, with the fingerprint of each secret (never the secret)",
			Status: 200, Result: intel.Page[*intel.Webhook]{}, Handler: s.apiWebhookList},
		apiRoute{Method: "POST", Path: "/webhooks", Perm: auth.ReadIntel,
			Summary: "Send your notifications to a URL (public addresses only), signed with HMAC-SHA256 (docs/security.md); a secret left out is generated and answered only here",
			Body:    webhookInput{}, Status: 201, Result: webhookCreated{}, Handler: s.apiWebhookCreate},
		apiRoute{Method: "DELETE", Path: "/webhooks/{id}", Perm: auth.ReadIntel, Summary: "Remove a webhook of yours and its delivery log",
			Status: 204, Handler: s.apiWebhookDelete},
		apiRoute{Method: "GET", Path: "/webhooks/{id}/deliveries", Perm: auth.ReadIntel, Summary: "A webhook's delivery log, newest first: every attempt with its status",
			Status: 200, Result: intel.Page[intel.WebhookDelivery]{}, Handler: s.apiWebhookDeliveries},

		apiRoute{Method: "GET", Path: "/audit", Perm: auth.ManageUsers, Summary: "The audit log, newest first",
			Query:  pageParams(queryParam{"user_id", "integer", "only this user's writes"}),
			Status: 200, Result: intel.Page[*intel.AuditEntry]{}, Handler: s.apiAudit},
		apiRoute{Method: "POST", Path: "/reputation", Perm: auth.ReadIntel,
			Summary: "Rate domain names (at most 10,000): reputation, score, category, tags and reasons per name, in input order; a string that is no domain name is rated invalid with its reason",
			Body:    reputationInput{}, Status: 200, Result: reputationAnswer{}, Handler: s.apiReputation},
		apiRoute{Method: "GET", Path: "/reputation/model", Perm: auth.ReadIntel,
			Summary: "The reputation model in use: where it comes from, how it was trained and the evaluation stored with it",
			Status:  200, Result: reputation.ModelView{}, Handler: s.apiReputationModel},
		apiRoute{Method: "GET", Path: "/reputation/whitelist", Perm: auth.ReadIntel, Summary: "The reputation whitelist, by domain",
			Status: 200, Result: intel.Page[intel.WhitelistEntry]{}, Handler: s.apiWhitelistList},
		apiRoute{Method: "POST", Path: "/reputation/whitelist", Perm: auth.WriteIntel,
			Summary: "Whitelist a domain and the names under it, with a reason (audited); again replaces the reason",
			Body:    whitelistInput{}, Status: 201, Result: intel.WhitelistEntry{}, Handler: s.apiWhitelistAdd},
		apiRoute{Method: "DELETE", Path: "/reputation/whitelist/{domain}", Perm: auth.WriteIntel,
			Summary: "Take a domain off the whitelist (audited with the reason given)",
			Query:   []queryParam{{"reason", "string", "why, for the audit log"}},
			Status:  204, Handler: s.apiWhitelistRemove},
		apiRoute{Method: "GET", Path: "/stix-objects", Perm: auth.ReadIntel, Summary: "STIX objects kept whole by imports, by STIX ID",
			Query: pageParams(queryParam{"type", "string", "only this STIX type"}, queryParam{"value", "string", "only objects that hold this value"},
				queryParam{"ref", "string", "only relationships and sightings that name this STIX ID"}, queryParam{"flagged", "boolean", "only flagged objects"}),
			Status: 200, Result: intel.Page[*intel.STIXObject]{}, Handler: s.apiSTIXObjectList},
		apiRoute{Method: "GET", Path: "/stix-objects/{stix_id}", Perm: auth.ReadIntel, Summary: "One kept STIX object with its JSON as written, the kept relationships that name it and the reports that cover it",
			Status: 200, Result: intel.STIXObjectView{}, Handler: s.apiSTIXObjectGet},
		apiRoute{Method: "GET", Path: "/forums", Perm: auth.ReadIntel, Summary: "Hacker forums with what is stored of each: sections, threads, authors, posts, first and last post",
			Status: 200, Result: []forum.Forum{}, Handler: s.apiForumList},
		apiRoute{Method: "POST", Path: "/forums", Perm: auth.ManageUsers,
			Summary: "Add a forum to crawl, or change the one of its name (admins): engine preset, start URLs, rate limit (\"2s\"), proxy, session cookie (sealed; never returned)",
			Body:    forum.Input{}, Status: 201, Result: forum.Forum{}, Handler: s.apiForumCreate},
		apiRoute{Method: "GET", Path: "/forums/{id}", Perm: auth.ReadIntel, Summary: "One forum with its sections and its ten key actors",
			Status: 200, Result: forumView{}, Handler: s.apiForumGet},
		apiRoute{Method: "GET", Path: "/forums/{id}/actors", Perm: auth.ReadIntel,
			Summary: "A forum's authors ranked by key-actor score (PageRank, HITS authority and hub, betweenness, k-core, activity over replies, quotes and thread co-participation), each with its score parts, rank by each, community and why",
			Query:   []queryParam{{"limit", "integer", "at most this many actors, 1 to 500 (default 50)"}}, Status: 200, Result: actors.Ranking{}, Handler: s.apiForumActors},
		apiRoute{Method: "GET", Path: "/forums/{id}/graph", Perm: auth.ReadIntel, Summary: "The author graph of a forum's best actors: nodes with score and community, ties with their reply, quote and co-participation weights",
			Query: []queryParam{{"limit", "integer", "the best this many actors, 2 to 2000 (default 150)"}}, Status: 200, Result: actors.GraphView{}, Handler: s.apiForumGraph},
		apiRoute{Method: "GET", Path: "/forums/{id}/events", Perm: auth.ReadIntel,
			Summary: "A forum's threat events (threads spoor forum events classified), newest first: kind of activity, poster role, tactic and techniques with scores, group and software, the opening post's text as collected and the entities found in it with byte offsets into its decoded title and text; with the forum's kinds, roles and techniques",
			Query: []queryParam{{"kind", "string", "only this kind of activity (release, trade, service, tutorial, request, recruitment, leak)"},
				{"technique", "string", "only events holding this ATT&CK technique or one of its sub-techniques"},
				{"since", "string", "first seen on or after this date (YYYY-MM-DD)"}, {"until", "string", "first seen on or before this date (YYYY-MM-DD)"},
				{"limit", "integer", "page size, 1 to 500 (default 50)"}, {"offset", "integer", "events to skip"}},
			Status: 200, Result: forum.EventPage{}, Handler: s.apiForumEvents},
		apiRoute{Method: "GET", Path: "/forums/{id}/authors/{author}", Perm: auth.ReadIntel,
			Summary: "An author's portrait: activity by weekday, hour of week and month with the inferred UTC offset, sections, terms, languages, score and rank, neighbours and community, indicators, contact strings, other handles that may be the same person, newest posts",
			Status:  200, Result: actors.Portrait{}, Handler: s.apiForumAuthor},
		apiRoute{Method: "GET", Path: "/openapi.json", Perm: public, Summary: "This document",
			Status: 200, Handler: s.apiOpenAPI},
	)
	return routes
}

// routes maps the whole surface: pages, static files and the API.
func (s *Server) routes() {
	// Public.
	s.handle("GET /static/{file...}", http.HandlerFunc(s.serveStatic))
	s.handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.handle("GET /readyz", http.HandlerFunc(s.readyz))
	s.handle("GET /login", http.HandlerFunc(s.loginPage))
	s.handle("POST /login", http.HandlerFunc(s.loginSubmit))
	s.handle("POST /logout", http.HandlerFunc(s.logout))

	// Reading.
	s.handle("GET /{$}", s.require(auth.ReadIntel, s.dashboard))
	s.handle("GET /search", s.require(auth.ReadIntel, s.searchPage))
	for _, op := range objectPaths() {
		s.handle("GET /"+op.Seg, s.require(auth.ReadIntel, s.objectListPage(op.Kind)))
		s.handle("GET /"+op.Seg+"/{id}", s.require(auth.ReadIntel, s.objectPage(op.Kind)))
	}
	s.handle("GET /documents", s.require(auth.ReadIntel, s.documentListPage))
	s.handle("GET /documents/{id}", s.require(auth.ReadIntel, s.documentPage))
	s.handle("GET /indicators", s.require(auth.ReadIntel, s.indicatorListPage))
	s.handle("GET /indicators/{id}", s.require(auth.ReadIntel, s.indicatorPage))
	s.handle("GET /events", s.require(auth.ReadIntel, s.eventsPage))
	s.handle("GET /events/{id}", s.require(auth.ReadIntel, s.eventPage))
	s.handle("GET /events/new", s.require(auth.WriteIntel, s.eventForm))
	s.handle("POST /events", s.require(auth.WriteIntel, s.eventSave))
	// Extracting only reads; saving the picks writes.
	s.handle("GET /extract", s.require(auth.ReadIntel, s.extractPage))
	s.handle("POST /extract", s.require(auth.ReadIntel, s.extractSubmit))
	s.handle("GET /graph", s.require(auth.ReadIntel, s.graphPage))
	s.handle("GET /attribute", s.require(auth.ReadIntel, s.attributePage))
	s.handle("POST /attribute", s.require(auth.ReadIntel, s.attributeSubmit))
	s.handle("GET /attribute/model", s.require(auth.ReadIntel, s.attributionModelPage))
	s.handle("POST /attribute/model/pin", s.require(auth.WriteIntel, s.modelPinForm))
	s.handle("POST /attribute/model/unpin", s.require(auth.WriteIntel, s.modelUnpinForm))
	s.handle("GET /duplicates", s.require(auth.ReadIntel, s.duplicatesPage))
	s.handle("GET /stix-objects", s.require(auth.ReadIntel, s.stixObjectsPage))
	s.handle("GET /stix-objects/{stix_id}", s.require(auth.ReadIntel, s.stixObjectPage))
	s.handle("GET /reputation", s.require(auth.ReadIntel, s.reputationPage))
	s.handle("POST /reputation", s.require(auth.ReadIntel, s.reputationSubmit))
	s.handle("GET /reputation/model", s.require(auth.ReadIntel, s.reputationModelPage))
	s.handle("GET /reputation/whitelist", s.require(auth.ReadIntel, s.whitelistPage))
	s.handle("GET /forums", s.require(auth.ReadIntel, s.forumsPage))
	s.handle("GET /forums/{id}", s.require(auth.ReadIntel, s.forumPage))
	s.handle("GET /forums/{id}/graph", s.require(auth.ReadIntel, s.forumGraphPage))
	s.handle("GET /forums/{id}/events", s.require(auth.ReadIntel, s.forumEventsPage))
	s.handle("GET /forums/{id}/authors/{author}", s.require(auth.ReadIntel, s.forumAuthorPage))
	s.handle("GET /sources", s.require(auth.ReadIntel, s.sourcesPage))
	s.handle("GET /sources/{id}", s.require(auth.ReadIntel, s.sourcePage))

	// Writing intelligence: HTML forms post; deletes have a confirm page.
	s.handle("GET /groups/new", s.require(auth.WriteIntel, s.groupForm))
	s.handle("POST /groups", s.require(auth.WriteIntel, s.groupSave))
	s.handle("GET /groups/{id}/edit", s.require(auth.WriteIntel, s.groupForm))
	s.handle("POST /groups/{id}", s.require(auth.WriteIntel, s.groupSave))
	s.handle("GET /groups/{id}/delete", s.require(auth.WriteIntel, s.deleteConfirm("groups")))
	s.handle("POST /groups/{id}/delete", s.require(auth.WriteIntel, s.groupDelete))
	s.handle("POST /groups/{id}/merge", s.require(auth.WriteIntel, s.groupMergeForm))
	s.handle("POST /groups/{id}/split", s.require(auth.WriteIntel, s.groupSplitForm))
	s.handle("GET /documents/new", s.require(auth.WriteIntel, s.documentForm))
	s.handle("POST /documents", s.require(auth.WriteIntel, s.documentSave))
	s.handle("GET /documents/{id}/edit", s.require(auth.WriteIntel, s.documentForm))
	s.handle("POST /documents/{id}", s.require(auth.WriteIntel, s.documentSave))
	s.handle("GET /documents/{id}/delete", s.require(auth.WriteIntel, s.deleteConfirm("documents")))
	s.handle("POST /documents/{id}/delete", s.require(auth.WriteIntel, s.documentDelete))
	s.handle("POST /documents/{id}/review", s.require(auth.WriteIntel, s.documentReviewForm))
	s.handle("GET /indicators/new", s.require(auth.WriteIntel, s.indicatorForm))
	s.handle("POST /indicators", s.require(auth.WriteIntel, s.indicatorSave))
	s.handle("GET /indicators/{id}/edit", s.require(auth.WriteIntel, s.indicatorForm))
	s.handle("POST /indicators/{id}", s.require(auth.WriteIntel, s.indicatorSave))
	s.handle("GET /indicators/{id}/delete", s.require(auth.WriteIntel, s.deleteConfirm("indicators")))
	s.handle("POST /indicators/{id}/delete", s.require(auth.WriteIntel, s.indicatorDelete))
	s.handle("POST /extract/save", s.require(auth.WriteIntel, s.extractSave))
	s.handle("POST /duplicates/distinct", s.require(auth.WriteIntel, s.distinctForm))
	s.handle("POST /reputation/whitelist", s.require(auth.WriteIntel, s.whitelistAddForm))
	s.handle("POST /reputation/whitelist/remove", s.require(auth.WriteIntel, s.whitelistRemoveForm))
	// Sources: analysts add, tune and run them; the credibility form is
	// checked for an admin inside, as the API's PATCH is.
	s.handle("POST /sources", s.require(auth.WriteIntel, s.sourceAdd))
	// A forum's configuration may carry a session cookie: admins only.
	s.handle("POST /forums", s.require(auth.ManageUsers, s.forumAdd))
	s.handle("POST /sources/{id}", s.require(auth.WriteIntel, s.sourceUpdateForm))
	s.handle("POST /sources/{id}/run", s.require(auth.WriteIntel, s.sourceRunForm))

	// TAXII 2.1 (taxii.go): read-only; each handler checks its caller
	// and answers in the TAXII media type and error format.
	s.handle("GET /taxii2/{$}", http.HandlerFunc(s.taxiiDiscovery))
	s.handle("GET /taxii2/api/{$}", http.HandlerFunc(s.taxiiAPIRoot))
	s.handle("GET /taxii2/api/collections/{$}", http.HandlerFunc(s.taxiiCollections))
	s.handle("GET /taxii2/api/collections/{coll}/{$}", http.HandlerFunc(s.taxiiCollectionGet))
	s.handle("GET /taxii2/api/collections/{coll}/objects/{$}", s.taxiiList("objects"))
	s.handle("GET /taxii2/api/collections/{coll}/objects/{object}/{$}", s.taxiiList("objects"))
	s.handle("GET /taxii2/api/collections/{coll}/objects/{object}/versions/{$}", s.taxiiList("versions"))
	s.handle("GET /taxii2/api/collections/{coll}/manifest/{$}", s.taxiiList("manifest"))
	s.handle("/taxii2/", http.HandlerFunc(s.taxiiRefuse))

	// Feeds (feeds.go): each handler checks its caller and answers in
	// plain text; the exports page builds the same request.
	s.handle("GET /feeds/{format}", http.HandlerFunc(s.feed))
	s.handle("GET /exports", s.require(auth.ReadIntel, s.exportsPage))
	s.handle("GET /exports/download", s.require(auth.ReadIntel, s.exportDownload))

	// Watches, notifications, webhooks (watches.go): each user their own.
	s.handle("GET /watches", s.require(auth.ReadIntel, s.watchesPage))
	s.handle("POST /watches", s.require(auth.ReadIntel, s.watchAdd))
	s.handle("POST /watches/{id}/delete", s.require(auth.ReadIntel, s.watchRemove))
	s.handle("POST /webhooks", s.require(auth.ReadIntel, s.webhookAdd))
	s.handle("POST /webhooks/{id}/delete", s.require(auth.ReadIntel, s.webhookRemove))
	s.handle("GET /notifications", s.require(auth.ReadIntel, s.notificationsPage))
	s.handle("POST /notifications/read", s.require(auth.ReadIntel, s.notificationsRead))

	// Own account and API tokens: every signed-in user.
	s.handle("GET /account", s.require(auth.ReadIntel, s.accountPage))
	s.handle("POST /account/password", s.require(auth.ReadIntel, s.accountPasswordForm))
	s.handle("GET /tokens", s.require(auth.ReadIntel, s.tokensPage))
	s.handle("POST /tokens", s.require(auth.ReadIntel, s.tokenCreate))
	s.handle("POST /tokens/revoke-all", s.require(auth.ReadIntel, s.tokenRevokeAll))
	s.handle("POST /tokens/{id}/revoke", s.require(auth.ReadIntel, s.tokenRevoke))

	// Administration.
	s.handle("GET /users", s.require(auth.ManageUsers, s.usersPage))
	s.handle("POST /users", s.require(auth.ManageUsers, s.userCreate))
	s.handle("POST /users/{id}", s.require(auth.ManageUsers, s.userUpdate))
	s.handle("GET /audit", s.require(auth.ManageUsers, s.auditPage))

	// JSON API.
	for _, rt := range s.apiRoutes() {
		h := http.Handler(rt.Handler)
		if rt.Perm != public {
			h = s.require(rt.Perm, rt.Handler)
		}
		s.handle(rt.Method+" /api/v1"+rt.Path, h)
	}

	// Everything else: 404 (or 405) in the shape of its side.
	s.handle("/", http.HandlerFunc(s.noRoute))
}

// extractMediaTypes documents the other bodies POST /extract takes.
func extractMediaTypes() map[string]any {
	str := map[string]any{"type": "string"}
	boolean := map[string]any{"type": "boolean"}
	return map[string]any{
		"multipart/form-data": map[string]any{"type": "object", "properties": map[string]any{
			"text":         str,
			"file":         map[string]any{"type": "string", "format": "binary", "description": "a text file, instead of text"},
			"types":        map[string]any{"type": "array", "items": str},
			"refang":       boolean,
			"warninglists": boolean,
		}},
		"text/plain": str,
	}
}
