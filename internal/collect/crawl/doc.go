// Package crawl fetches report pages politely: robots.txt per host (user
// agent "spoor", Crawl-delay honoured, cached with a TTL), a per-host rate
// limit, conditional GET (ETag and Last-Modified kept in a Cache), size
// and content-type limits, redirects checked again at every hop, and
// refusal of private, loopback, link-local, multicast, unspecified and
// CGNAT targets, checked on the resolved address at dial time so that DNS
// rebinding cannot get around it.
//
// The CLI, the API and the scheduler fetch through one Fetcher per
// process (or per source, for a source that allows private targets) and
// hand the body to collect/report.
//
// The forum crawler (collect/forumcrawl) uses a Fetcher per forum: with
// its session cookie (Options.Cookies, sent to the forum's own hosts
// only), JSON accepted for Discourse, and optionally a SOCKS5 proxy for
// Tor hidden services (Options.Proxy; see proxy.go for how the address
// checks still hold for targets while the proxy itself, usually on
// loopback, is reachable). It calls Get with the validators it keeps with
// its own state instead of the Fetcher's cache, so that a 304 never
// stands for a page whose posts were not stored.
package crawl
