package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
	"github.com/spoor/spoor/internal/secret"
)

// Store is what collection needs of the store: a sink for what it reads,
// and the source and run records.
type Store interface {
	Sink
	// ImportIndicators writes an IOC list through the bulk path.
	ImportIndicators(ctx context.Context, b *intel.IndicatorBatch, progress func(done, total int)) (*intel.ImportStats, error)
	// ImportReport writes a report with its indicators and mentions;
	// MentionDictionary lists the names to link report text to.
	ImportReport(ctx context.Context, imp *intel.ReportImport) (*intel.ImportStats, error)
	MentionDictionary(ctx context.Context) ([]intel.NameEntry, error)
	FindFetchState(ctx context.Context, url string) (*intel.FetchState, error)
	SaveFetchState(ctx context.Context, st *intel.FetchState) error
	FindTAXIIState(ctx context.Context, source, collection string) (*intel.TAXIIState, error)
	SaveTAXIIState(ctx context.Context, st *intel.TAXIIState) error
	// FindSourceMarks and SaveSourceMarks keep what a source's last
	// collection read (a MISP feed's event timestamps).
	FindSourceMarks(ctx context.Context, sourceID int64, kind string) (map[string]int64, error)
	SaveSourceMarks(ctx context.Context, sourceID int64, kind string, marks map[string]int64) error
	// ResetCollectionState forgets a source's marks, TAXII positions and
	// HTTP validators (Options.Full).
	ResetCollectionState(ctx context.Context, src *intel.Source) error
	UpsertSource(ctx context.Context, src *intel.Source) error
	StartRun(ctx context.Context, sourceID int64, startedBy string) (*intel.CollectionRun, error)
	FinishRun(ctx context.Context, run *intel.CollectionRun) error
	// RenewRun extends a running collection's lease (intel.RunLease).
	RenewRun(ctx context.Context, runID int64) error
	// ReportRunProgress records a running collection's records done of
	// total, for every replica's Sources page.
	ReportRunProgress(ctx context.Context, runID int64, done, total int) error
	ClaimDueSource(ctx context.Context, now time.Time) (*intel.Source, error)
	// The stored group fingerprints, rebuilt after collections that
	// changed the base (RefreshAnalysis).
	fingerprint.Store
	FindFingerprintBuild(ctx context.Context) (*intel.FingerprintBuild, error)
	// The stored reports' readings, linked again before each rebuild.
	ReadingStore
}

// Format reads one kind of input into the store. Run gets the source with
// its effective credibility and the reader of its location; a format that
// reaches its location itself (a TAXII server, a feed directory, a report
// page through the polite crawler) has Pull instead.
type Format struct {
	Name  string
	Kind  intel.SourceKind
	Short string // one line for listings
	Run   func(ctx context.Context, st Store, r io.Reader, name string, src *intel.Source, progress func(done, total int)) (*intel.ImportStats, error)
	Pull  func(ctx context.Context, st Store, src *intel.Source, location string, progress func(done, total int)) (*intel.ImportStats, error)
}

// Collector runs sources: the one code path behind `spoor import`,
// `spoor collect`, the scheduler, the API and the Sources page.
type Collector struct {
	Store       Store
	Formats     map[string]Format
	Credibility *Credibility
	// Stdin is the reader of location "-"; nil refuses it (a server).
	Stdin io.Reader
	// Files reads the sources' server paths: AnyFile for a person at a
	// terminal, the import directories for a server. Nil reads no files,
	// so a collector is safe to serve unless told otherwise.
	Files Files
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// PDFToText is the path of poppler's pdftotext, used for PDF reports
	// when set (the caller looks it up; this package reads no environment).
	PDFToText string
	// LeaseRenewal is how often a running collection renews its lease;
	// intel.RunLease/3 when zero.
	LeaseRenewal time.Duration
	// ProgressEvery is how often a running collection's progress is
	// written to its run; a second when zero.
	ProgressEvery time.Duration
	// Notify hears of every collection that changed the base, once its
	// run is recorded (watches and their notifications); nil hears none.
	Notify Notifier
	// Secrets opens the secret options the store keeps sealed, where a
	// format uses one (a TAXII password or token, a MISP feed's authkey);
	// without it only plain legacy values can be used.
	Secrets secret.Opener
	// Reputation, when set, flags the domains of IOC lists that are on
	// domain reputation's popularity list ("popular-domains") or the
	// reputation whitelist ("reputation-whitelist"), as warninglisted
	// values are flagged: kept, and marked on the indicator.
	Reputation *reputation.Service

	// fetchers are the report fetchers (private addresses refused,
	// allowed), built on first use; see reportFetcher.
	fetchers     [2]*crawl.Fetcher
	fetchersOnce [2]sync.Once

	// analysis guards stale: a collection changed the base since the
	// stored fingerprints were last rebuilt.
	analysis sync.Mutex
	stale    bool
}

// NewCollector returns a collector with the built-in formats.
func NewCollector(st Store, cred *Credibility) *Collector {
	if cred == nil {
		cred = DefaultCredibility()
	}
	c := &Collector{Store: st, Credibility: cred}
	c.Formats = c.formats()
	return c
}

func (c *Collector) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// FormatNames lists the formats the collector reads, sorted.
func (c *Collector) FormatNames() []string {
	var names []string
	for n := range c.Formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Options tune one collection.
type Options struct {
	// From reads this location instead of the source's own (an offline
	// mirror of the public file); the source keeps its location.
	From string
	// Trigger says who started the run: "cli", "schedule", "api", "ui".
	Trigger string
	// Progress, if not nil, is called with (done, total) records.
	Progress func(done, total int)
	// Full reads everything again: the source's incremental state (MISP
	// feed marks, TAXII added_after, HTTP validators) is forgotten first.
	Full bool
}

// Collect reads a source once: it saves the source (scoring its
// credibility unless an admin fixed it), records a run, reads the
// location with the source's format in one transaction, and records how
// the run ended. The run is returned even when it failed.
func (c *Collector) Collect(ctx context.Context, src *intel.Source, opts Options) (*intel.CollectionRun, error) {
	f, ok := c.Formats[src.Format]
	if !ok {
		return nil, intel.Errorf(intel.CodeInvalid, "source %q: unknown format %q (known: %v)", src.Name, src.Format, c.FormatNames())
	}
	if src.Kind == "" {
		src.Kind = f.Kind
	}
	c.score(src)
	if err := c.Store.UpsertSource(ctx, src); err != nil {
		return nil, fmt.Errorf("source %q: %w", src.Name, err)
	}
	run, err := c.Store.StartRun(ctx, src.ID, opts.Trigger)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", src.Name, err)
	}
	if opts.Full {
		if err := c.Store.ResetCollectionState(ctx, src); err != nil {
			run.Status, run.Error = intel.RunFailed, intel.ErrorMessage(err)
			if ferr := c.Store.FinishRun(ctx, run); ferr != nil {
				err = errors.Join(err, ferr)
			}
			return run, fmt.Errorf("source %q: %w", src.Name, err)
		}
	}
	readCtx, cancel := context.WithCancelCause(ctx)
	stopRenewing := c.holdLease(readCtx, run.ID, cancel)
	readOpts := opts
	progress, stopReporting := c.reportProgress(readCtx, run.ID, opts.Progress)
	readOpts.Progress = progress
	stats, err := c.readSafely(readCtx, f, src, readOpts)
	stopReporting()
	stopRenewing()
	if cause := context.Cause(readCtx); err != nil && errors.Is(cause, errLeaseLost) {
		err = cause
	}
	cancel(nil)
	run.Stats = stats
	if err != nil {
		run.Status, run.Error = intel.RunFailed, intel.ErrorMessage(err)
		if intel.ErrorCode(err) == intel.CodeInternal {
			run.Error = err.Error()
		}
	} else {
		run.Status = intel.RunOK
		if changedBase(stats) {
			c.analysis.Lock()
			c.stale = true
			c.analysis.Unlock()
		}
	}
	if ferr := c.Store.FinishRun(ctx, run); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return run, fmt.Errorf("source %q: %w", src.Name, err)
	}
	if c.Notify != nil && changedBase(stats) {
		if run.SourceName == "" {
			run.SourceName = src.Name
		}
		c.Notify.Collected(ctx, run)
	}
	return run, nil
}

// Notifier hears of what collections add (notify.Service). It reports
// its own failures: a collection never fails for its notifications.
type Notifier interface {
	Collected(ctx context.Context, run *intel.CollectionRun)
}

// errLeaseLost ends a collection whose run another process found dead
// and interrupted (its lease had expired): the import is abandoned, and
// rolls back, rather than run beside the new one.
var errLeaseLost = intel.Errorf(intel.CodeConflict, "lease lost: another process interrupted this run")

// holdLease renews a run's lease every third of intel.RunLease until
// the returned stop is called, so that a long collection keeps its source
// while a dead one frees it. When the run is no longer running (another
// process interrupted it) it cancels the collection with errLeaseLost;
// other renewal errors are left to the next tick.
func (c *Collector) holdLease(ctx context.Context, runID int64, cancel context.CancelCauseFunc) (stop func()) {
	every := c.LeaseRenewal
	if every <= 0 {
		every = intel.RunLease / 3
	}
	return tick(ctx, every, func() bool {
		if err := c.Store.RenewRun(ctx, runID); intel.ErrorCode(err) == intel.CodeNotFound {
			cancel(errLeaseLost)
			return false
		}
		return true
	})
}

// tick calls fn every d from a goroutine until fn returns false, ctx is
// done or stop is called; stop waits for a call under way to end.
func tick(ctx context.Context, d time.Duration, fn func() bool) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if !fn() {
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// reportProgress returns the progress callback of a run: it calls next
// (the caller's, if any) and keeps the latest count, which a goroutine
// writes to the run every ProgressEvery until stop. The import never
// waits for the write: on SQLite an import's transaction holds the one
// writer, and the progress of that stretch is written once it commits.
func (c *Collector) reportProgress(ctx context.Context, runID int64, next func(done, total int)) (progress func(done, total int), stop func()) {
	var mu sync.Mutex
	var done, total int
	changed := false
	progress = func(d, t int) {
		mu.Lock()
		done, total, changed = d, t, true
		mu.Unlock()
		if next != nil {
			next(d, t)
		}
	}
	every := c.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	stop = tick(ctx, every, func() bool {
		mu.Lock()
		d, n, ok := done, total, changed
		changed = false
		mu.Unlock()
		if ok {
			// A lost report is followed by the next one; the run's end is
			// recorded by FinishRun whatever happens here.
			_ = c.Store.ReportRunProgress(ctx, runID, d, n)
		}
		return true
	})
	return progress, stop
}

// readSafely is read with a parser's panic turned into the run's error:
// hostile input must fail its run, recorded, not take the server (or the
// source's lease) with it.
func (c *Collector) readSafely(ctx context.Context, f Format, src *intel.Source, opts Options) (stats *intel.ImportStats, err error) {
	defer func() {
		if r := recover(); r != nil {
			stats, err = nil, &intel.Error{Code: intel.CodeInternal, Message: fmt.Sprintf("reading %s failed: %v", src.Name, r)}
		}
	}()
	return c.read(ctx, f, src, opts)
}

func (c *Collector) read(ctx context.Context, f Format, src *intel.Source, opts Options) (*intel.ImportStats, error) {
	location := src.Location
	if opts.From != "" {
		location = opts.From
	}
	if location == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "source %q has no location", src.Name)
	}
	if f.Pull != nil {
		return f.Pull(ctx, c.Store, src, location, opts.Progress)
	}
	r, name, err := c.open(ctx, location, src.AllowPrivate)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return f.Run(ctx, c.Store, r, name, src, opts.Progress)
}

// files is the collector's rule for server paths.
func (c *Collector) files() Files {
	if c.Files == nil {
		return (*ImportDirs)(nil)
	}
	return c.Files
}

// open opens a location under the collector's rules: its stdin, its
// Files, and the source's private-address setting.
func (c *Collector) open(ctx context.Context, location string, allowPrivate bool) (io.ReadCloser, string, error) {
	return openLocation(ctx, location, c.Stdin, allowPrivate, c.files())
}

// CheckLocation refuses a location the collector would not read: a
// server path outside its import directories (Files.Check). URLs and
// "-" are judged when read.
func (c *Collector) CheckLocation(location string) error {
	if location == "-" || isURL(location) {
		return nil
	}
	return c.files().Check(location)
}

// RunDue collects every source that is due at the collector's clock, one
// after another, until none is left or ctx ends. It returns the runs; a
// failed run is recorded and does not stop the others.
func (c *Collector) RunDue(ctx context.Context) ([]*intel.CollectionRun, error) {
	var runs []*intel.CollectionRun
	for ctx.Err() == nil {
		src, err := c.Store.ClaimDueSource(ctx, c.now())
		if err != nil {
			return runs, err
		}
		if src == nil {
			return runs, nil
		}
		run, _ := c.Collect(ctx, src, Options{Trigger: "schedule"})
		if run != nil {
			runs = append(runs, run)
		}
	}
	if _, err := c.RefreshAnalysis(ctx); err != nil {
		return runs, err
	}
	return runs, ctx.Err()
}

// changedBase says whether an import wrote anything.
func changedBase(stats *intel.ImportStats) bool {
	if stats == nil {
		return false
	}
	for _, n := range stats.Counts {
		if n.Created+n.Updated > 0 {
			return true
		}
	}
	return false
}

// RefreshAnalysis rebuilds the stored group fingerprints when a collection
// by this collector changed the base since the last rebuild, or when none
// was ever built; it returns nil when nothing was to do. The stored
// reports' entities are linked again first (RereadReports, without reading
// unread documents), so that a name a collection added (a new alias in an
// ATT&CK release) links the reports that already named it, and their
// events reach the fingerprints. Callers run it
// after a batch of collections (the end of `spoor collect`, each round of
// the scheduler) rather than after each source.
func (c *Collector) RefreshAnalysis(ctx context.Context) (*intel.FingerprintBuild, error) {
	c.analysis.Lock()
	defer c.analysis.Unlock()
	if !c.stale {
		_, err := c.Store.FindFingerprintBuild(ctx)
		if err == nil {
			return nil, nil
		}
		if intel.ErrorCode(err) != intel.CodeNotFound {
			return nil, err
		}
	}
	if _, err := RereadReports(ctx, c.Store, false); err != nil {
		return nil, err
	}
	b, err := fingerprint.Rebuild(ctx, c.Store)
	if err != nil {
		return nil, err
	}
	c.stale = false
	return b, nil
}

// Schedule calls RunDue every interval until ctx ends; report, if not
// nil, sees each run (for logging).
func (c *Collector) Schedule(ctx context.Context, every time.Duration, report func(*intel.CollectionRun, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		runs, err := c.RunDue(ctx)
		if report != nil {
			for _, r := range runs {
				report(r, nil)
			}
			if err != nil && ctx.Err() == nil {
				report(nil, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Define saves a source to collect later (the Sources page, `spoor
// source add`): its format must be known and its credibility is scored
// from its site unless an admin fixed it.
func (c *Collector) Define(ctx context.Context, src *intel.Source) error {
	if _, ok := c.Formats[src.Format]; !ok {
		return intel.Errorf(intel.CodeInvalid, "unknown format %q (known: %v)", src.Format, c.FormatNames())
	}
	if src.Location == "" {
		return intel.Errorf(intel.CodeInvalid, "source %q needs a location (URL or path)", src.Name)
	}
	if src.Kind == "" {
		src.Kind = c.Formats[src.Format].Kind
	}
	// The input rules first, so that "ftp://…" is refused as a URL
	// rather than judged as a server path.
	if err := src.Validate(); err != nil {
		return err
	}
	if err := c.CheckLocation(src.Location); err != nil {
		return err
	}
	c.score(src)
	return c.Store.UpsertSource(ctx, src)
}

// reveal returns the function that gives the plain value of one of src's
// secret options. Formats call it where they use the value, so the plain
// credential lives only in the request that needs it. A value that does
// not open is an error naming the source and the option; the stored
// ciphertext is left as it is.
func (c *Collector) reveal(src *intel.Source) func(option string) (string, error) {
	return func(option string) (string, error) {
		v, err := secret.SourceOption(src.Name, option).Reveal(c.Secrets, src.Options[option])
		if err != nil {
			return "", &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
		}
		return v, nil
	}
}

// score sets the source's credibility from its site, unless an admin
// fixed it: the site is its URL, or else its location.
func (c *Collector) score(src *intel.Source) {
	if src.CredibilityManual {
		return
	}
	where := src.URL
	if where == "" {
		where = src.Location
	}
	src.Credibility, src.CredibilityReason = c.Credibility.Score(where)
}
