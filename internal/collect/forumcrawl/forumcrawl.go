package forumcrawl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/collect/crawl"
)

// Fetcher fetches one URL, conditionally when v is given. *crawl.Fetcher
// is one: robots.txt, rate limit and the private-address refusal are its
// job, not the crawler's.
type Fetcher interface {
	Get(ctx context.Context, url string, v *crawl.Validators) (*crawl.Response, error)
}

// maxErrors bounds the failures one run collects before it gives up: a
// forum that fails page after page is down or has changed its markup.
const maxErrors = 50

// Crawl collects the forum cfg describes into sink, through f. It reads
// the sink's thread states first, walks the start pages and the sections
// they link to, and for each thread listed reads the pages the sink does
// not have (see the package documentation). progress, if not nil, is
// called after every page.
//
// Pages that robots.txt disallows are skipped and counted. Other page
// failures do not stop the run; they are returned joined when it ends
// (errors.Is finds crawl.ErrPrivateAddress, crawl.ErrStatus, …). A
// cancelled context or a sink failure stops it at once; what was saved
// stays saved, and the next run continues from there.
func Crawl(ctx context.Context, cfg Config, f Fetcher, sink Sink, progress func(Progress)) (Stats, error) {
	c, err := cfg.compile()
	if err != nil {
		return Stats{}, err
	}
	known, err := sink.Known(ctx, cfg.Name)
	if err != nil {
		return Stats{}, fmt.Errorf("forum %s: thread states: %w", cfg.Name, err)
	}
	if known == nil {
		known = map[string]ThreadState{}
	}
	r := &run{c: c, f: f, sink: sink, progress: progress, known: known,
		visited: map[string]bool{}, threads: map[string]bool{}, categories: map[int]string{}}
	err = r.crawl(ctx)
	if err == nil && len(r.errs) > 0 {
		err = errors.Join(r.errs...)
	}
	return r.stats, err
}

type run struct {
	c        *compiled
	f        Fetcher
	sink     Sink
	progress func(Progress)
	known    map[string]ThreadState
	stats    Stats
	errs     []error

	visited    map[string]bool // listing URLs read this run
	threads    map[string]bool // thread keys read this run
	categories map[int]string  // Discourse category names by id
}

// fatal marks an error that ends the run.
type fatal struct{ err error }

func (f fatal) Error() string { return f.err.Error() }
func (f fatal) Unwrap() error { return f.err }

type queued struct{ url, section string }

func (r *run) crawl(ctx context.Context) error {
	var queue []queued
	for _, s := range r.c.cfg.Start {
		queue = append(queue, queued{url: s})
	}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if r.visited[q.url] || len(r.visited) >= r.c.cfg.MaxPages {
			continue
		}
		r.visited[q.url] = true
		lst, err := r.listing(ctx, q.url)
		if err != nil {
			if isFatal(err) {
				return unfatal(err)
			}
			continue
		}
		section := q.section
		if lst.Title != "" {
			section = lst.Title
		}
		var more []queued
		for _, s := range lst.Sections {
			if r.followed(s.URL) {
				more = append(more, queued{url: s.URL, section: s.Text})
			}
		}
		for _, t := range lst.Threads {
			if !r.followed(t.URL) || r.threads[t.Key] {
				continue
			}
			r.threads[t.Key] = true
			r.stats.Threads++
			sec := section
			if r.c.html == nil {
				if name, ok := r.categories[lst.cats[t.Key]]; ok {
					sec = name
				}
			}
			if err := r.thread(ctx, sec, t); err != nil {
				return unfatal(err)
			}
		}
		// The next listing page before the sections it links to, so a
		// section is read to its end before the next one begins.
		if lst.Next != "" && r.followed(lst.Next) {
			more = append([]queued{{url: lst.Next, section: section}}, more...)
		}
		queue = append(more, queue...)
	}
	return nil
}

func isFatal(err error) bool {
	var f fatal
	return errors.As(err, &f)
}

func unfatal(err error) error {
	var f fatal
	if errors.As(err, &f) {
		return f.err
	}
	return err
}

// followed reports whether u is on one of the forum's hosts: links off
// the forum are never fetched.
func (r *run) followed(u string) bool {
	p, err := url.Parse(u)
	return err == nil && r.c.hosts[strings.ToLower(p.Host)]
}

// get fetches u. A disallowed URL is counted and reported as errSkip; a
// cancelled context is fatal; other failures are kept for the end of the
// run (fatal once there are too many).
func (r *run) get(ctx context.Context, u string, v *crawl.Validators) (*crawl.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fatal{err}
	}
	resp, err := r.f.Get(ctx, u, v)
	if err == nil {
		return resp, nil
	}
	if ctx.Err() != nil {
		return nil, fatal{ctx.Err()}
	}
	if errors.Is(err, crawl.ErrDisallowed) {
		r.stats.Disallowed++
		return nil, errSkip
	}
	return nil, r.fail(fmt.Errorf("forum %s: %w", r.c.cfg.Name, err))
}

var errSkip = errors.New("skipped")

func (r *run) fail(err error) error {
	r.errs = append(r.errs, err)
	if len(r.errs) >= maxErrors {
		return fatal{fmt.Errorf("forum %s: %d failures, giving up: %w", r.c.cfg.Name, len(r.errs), errors.Join(r.errs...))}
	}
	return err
}

// listingPage is a parsed listing with, for Discourse, each topic's
// category id.
type listingPage struct {
	*listing
	cats map[string]int
}

func (r *run) listing(ctx context.Context, u string) (listingPage, error) {
	resp, err := r.get(ctx, u, nil)
	if err != nil {
		return listingPage{}, err
	}
	r.stats.Listings++
	var out listingPage
	if r.c.html != nil {
		out.listing, err = r.c.html.parseListing(resp.URL, resp.Body)
	} else {
		var cats map[int]int
		out.listing, cats, err = parseDiscourseListing(resp.URL, resp.Body, r.categories)
		out.cats = map[string]int{}
		for id, c := range cats {
			out.cats[strconv.Itoa(id)] = c
		}
	}
	if err != nil {
		return listingPage{}, r.fail(fmt.Errorf("forum %s: %w", r.c.cfg.Name, err))
	}
	r.report(out.Title, "", resp.URL)
	return out, nil
}

func (r *run) report(section, thread, u string) {
	if r.progress != nil {
		r.progress(Progress{Forum: r.c.cfg.Name, Section: section, Thread: thread, URL: u, Stats: r.stats})
	}
}

// unchanged reports whether a listed thread needs no fetch: read to its
// end before, and listed with the same marker since.
func (r *run) unchanged(st ThreadState, ok bool, t threadLink) bool {
	return ok && st.Done && !r.c.cfg.Full && t.Marker != "" && st.Marker == t.Marker
}

// thread reads the pages of one listed thread the sink does not have:
// from its last saved page on (that page again, conditionally if the
// thread was complete, to catch posts added to it and edits on it), or
// from the first page for a new thread or a Full run.
func (r *run) thread(ctx context.Context, section string, t threadLink) error {
	st, ok := r.known[t.Key]
	if r.unchanged(st, ok, t) {
		r.stats.Skipped++
		return nil
	}
	if !ok {
		st = ThreadState{Key: t.Key, URL: t.URL}
	}
	if t.Title != "" {
		st.Title = t.Title
	}
	if section != "" {
		st.Section = section
	}
	if r.c.html == nil {
		return r.discourseThread(ctx, st, ok, t)
	}
	pageURL, page := t.URL, 1
	var v *crawl.Validators
	if ok && st.LastPageURL != "" && !r.c.cfg.Full {
		pageURL, page = st.LastPageURL, max(st.LastPage, 1)
		if st.Done {
			v = &st.Validators
		}
	}
	seen := map[string]bool{}
	for n := 0; n < r.c.cfg.MaxPages; n++ {
		seen[pageURL] = true
		resp, err := r.get(ctx, pageURL, v)
		if err != nil {
			if isFatal(err) {
				return err
			}
			return nil
		}
		r.stats.Pages++
		if resp.NotModified {
			r.stats.NotModified++
			st.Done, st.Marker = true, t.Marker
			return r.save(ctx, st, nil, resp.URL)
		}
		tp, err := r.c.html.parseThread(resp.URL, resp.Body, r.c.loc)
		if err != nil {
			return unlessFatal(r.fail(fmt.Errorf("forum %s: %w", r.c.cfg.Name, err)))
		}
		if tp.Title != "" {
			st.Title = tp.Title
		}
		next := tp.Next
		if next != "" && (!r.followed(next) || seen[next]) {
			next = ""
		}
		st.LastPage, st.LastPageURL = page, pageURL
		st.Validators = crawl.Validators{ETag: resp.ETag, LastModified: resp.LastModified}
		st.Done = next == ""
		if st.Done {
			st.Marker = t.Marker
		}
		if err := r.save(ctx, st, tp.Posts, resp.URL); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		pageURL, page, v = next, page+1, nil
	}
	return nil
}

// unlessFatal drops a kept failure: the thread is given up, the run goes
// on.
func unlessFatal(err error) error {
	if isFatal(err) {
		return err
	}
	return nil
}

// discourseThread reads a topic: /t/{id}.json (conditionally when the
// topic was complete) for its first posts and the stream of all post ids,
// then the chunks of the stream from the last one saved.
func (r *run) discourseThread(ctx context.Context, st ThreadState, known bool, t threadLink) error {
	first := topicURL(t.URL, t.Key)
	var v *crawl.Validators
	if known && st.Done && !r.c.cfg.Full {
		v = &st.Validators
	}
	resp, err := r.get(ctx, first, v)
	if err != nil {
		return unlessFatal(err)
	}
	r.stats.Pages++
	if resp.NotModified {
		r.stats.NotModified++
		st.Done, st.Marker = true, t.Marker
		return r.save(ctx, st, nil, resp.URL)
	}
	numbers := map[int]int{}
	topic, posts, err := parseDiscourseTopic(resp.URL, t.URL, resp.Body, numbers)
	if err != nil {
		return unlessFatal(r.fail(fmt.Errorf("forum %s: %w", r.c.cfg.Name, err)))
	}
	if topic.Title != "" {
		st.Title = topic.Title
	}
	have := map[int]bool{}
	for _, p := range topic.PostStream.Posts {
		have[p.ID] = true
	}
	var rest []int
	for _, id := range topic.PostStream.Stream {
		if !have[id] {
			rest = append(rest, id)
		}
	}
	chunks := (len(rest) + discourseChunk - 1) / discourseChunk
	last := chunks + 1 // pages: the first, then the chunks
	from := 2
	if known && !r.c.cfg.Full {
		// The last chunk saved again (edits, and posts added to it), or
		// the first chunk when posts were deleted and the stream shrank.
		from = max(2, min(st.LastPage, last))
	}
	st.LastPageURL = first
	st.Validators = crawl.Validators{ETag: resp.ETag, LastModified: resp.LastModified}
	st.LastPage = max(from-1, 1)
	st.Done = last == 1
	if st.Done {
		st.Marker = t.Marker
	}
	if err := r.save(ctx, st, posts, resp.URL); err != nil {
		return err
	}
	for page := from; page <= last; page++ {
		lo := (page - 2) * discourseChunk
		u := postsURL(t.URL, t.Key, rest[lo:min(lo+discourseChunk, len(rest))])
		resp, err := r.get(ctx, u, nil)
		if err != nil {
			return unlessFatal(err)
		}
		r.stats.Pages++
		_, posts, err := parseDiscourseTopic(resp.URL, t.URL, resp.Body, numbers)
		if err != nil {
			return unlessFatal(r.fail(fmt.Errorf("forum %s: %w", r.c.cfg.Name, err)))
		}
		st.LastPage = page
		st.Done = page == last
		if st.Done {
			st.Marker = t.Marker
		}
		if err := r.save(ctx, st, posts, resp.URL); err != nil {
			return err
		}
	}
	return nil
}

// save hands one page to the sink; a sink failure ends the run.
func (r *run) save(ctx context.Context, st ThreadState, posts []Post, u string) error {
	for i := range posts {
		posts[i].Forum = r.c.cfg.Name
		posts[i].Section = st.Section
		posts[i].ThreadKey = st.Key
		if posts[i].ThreadTitle == "" {
			posts[i].ThreadTitle = st.Title
		}
	}
	res, err := r.sink.Save(ctx, r.c.cfg.Name, st, posts)
	if err != nil {
		return fatal{fmt.Errorf("forum %s: save thread %s: %w", r.c.cfg.Name, st.Key, err)}
	}
	r.known[st.Key] = st
	r.stats.Posts += len(posts)
	r.stats.Added += res.Added
	r.stats.Edited += res.Edited
	r.report(st.Section, st.Title, u)
	return nil
}
