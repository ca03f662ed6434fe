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
package crawl
