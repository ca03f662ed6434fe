// Package crawl fetches report pages politely: robots.txt, per-host rate
// limits, conditional GET, size and content-type limits, and refusal of
// private network targets checked on the resolved address at dial time.
package crawl

import (
	// Kept here until the fetcher that uses it lands, so that go.mod keeps
	// it as a direct requirement.
	_ "github.com/temoto/robotstxt"
)
