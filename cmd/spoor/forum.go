package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func forumCmd() *command {
	return &command{
		name:  "forum",
		usage: "add|list|import|actors|portrait [flags] [NAME|FILE|HANDLE]",
		short: "hacker forums: configure, import dumps, rank key actors, draw an author's portrait",
		long: `Forum keeps hacker forums and their posts, exactly as collected:
  spoor forum add NAME [--engine phpbb|mybb|vbulletin|xenforo|discourse] [--start-url URL]…
                       [--rate 2s] [--proxy socks5h://127.0.0.1:9050] [--cookie-stdin]
  spoor forum list
  spoor forum import FILE [--forum NAME] [--format hackhound|csv|jsonl] [--skip-bad]
  spoor forum actors [--forum NAME] [--limit 25]
  spoor forum portrait HANDLE [--forum NAME]
Import reads the HackHound CSV export, or the generic post format as CSV
(a header naming the columns) or JSON lines: forum, section, thread
(required), thread_title, post (the post key; derived from the thread,
author, time and text when absent), author (required), author_title, time,
text (required), reply_to, quotes, url, position. Plain or gzip. A
malformed row is an error naming its file and line, or with --skip-bad is
counted and left out. Importing the same dump again adds nothing.
Actors ranks the authors of a forum (all forums without --forum) by a
key-actor score made of PageRank, HITS authority and hub, betweenness,
k-core and activity over the graph of replies, quotes and thread
co-participation, and prints each part. Portrait shows what an author's
posts say: activity by weekday (and hour and inferred UTC offset where
posts have times), sections, terms, languages, ties, community,
indicators, contact strings and other handles that may be the same person.
--format json prints list, actors and portrait as JSON; for import it
names the dump format.`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			format := fs.String("format", "", "output format table or json; for import the dump format: hackhound, csv or jsonl (default: from the file)")
			forumName := fs.String("forum", "", "the forum (import: every post goes to it)")
			skipBad := fs.Bool("skip-bad", false, "import: count and leave out malformed rows")
			limit := fs.Int("limit", 25, "actors: at most this many")
			engine := fs.String("engine", "import", "add: the forum engine ("+strings.Join(forum.Engines, ", ")+")")
			var starts stringList
			fs.Var(&starts, "start-url", "add: where a crawl starts (repeat for more)")
			rate := fs.Duration("rate", forum.DefaultRateLimit, "add: the least time between two requests")
			proxy := fs.String("proxy", "", "add: proxy URL, e.g. socks5h://127.0.0.1:9050 for Tor")
			cookieStdin := fs.Bool("cookie-stdin", false, "add: read the session cookie from the first line of stdin (kept sealed)")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor forum add|list|import|actors|portrait")
				}
				verb, rest := e.args[0], e.args[1:]
				want := map[string]int{"add": 1, "list": 0, "import": 1, "actors": 0, "portrait": 1}
				n, ok := want[verb]
				if !ok {
					return usagef("unknown forum command %q: use add, list, import, actors or portrait", verb)
				}
				if len(rest) != n {
					return usagef("usage: spoor forum %s%s", verb, strings.Repeat(" ARG", n))
				}
				out := e.cfg.Format
				if verb != "import" && *format != "" {
					out = *format
				}
				if verb != "import" && out != "table" && out != "json" {
					return usagef("unknown format %q: use table or json", out)
				}
				if verb == "import" && *format != "" && !slices.Contains(forum.Formats, *format) {
					return usagef("unknown dump format %q: use %s", *format, strings.Join(forum.Formats, ", "))
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				switch verb {
				case "add":
					in := forum.Input{Name: rest[0], Engine: *engine, StartURLs: starts, RateLimit: rate.String(), Proxy: *proxy}
					if *cookieStdin {
						line, err := bufio.NewReader(e.stdin).ReadString('\n')
						if err != nil && line == "" {
							return intel.Errorf(intel.CodeInvalid, "no cookie on stdin")
						}
						in.Cookie = strings.TrimRight(line, "\r\n")
					}
					f, err := st.AddForum(ctx, in)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "forum %q saved (engine %s, %d start URLs, cookie %s)\n", f.Name, f.Engine, len(f.StartURLs), secretShown(f.HasCookie))
					return nil
				case "list":
					forums, err := st.ListForums(ctx)
					if err != nil {
						return err
					}
					if out == "json" {
						return printJSON(e.stdout, forums)
					}
					t := newTable(e.stdout, "ID", "NAME", "ENGINE", "SECTIONS", "THREADS", "AUTHORS", "POSTS", "FIRST", "LAST")
					for _, f := range forums {
						t.row(fmt.Sprint(f.ID), f.Name, f.Engine, fmt.Sprint(f.Sections), fmt.Sprint(f.Threads), fmt.Sprint(f.Authors),
							fmt.Sprint(f.Posts), day(f.First), day(f.Last))
					}
					return t.flush()
				case "import":
					return forumImport(ctx, e, st, rest[0], forum.Options{Format: *format, Forum: *forumName, SkipBad: *skipBad})
				case "actors":
					return forumActors(ctx, e, st, *forumName, *limit, out)
				case "portrait":
					return forumPortrait(ctx, e, st, rest[0], *forumName, out)
				}
				return nil
			}
		},
	}
}

func secretShown(set bool) string {
	if set {
		return "********"
	}
	return "none"
}

func forumImport(ctx context.Context, e *env, st *store.Store, path string, opts forum.Options) error {
	var r io.Reader = e.stdin
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return intel.Errorf(intel.CodeInvalid, "%v", err)
		}
		defer f.Close()
		r, name = f, filepath.Base(path)
	}
	res, err := forum.Read(r, name, opts)
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	for _, p := range res.Problems {
		fmt.Fprintln(e.stderr, "skipped:", oneLine(p))
	}
	imp, err := st.ImportForumPosts(ctx, opts.Forum, store.ForumImport{Source: name, Format: res.Format, Skipped: res.Skipped}, res.Posts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d posts read (%s), %d added; new: %d sections, %d threads, %d authors",
		oneLine(imp.Forum), imp.Seen, res.Format, imp.Added, imp.Sections, imp.Threads, imp.Authors)
	if res.Skipped > 0 {
		fmt.Fprintf(e.stdout, "; %d malformed rows skipped", res.Skipped)
	}
	if res.Blank > 0 {
		fmt.Fprintf(e.stdout, "; %d blank rows", res.Blank)
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// forumAnalysis ranks the authors of one forum (name "": every forum);
// text reads the posts' text too (portraits need it).
func forumAnalysis(ctx context.Context, st *store.Store, name string, text bool) (*actors.Analysis, error) {
	var id int64
	if name != "" {
		f, err := st.FindForum(ctx, name)
		if err != nil {
			return nil, err
		}
		id = f.ID
	}
	posts, err := st.ForumPosts(ctx, forum.PostFilter{ForumID: id, Text: text})
	if err != nil {
		return nil, err
	}
	return actors.Analyze(posts, actors.DefaultWeights()), nil
}

func forumActors(ctx context.Context, e *env, st *store.Store, name string, limit int, out string) error {
	a, err := forumAnalysis(ctx, st, name, false)
	if err != nil {
		return err
	}
	v := a.Ranking(name, max(1, limit))
	if out == "json" {
		return printJSON(e.stdout, v)
	}
	t := newTable(e.stdout, "RANK", "HANDLE", "FORUM", "SCORE", "PAGERANK", "AUTH", "HUB", "BETWEEN", "KCORE", "ACTIVITY", "POSTS", "COMMUNITY")
	for _, act := range v.Actors {
		cols := []string{fmt.Sprint(act.Rank), act.Handle, act.Forum, fmt.Sprintf("%.3f", act.Score)}
		for _, p := range act.Parts {
			cols = append(cols, fmt.Sprintf("%.3f", p.Contribution))
		}
		cols = append(cols, fmt.Sprint(act.Posts), fmt.Sprint(act.Community))
		t.row(cols...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d authors, %d ties, %d communities; score parts are weighted contributions (weights: %+v)\n",
		v.Authors, v.Ties, len(v.Communities), v.Weights)
	return nil
}

func forumPortrait(ctx context.Context, e *env, st *store.Store, handle, name, out string) error {
	authors, err := st.FindForumAuthors(ctx, handle, name)
	if err != nil {
		return err
	}
	switch {
	case len(authors) == 0:
		return intel.Errorf(intel.CodeNotFound, "no author %q", handle)
	case len(authors) > 1:
		var where []string
		for _, a := range authors {
			where = append(where, a.Forum)
		}
		return intel.Errorf(intel.CodeInvalid, "%q is on %s: give --forum", handle, strings.Join(where, ", "))
	}
	au := authors[0]
	a, err := forumAnalysis(ctx, st, au.Forum, true)
	if err != nil {
		return err
	}
	p, err := a.Portrait(forum.AuthorKey{Forum: au.Forum, Handle: au.Handle})
	if err != nil {
		return err
	}
	f, err := st.FindForum(ctx, au.Forum)
	if err != nil {
		return err
	}
	if err := actors.Complete(ctx, st, p, f.ID, au.ID); err != nil {
		return err
	}
	if out == "json" {
		return printJSON(e.stdout, p)
	}
	return writePortrait(e.stdout, p)
}

func writePortrait(w io.Writer, p *actors.Portrait) error {
	line := func(k, v string) { fmt.Fprintf(w, "%-12s %s\n", k+":", oneLine(v)) }
	fmt.Fprintf(w, "%s on %s\n", oneLine(p.Handle), oneLine(p.Forum))
	line("rank", fmt.Sprintf("#%d of %d, score %.3f: %s", p.Actor.Rank, p.Ranked, p.Actor.Score, p.Actor.Why))
	var parts []string
	for _, pt := range p.Actor.Parts {
		parts = append(parts, fmt.Sprintf("%s %.3f (#%d)", pt.Name, pt.Contribution, pt.Rank))
	}
	line("parts", strings.Join(parts, ", "))
	if len(p.Titles) > 0 {
		line("titles", strings.Join(p.Titles, ", "))
	}
	line("activity", fmt.Sprintf("%d posts in %d threads (%d started), %s … %s", p.Posts, p.Threads, p.Started, p.First, p.Last))
	var days []string
	for i, n := range p.Time.WeekdayCounts {
		days = append(days, fmt.Sprintf("%s %d", []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}[i], n))
	}
	line("weekdays", strings.Join(days, ", "))
	if p.Time.UTCOffset != nil {
		line("time zone", fmt.Sprintf("UTC%s (confidence %.2f, from %d posts with times)", *p.Time.UTCOffset, p.Time.Confidence, p.Time.Used.Hours))
	} else {
		line("time zone", "unknown: no post has a time of day")
	}
	counts := func(cs []actors.Count, n int) string {
		var s []string
		for _, c := range cs[:min(n, len(cs))] {
			s = append(s, fmt.Sprintf("%s (%d)", c.Name, c.N))
		}
		return strings.Join(s, ", ")
	}
	line("sections", counts(p.Sections, 8))
	line("terms", counts(p.Terms, 15))
	line("languages", counts(p.Languages, 5))
	line("community", fmt.Sprintf("%d (%d authors; led by %s)", p.Actor.Community, p.CommunitySize, strings.Join(p.CommunityTop, ", ")))
	var nb []string
	for _, n := range p.Neighbours[:min(10, len(p.Neighbours))] {
		nb = append(nb, fmt.Sprintf("%s %.2f", n.Handle, n.Weight))
	}
	line("neighbours", strings.Join(nb, ", "))
	var inds []string
	for _, i := range p.Indicators[:min(10, len(p.Indicators))] {
		inds = append(inds, i.Type+" "+i.Value)
	}
	if len(inds) > 0 {
		line("indicators", strings.Join(inds, ", "))
	}
	if len(p.Contacts) > 0 {
		line("contacts", strings.Join(p.Contacts, ", "))
	}
	if p.EventsTotal > 0 {
		line("events", fmt.Sprintf("%d threat events: %s", p.EventsTotal, counts(p.Kinds, 8)))
		if len(p.Roles) > 0 {
			line("roles", counts(p.Roles, 5))
		}
		if len(p.Techniques) > 0 {
			line("techniques", counts(p.Techniques, 10))
		}
		if len(p.Software) > 0 {
			line("software", counts(p.Software, 10))
		}
	}
	for _, c := range p.Candidates[:min(10, len(p.Candidates))] {
		line("maybe also", fmt.Sprintf("%s on %s: %s", c.Handle, c.Forum, strings.Join(c.Reasons, "; ")))
	}
	return nil
}
