package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store"
)

// notData are the tables of the schema that hold no data to copy; the
// copy test checks every other table, read from the engine's own catalog
// (not from the store's), so a table the copier skips fails it.
// data_generation counts each database's own writes; a copy moves the
// target's (checked in testCopyAgain), it does not carry the source's.
var notData = []string{"schema_migrations", "indicators_fts_pause", "data_generation"}

// RunCopy checks store.Copy from stores that from opens to stores that
// to opens (the same engine or two).
func RunCopy(t *testing.T, from, to Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, from, to Opener)
	}{
		{"EveryTable", testCopyEveryTable},
		{"Again", testCopyAgain},
		{"IDsContinue", testCopyIDsContinue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, from, to)
		})
	}
}

// FillEveryTable writes through the store's own methods until every
// table of the schema holds rows: imports of every kind, a merge and a
// split, users, sessions and tokens, runs and collection state. When a
// migration adds a table, this must learn to fill it, or the copy test
// says which table it left empty.
func FillEveryTable(t testing.TB, s *store.Store) {
	t.Helper()
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: 1, Login: "filler"})
	mustT := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fill: %s: %v", what, err)
		}
	}
	_, err := s.ImportBundle(ctx, FixtureBundle(), nil)
	mustT("import the fixture bundle", err)
	b, l := stixBundle()
	_, err = s.ImportBundle(ctx, b, nil)
	mustT("import the STIX bundle", err)
	_, err = s.ImportLinks(ctx, l)
	mustT("import the STIX links", err)
	_, err = s.ImportIndicators(ctx, iocBatch(), nil)
	mustT("import the IOC list", err)
	_, err = s.ImportBundle(ctx, keptBundle(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "C2 cluster"), nil)
	mustT("import the kept STIX objects", err)

	dict, err := s.MentionDictionary(ctx)
	mustT("dictionary", err)
	doc, err := report.Text([]byte(reportText), "r.txt", "https://labs.example.com/paper-kite", report.Options{})
	mustT("read the report", err)
	known := report.NewKnown(append(dict, report.Vocabulary()...))
	rimp := report.BuildImport(doc, report.Analyze(doc.Text, known), report.ImportOptions{
		Source: intel.Source{Name: "paper-kite-labs", Kind: intel.SourceReport, Credibility: 0.6, TLP: intel.TLPGreen},
	})
	if k := strings.Index(rimp.Document.Text, "APT28"); k >= 0 {
		rimp.Entities = []intel.EntityMention{{Type: "HackOrg", Text: "APT28", Start: k, End: k + 5, Confidence: 0.9, Model: "fill"}}
	}
	rimp.Techniques = []intel.TechniqueMention{{Technique: "T1059.001", Score: 1, Method: "id", Sentence: "The actor ran PowerShell (T1059.001)", Model: "fill"}}
	_, err = s.ImportReport(ctx, rimp)
	mustT("import the report", err)
	mustT("review a mapping", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: rimp.Document.ID, Kind: intel.ReviewTechnique,
		Technique: "T1059.001", Decision: intel.ReviewConfirmed}))

	apt28, err := s.FindObjectByName(ctx, intel.KindGroup, "APT28")
	mustT("find APT28", err)
	apt29, err := s.FindObjectByName(ctx, intel.KindGroup, "APT29")
	mustT("find APT29", err)
	_, err = s.MergeObjects(ctx, apt28.ID, apt29.ID, "one actor, for the copy test")
	mustT("merge", err)
	_, err = s.SplitObject(ctx, apt28.ID, []string{"intrusion-set--29"}, "two actors after all")
	mustT("split", err)
	_, err = s.SaveFingerprints(ctx, []intel.Fingerprint{{GroupID: apt28.ID, Events: 1, Profile: []byte(`{"v":1}`)}}, time.Millisecond)
	mustT("save fingerprints", err)
	apt29, err = s.FindObjectByName(ctx, intel.KindGroup, "APT29")
	mustT("find APT29 after the split", err)
	mustT("mark distinct", s.MarkGroupsDistinct(ctx, apt28.ID, apt29.ID, "two actors"))

	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	u := &intel.User{Login: "copier", Role: intel.RoleAnalyst, Enabled: true, PasswordHash: "$argon2id$v=19$m=256,t=1,p=1$c2FsdA$aGFzaA", CreatedAt: now}
	mustT("create user", s.CreateUser(ctx, u))
	mustT("create session", s.CreateSession(ctx, &intel.Session{TokenHash: "session-hash", UserID: u.ID, CSRFToken: "csrf",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	mustT("create token", s.CreateAPIToken(ctx, &intel.APIToken{UserID: u.ID, Name: "ci", Prefix: "spr_abcd", Hash: "token-hash",
		Scope: intel.ScopeRead, CreatedAt: now, ExpiresAt: now.Add(90 * 24 * time.Hour)}))
	w := &intel.Watch{UserID: u.ID, Kind: intel.WatchType, Target: "domain"}
	mustT("create watch", s.CreateWatch(ctx, w))
	n := &intel.Notification{UserID: u.ID, WatchID: w.ID, Event: intel.NotifyCollection, Title: "2 domain indicators new or changed", Hits: 2}
	mustT("notify", s.CreateNotifications(ctx, []*intel.Notification{n}))
	s.UseSecrets(secret.NewBox(secret.NewKey()))
	h := &intel.Webhook{UserID: u.ID, Name: "soc", URL: "https://hooks.example.com/spoor"}
	mustT("create webhook", s.CreateWebhook(ctx, h, "0123456789abcdef-secret"))
	mustT("record delivery", s.RecordDelivery(ctx, &intel.WebhookDelivery{WebhookID: h.ID, NotificationID: n.ID, Attempt: 1,
		Status: intel.DeliveryOK, HTTPStatus: 204, At: now}))
	mustT("save model", s.SaveModel(ctx, &intel.Model{Kind: "attribution", Version: 1, Data: `{"trees":[]}`, CreatedAt: now}))

	src, err := s.FindSourceByName(ctx, "vendor")
	mustT("find source", err)
	run, err := s.StartRun(ctx, src.ID, "cli")
	mustT("start run", err)
	run.Status = intel.RunOK
	mustT("finish run", s.FinishRun(ctx, run))
	mustT("save marks", s.SaveSourceMarks(ctx, src.ID, "misp-feed", map[string]int64{"5f0c0a3e-1111": 1700000000}))
	mustT("save fetch state", s.SaveFetchState(ctx, &intel.FetchState{URL: "https://labs.example.com/paper-kite", ETag: `"v1"`, FetchedAt: now}))
	mustT("whitelist", s.AddWhitelist(ctx, &intel.WhitelistEntry{Domain: "vendor.example", Reason: "the vendor's site"}))
	_, err = s.SaveDomainReports(ctx, []*intel.DomainReport{{Domain: "paper-kite.example", AnalysedAt: now, Features: []float64{1, 0}, Report: `{}`}}, "copy test")
	mustT("save domain report", err)
	_, err = s.ImportForumPosts(ctx, "Copy Forum", store.ForumImport{Source: "dump.jsonl", Format: "jsonl"}, forumPosts())
	mustT("import forum posts", err)
	_, err = s.SaveForumCrawl(ctx, "Copy Forum", "t1", `{"Key":"t1"}`, []store.ForumCrawlPost{{Post: forumPosts()[0], Version: "v1"}})
	mustT("save forum crawl", err)
	forumSrc := &intel.Source{Name: "forum: Copy Forum", Kind: intel.SourceForum, Credibility: 0.2}
	mustT("forum source", s.UpsertSource(ctx, forumSrc))
	saves := forumEventSaves()
	for i := range saves {
		saves[i].Event.Key = strings.Replace(saves[i].Event.Key, "Events Forum", "Copy Forum", 1)
	}
	_, err = s.SaveForumEvents(ctx, forumSrc.ID, "Copy Forum", saves)
	mustT("save forum events", err)
	mustT("save TAXII state", s.SaveTAXIIState(ctx, &intel.TAXIIState{Source: "ACME TAXII", Collection: "c1", AddedAfter: now, LastPull: now, ObjectsTotal: 5}))
}

func testCopyEveryTable(t *testing.T, from, to Opener) {
	src, dst := from(t), to(t)
	FillEveryTable(t, src)
	tables := schemaTables(t, src)
	if got := schemaTables(t, dst); !slices.Equal(got, tables) {
		t.Fatalf("the engines' schemas differ:\nsource %v\ntarget %v", tables, got)
	}
	for _, table := range tables {
		if len(dumpTable(t, src, table)) == 0 {
			t.Errorf("FillEveryTable leaves table %s empty: fill it, so that the copy test covers it", table)
		}
	}
	ctx := context.Background()
	counts, err := store.Copy(ctx, dst, src, store.CopyOptions{})
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	var copied []string
	for _, c := range counts {
		copied = append(copied, c.Table)
		if c.Source != c.Target || c.Source == 0 {
			t.Errorf("copy of %s: %+v, want the same non-zero count", c.Table, c)
		}
	}
	slices.Sort(copied)
	if !slices.Equal(copied, tables) {
		t.Errorf("Copy copied tables %v, the schema has %v", copied, tables)
	}
	for _, table := range tables {
		if d := cmp.Diff(dumpTable(t, src, table), dumpTable(t, dst, table)); d != "" {
			t.Errorf("table %s differs after the copy (-source +target):\n%s", table, d)
		}
	}
	// What the indexes of the target's engine hold follows the rows:
	// search and the domain reads work on the copy.
	hits, err := dst.Search(ctx, intel.SearchQuery{Text: "Fancy Bear"})
	must(t, "search the copy", err)
	if len(hits) == 0 || hits[0].Title != "APT28" {
		t.Errorf("search of the copy for Fancy Bear: %+v, want APT28 first", hits)
	}
	want, err := src.Counts(ctx)
	must(t, "source counts", err)
	got, err := dst.Counts(ctx)
	must(t, "target counts", err)
	mustDiff(t, "domain counts", want, got)
	if err := dst.Check(ctx); err != nil {
		t.Errorf("the copy fails its integrity check: %v", err)
	}
}

func testCopyAgain(t *testing.T, from, to Opener) {
	src, dst := from(t), to(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: 1, Login: "filler"})
	FillEveryTable(t, src)
	// The target's counts are read before the copy, and kept: the copy
	// must move its data generation so that they are read afresh.
	countsBefore, err := dst.Counts(ctx)
	must(t, "target counts before", err)
	first, err := store.Copy(ctx, dst, src, store.CopyOptions{})
	must(t, "first copy", err)
	srcCounts, err := src.Counts(ctx)
	must(t, "source counts", err)
	dstCounts, err := dst.Counts(ctx)
	must(t, "target counts", err)
	if countsBefore["indicator"] != 0 || dstCounts["indicator"] == 0 {
		t.Errorf("target indicator count %d before the copy and %d after, want 0 and more", countsBefore["indicator"], dstCounts["indicator"])
	}
	mustDiff(t, "target counts after the copy", srcCounts, dstCounts)
	second, err := store.Copy(ctx, dst, src, store.CopyOptions{})
	must(t, "second copy", err)
	mustDiff(t, "counts of a second copy", first, second)
	wantSame(t, src, dst, "after a second copy")

	// The source changes: a changed row and a new one reach the target.
	ind := findIndicator(t, src, intel.IndicatorDomain, "c2.evil.test")
	desc := "changed after the first copy"
	_, err = src.UpdateIndicator(ctx, ind.ID, intel.IndicatorUpdate{Description: &desc})
	must(t, "update", err)
	must(t, "create", src.CreateDocument(ctx, &intel.Document{Title: "Written after the first copy"}))
	_, err = store.Copy(ctx, dst, src, store.CopyOptions{})
	must(t, "copy after changes", err)
	wantSame(t, src, dst, "after changes")

	// A row gone from the source: the target would keep it, so the copy
	// fails its count check and commits nothing, not even the update.
	before := dumpAll(t, dst)
	desc = "changed again"
	_, err = src.UpdateIndicator(ctx, ind.ID, intel.IndicatorUpdate{Description: &desc})
	must(t, "update", err)
	docs, err := src.FindDocuments(ctx, intel.DocumentFilter{})
	must(t, "documents", err)
	must(t, "delete", src.DeleteDocument(ctx, docs.Items[0].ID))
	counts, err := store.Copy(ctx, dst, src, store.CopyOptions{})
	wantCode(t, "copy onto a target with more rows", err, intel.CodeConflict)
	if !strings.Contains(intel.ErrorMessage(err), "documents (source") {
		t.Errorf("error %q does not name the documents table", intel.ErrorMessage(err))
	}
	if i := slices.IndexFunc(counts, func(c store.TableCopy) bool { return c.Table == "documents" }); i < 0 || counts[i].Target != counts[i].Source+1 {
		t.Errorf("counts of the failed copy: %+v", counts)
	}
	if d := cmp.Diff(before, dumpAll(t, dst)); d != "" {
		t.Errorf("a failed copy changed the target:\n%s", d)
	}
	// Replace makes the target an exact copy.
	_, err = store.Copy(ctx, dst, src, store.CopyOptions{Replace: true})
	must(t, "copy with replace", err)
	wantSame(t, src, dst, "after a replacing copy")
}

func testCopyIDsContinue(t *testing.T, from, to Opener) {
	src, dst := from(t), to(t)
	ctx := context.Background()
	FillEveryTable(t, src)
	_, err := store.Copy(ctx, dst, src, store.CopyOptions{})
	must(t, "copy", err)
	var largest int64
	page, err := src.FindIndicators(ctx, intel.IndicatorFilter{Limit: 500})
	must(t, "indicators", err)
	for _, i := range page.Items {
		largest = max(largest, i.ID)
	}
	// Without the sequences reset, PostgreSQL would hand out id 1 again.
	i := &intel.Indicator{Type: intel.IndicatorDomain, Value: "new-after-copy.example.net"}
	must(t, "create an indicator in the copy", dst.CreateIndicator(ctx, i))
	if i.ID != largest+1 {
		t.Errorf("new indicator id %d, want %d (after the copied ids)", i.ID, largest+1)
	}
	u := &intel.User{Login: "later", Role: intel.RoleReader, Enabled: true, CreatedAt: time.Now()}
	must(t, "create a user in the copy", dst.CreateUser(ctx, u))
}

// wantSame fails the test unless every table holds the same rows in both.
func wantSame(t *testing.T, a, b *store.Store, when string) {
	t.Helper()
	if d := cmp.Diff(dumpAll(t, a), dumpAll(t, b)); d != "" {
		t.Errorf("source and target differ %s (-source +target):\n%s", when, d)
	}
}

func dumpAll(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range schemaTables(t, s) {
		out[table] = dumpTable(t, s, table)
	}
	return out
}

// schemaTables lists the data tables as the engine's catalog has them.
func schemaTables(t testing.TB, s *store.Store) []string {
	t.Helper()
	var q string
	switch s.Dialect().Name() {
	case "sqlite":
		// FTS5 keeps each index in a virtual table and its shadow tables
		// (NAME_data, NAME_idx, NAME_docsize, NAME_config): the engine's.
		q = `SELECT t.name FROM sqlite_master t WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'
	AND t.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
	AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
		AND t.name IN (v.name || '_data', v.name || '_idx', v.name || '_docsize', v.name || '_config', v.name || '_content'))`
	case "postgres":
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	default:
		t.Fatalf("unknown dialect %s", s.Dialect().Name())
	}
	rows, err := s.DB().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(notData, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// dumpTable returns a table's rows, each its stored (not generated)
// columns by name, sorted, in a form both engines' values print alike.
func dumpTable(t testing.TB, s *store.Store, table string) []string {
	t.Helper()
	ctx := context.Background()
	var q string
	switch s.Dialect().Name() {
	case "sqlite":
		q = `SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0`
	case "postgres":
		q = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'`
	}
	rows, err := s.DB().QueryContext(ctx, q, table)
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	slices.Sort(cols)
	rows, err = s.DB().QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if b2, ok := v.([]byte); ok {
				v = string(b2)
			}
			fmt.Fprintf(&b, "%s=%#v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
