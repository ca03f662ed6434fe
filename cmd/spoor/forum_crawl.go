package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/collect/forumcrawl"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/threat"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// forumSubcommands are the forum verbs with flags of their own: "spoor
// forum crawl …" runs the command named "forum crawl".
var forumSubcommands = map[string]bool{"crawl": true, "events": true, "classify": true}

// forumCrawlCmd is spoor forum crawl NAME: the forum's configuration from
// the store, the crawler's progress on the terminal, every page saved with
// its thread's crawl state in one transaction.
func forumCrawlCmd() *command {
	return &command{
		name:  "forum crawl",
		usage: "NAME [--full] [--max-pages N] [--allow-private]",
		short: "crawl a configured forum (spoor forum add): resumable, incremental, polite",
		long: `Forum crawl collects a forum configured with spoor forum add: the sections
of its start URLs, their thread listings and every thread page, at the
forum's rate limit, through its proxy (socks5h://127.0.0.1:9050 for a Tor
hidden service) and with its session cookie, within robots.txt, never to a
private address. Each page's posts are stored with the thread's crawl state
in one transaction, so a crawl stopped at any point resumes where it
stopped; a later crawl fetches only threads that changed. An edited post is
kept as a new version, the earlier text too. --full reads every page again
(to notice edits on pages a later crawl does not revisit).`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			full := fs.Bool("full", false, "read every page again")
			maxPages := fs.Int("max-pages", 0, "stop after this many thread pages (0: no limit)")
			allowPrivate := fs.Bool("allow-private", false, "let the crawl reach private and loopback addresses (a forum on the intranet)")
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor forum crawl NAME [--full] [--max-pages N]")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				f, err := st.FindForum(ctx, e.args[0])
				if err != nil {
					return err
				}
				if f.Engine == "import" || len(f.StartURLs) == 0 {
					return intel.Errorf(intel.CodeInvalid, "forum %q has no engine and start URLs to crawl: spoor forum add %s --engine … --start-url …", f.Name, f.Name)
				}
				cookie := ""
				if f.HasCookie {
					if cookie, err = st.ForumCookie(ctx, f.Name); err != nil {
						return err
					}
				}
				cfg := forumcrawl.Config{Name: f.Name, Engine: f.Engine, Start: f.StartURLs, Interval: f.RateLimit,
					Cookie: cookie, Proxy: f.Proxy, Full: *full, MaxPages: *maxPages}
				if err := cfg.Validate(); err != nil {
					return intel.Errorf(intel.CodeInvalid, "forum %q: %v", f.Name, err)
				}
				fetcher := crawl.New(cfg.FetcherOptions(crawl.Options{AllowPrivate: *allowPrivate}))
				prog := newProgress(e.stderr, "crawl "+f.Name)
				stats, err := forumcrawl.Crawl(ctx, cfg, fetcher, forumSink{st}, func(p forumcrawl.Progress) {
					prog.status(p.Stats.String())
				})
				prog.end()
				if e.cfg.Format == "json" {
					if perr := printJSON(e.stdout, stats); perr != nil && err == nil {
						err = perr
					}
				} else {
					fmt.Fprintf(e.stdout, "%s: %s\n", f.Name, stats)
				}
				return err
			}
		},
	}
}

// forumSink keeps a crawl's posts and thread states in the store.
type forumSink struct{ st *store.Store }

func (s forumSink) Known(ctx context.Context, name string) (map[string]forumcrawl.ThreadState, error) {
	raw, err := s.st.ForumCrawlStates(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make(map[string]forumcrawl.ThreadState, len(raw))
	for k, v := range raw {
		var ts forumcrawl.ThreadState
		if err := json.Unmarshal([]byte(v), &ts); err != nil {
			return nil, fmt.Errorf("forum %q: crawl state of thread %q: %w", name, k, err)
		}
		out[k] = ts
	}
	return out, nil
}

func (s forumSink) Save(ctx context.Context, name string, thread forumcrawl.ThreadState, posts []forumcrawl.Post) (forumcrawl.SaveResult, error) {
	state, err := json.Marshal(thread)
	if err != nil {
		return forumcrawl.SaveResult{}, err
	}
	in := make([]store.ForumCrawlPost, len(posts))
	for i, p := range posts {
		in[i] = store.ForumCrawlPost{Post: crawledPost(p), Version: p.Version(), Edited: p.Edited}
	}
	r, err := s.st.SaveForumCrawl(ctx, name, thread.Key, string(state), in)
	return forumcrawl.SaveResult{Added: r.Added, Edited: r.Edited}, err
}

// crawledPost is a crawled post in the forum model.
func crawledPost(p forumcrawl.Post) forum.Post {
	out := forum.Post{Forum: p.Forum, Section: p.Section, Thread: p.ThreadKey, ThreadTitle: p.ThreadTitle, Key: p.Key,
		Author: p.Author, AuthorTitle: p.AuthorTitle, Time: p.Time, TimeText: p.TimeText, Text: p.Text, Quotes: p.Quotes,
		URL: p.URL, Source: "crawl"}
	if len(p.ReplyTo) > 0 {
		out.ReplyTo = p.ReplyTo[0]
	}
	return out
}

// forumEventsCmd is spoor forum events: the threat events of a forum's
// threads, derived and stored, or (--list) those stored, filtered.
func forumEventsCmd() *command {
	return &command{
		name:  "forum events",
		usage: "NAME [--model FILE] [--min-score 0.3] [--limit 25] | NAME --list [--kind K] [--technique T1234] [--since DATE] [--until DATE] [--offset N]",
		short: "classify a forum's threads and store their threat events (analysis and attribution read them), or list them",
		long: `Forum events reads each stored thread of the forum (its title and opening
post) with the forum threat model (built in, or --model from spoor train
forum): ATT&CK techniques and tactic, kind of activity, poster role, and
the entities in it (groups, tools, malware, targets, indicators, prices,
contact handles), linked to stored groups and software by name, alias or
ATT&CK ID. Every thread whose kind is not plain discussion becomes an
event of the source "forum: NAME", keyed by thread, so running it again
adds nothing; the kind, role, tactic and entities are kept with it. It
prints the events it found, newest first.
With --list it classifies nothing and prints the stored threat events,
newest first: of a kind of activity (--kind), holding an ATT&CK technique
or one of its sub-techniques (--technique), first seen from --since to
--until (dates, both included); --format json prints the page with the
opening post's text as collected and the entities' offsets into it.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			modelPath := fs.String("model", "", "a model file of spoor train forum (default: the built-in one)")
			minScore := fs.Float64("min-score", 0.3, "the least score of a technique the event keeps")
			limit := fs.Int("limit", 25, "print at most this many events")
			list := fs.Bool("list", false, "list the stored threat events instead of classifying")
			kind := fs.String("kind", "", "--list: only this kind of activity (release, sale, service, tutorial, request…)")
			technique := fs.String("technique", "", "--list: only events holding this ATT&CK technique (or a sub-technique of it)")
			since := fs.String("since", "", "--list: first seen on or after this date (YYYY-MM-DD)")
			until := fs.String("until", "", "--list: first seen on or before this date (YYYY-MM-DD)")
			offset := fs.Int("offset", 0, "--list: skip this many events")
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor forum events NAME")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if *list {
					flt, err := forum.ParseEventFilter(*kind, *technique, *since, *until)
					if err != nil {
						return usagef("%v", err)
					}
					flt.Limit, flt.Offset = *limit, *offset
					return forumEventList(ctx, e, st, e.args[0], flt)
				}
				if *kind != "" || *technique != "" || *since != "" || *until != "" {
					return usagef("--kind, --technique, --since and --until filter --list")
				}
				m, err := threat.Default()
				if *modelPath != "" {
					m, err = loadModelFile(*modelPath, threat.Load)
				}
				if err != nil {
					return err
				}
				lookup, lookupErr := storeLookup(ctx, st)
				events, found, err := forumEvents(ctx, st, e.args[0], &threat.Extractor{Model: m, MinScore: *minScore, Lookup: lookup})
				if err != nil {
					return err
				}
				if err := lookupErr(); err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, map[string]any{"forum": e.args[0], "events": found, "new": events})
				}
				fmt.Fprintf(e.stdout, "%s: %d threat events, %d new\n", e.args[0], len(found), events)
				t := newTable(e.stdout, "FIRST SEEN", "KIND", "TECHNIQUES", "GROUP", "SOFTWARE", "THREAD")
				for i, ev := range found {
					if i == *limit {
						break
					}
					t.row(day(ev.FirstSeen), ev.Purpose, strings.Join(ev.Techniques, ","), ev.GroupLabel, strings.Join(ev.Software, ","), ev.Title)
				}
				return t.flush()
			}
		},
	}
}

// forumEventList prints a page of a forum's stored threat events.
func forumEventList(ctx context.Context, e *env, st *store.Store, name string, flt forum.EventFilter) error {
	f, err := st.FindForum(ctx, name)
	if err != nil {
		return err
	}
	flt.ForumID = f.ID
	page, err := st.ForumEvents(ctx, flt)
	if err != nil {
		return err
	}
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, page)
	}
	fmt.Fprintf(e.stdout, "%s: %d threat events match, %d shown\n", f.Name, page.Total, len(page.Events))
	t := newTable(e.stdout, "ID", "FIRST SEEN", "KIND", "ROLE", "TECHNIQUES", "GROUP", "SOFTWARE", "AUTHOR", "THREAD")
	for _, ev := range page.Events {
		t.row(fmt.Sprint(ev.ID), day(ev.Time), ev.Kind, ev.Role, strings.Join(ev.Techniques, ","), ev.Group, strings.Join(ev.Software, ","),
			ev.Author, forum.DisplayText(ev.ThreadTitle))
	}
	return t.flush()
}

// forumEvents classifies every thread of a forum by its title and opening
// post and stores the threat events with their readings; it returns how
// many were new and the events, newest first.
func forumEvents(ctx context.Context, st *store.Store, name string, x *threat.Extractor) (int, []*intel.Event, error) {
	f, err := st.FindForum(ctx, name)
	if err != nil {
		return 0, nil, err
	}
	posts, err := st.ForumPosts(ctx, forum.PostFilter{ForumID: f.ID, Text: true})
	if err != nil {
		return 0, nil, err
	}
	// The opener is the thread's first post as stored (lowest position).
	openers := map[string]forum.Post{}
	var order []string
	for _, p := range posts {
		o, ok := openers[p.Thread]
		if !ok {
			order = append(order, p.Thread)
		}
		if !ok || p.Position < o.Position {
			openers[p.Thread] = p
		}
	}
	var items []store.ForumEventSave
	for _, k := range order {
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		// Posts are stored as collected (HackHound keeps &#33; and &quot;); the
		// classifier reads the decoded text (forum.EventText), which is never
		// rendered as HTML.
		p := openers[k]
		te, err := x.Extract(threat.Post{Key: f.Name + ":" + k, Title: forum.DisplayText(p.ThreadTitle), Text: forum.DisplayText(p.Text), Author: p.Author, Time: p.Time.Time})
		if err != nil {
			return 0, nil, fmt.Errorf("forum %q, thread %q: %w", f.Name, k, err)
		}
		kind, ok := te.Labels.Top(threat.TargetKind)
		if !ok || kind.Label == "discussion" {
			continue
		}
		ev := te.Event
		if ev.Confidence <= 0 || ev.Confidence > 1 {
			ev.Confidence = 0.5
		}
		ev.TLP = intel.TLPAmber
		r := forum.Event{Thread: k, PostKey: p.Key, Author: p.Author, Kind: kind.Label, KindScore: kind.Score, Entities: te.Entities}
		if l, ok := te.Labels.Top(threat.TargetRole); ok && l.Label != threat.NoneLabel {
			r.Role, r.RoleScore = l.Label, l.Score
		}
		if l, ok := te.Labels.Top(threat.TargetTactic); ok && l.Label != threat.NoneLabel {
			r.Tactic = l.Label
		}
		items = append(items, store.ForumEventSave{Event: &ev, Reading: r})
	}
	src := &intel.Source{Name: "forum: " + f.Name, Kind: intel.SourceForum, Format: "forum",
		Credibility: 0.2, CredibilityReason: "hacker forum: posts are claims by their authors"}
	if err := st.UpsertSource(ctx, src); err != nil {
		return 0, nil, err
	}
	n, err := st.SaveForumEvents(ctx, src.ID, f.Name, items)
	if err != nil {
		return 0, nil, err
	}
	events := make([]*intel.Event, len(items))
	for i, it := range items {
		events[len(items)-1-i] = it.Event // newest first, for the listing
	}
	return n, events, nil
}
