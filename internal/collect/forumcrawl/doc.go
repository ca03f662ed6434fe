// Package forumcrawl collects the posts of web forums: phpBB, MyBB,
// vBulletin and XenForo from their HTML (CSS selectors per engine, each
// field overridable, or a custom engine that gives them all), and
// Discourse from its JSON API.
//
// Crawl(ctx, cfg, fetcher, sink, progress) (Stats, error) runs one
// collection of one forum. The fetcher is an *crawl.Fetcher made with
// cfg.FetcherOptions, so robots.txt, the rate limit (Config.Interval or a
// longer Crawl-delay), the session cookie (sent to the forum's own hosts
// only), the SOCKS5 proxy (socks5h://127.0.0.1:9050 for Tor) and the
// refusal of private addresses are the crawl package's, as for every
// other fetch spoor makes. Links are followed on the start URLs' hosts
// only.
//
// A run walks the start pages (a board index, section listings, or
// Discourse's /categories.json, /latest.json, /c/{slug}/{id}.json), the
// sections they link to and their listing pages; for each listed thread
// it reads its pages by their "next" links (Discourse: the topic JSON,
// then the post stream in chunks of 20) and hands every page's posts to
// the Sink with the thread's new ThreadState, in one call the sink makes
// one transaction.
//
// Resuming and incremental runs rest on that state. A thread the sink
// holds as read to its end, listed with the same marker (reply count and
// last post, as the listing shows them), is not fetched at all. Any other
// known thread is read from its last saved page: that page again
// (conditionally, with the validators saved with it, when the thread was
// complete: a 304 means nothing changed), then the pages after it. So a
// run killed midway continues with the page after the last one saved,
// and a later run reads only changed threads and their new pages. A
// Discourse topic is read again from its /t/{id}.json, the only place its
// post stream is given, then from the last chunk saved.
// Listing pages are read every run: they are few, and only they say
// which threads changed.
//
// Posts are delivered as shown; the sink keeps each post key once. An
// edited post (same key, another Post.Version) is an edit, stored by the
// sink as a new version beside the first one rather than over it. Edits
// are noticed on the pages a run reads: the last page of every changed
// thread and anything after it; Config.Full reads every page again to
// notice edits anywhere.
package forumcrawl
