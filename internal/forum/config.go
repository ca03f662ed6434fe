package forum

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Engines are the forum engines a forum may name: the crawler's presets,
// and "import" for a forum known only from dumps.
var Engines = []string{"import", "phpbb", "mybb", "vbulletin", "xenforo", "discourse", "custom"}

// MaxRateLimit bounds the pause between requests a forum may ask for.
const MaxRateLimit = time.Hour

// Check applies the rules of a forum's configuration: a name, a known
// engine, http(s) start URLs, a proxy of a scheme the crawler speaks.
func (f *Forum) Check() error {
	f.Name = strings.TrimSpace(f.Name)
	if err := checkString("forum name", f.Name, 200); err != nil {
		return err
	}
	if f.Name == "" {
		return fmt.Errorf("a forum needs a name")
	}
	if strings.ContainsFunc(f.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("forum name %q holds control characters", f.Name)
	}
	if f.Engine == "" {
		f.Engine = "import"
	}
	if !slices.Contains(Engines, f.Engine) {
		return fmt.Errorf("engine %q is not one of %s", f.Engine, strings.Join(Engines, ", "))
	}
	if len(f.StartURLs) > 100 {
		return fmt.Errorf("%d start URLs, more than 100", len(f.StartURLs))
	}
	for _, u := range f.StartURLs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || len(u) > 2000 {
			return fmt.Errorf("start URL %q is not an http or https address", clip(u))
		}
	}
	if f.RateLimit < 0 || f.RateLimit > MaxRateLimit {
		return fmt.Errorf("rate limit %v is not between 0 and %v", f.RateLimit, MaxRateLimit)
	}
	if f.Proxy != "" {
		p, err := url.Parse(f.Proxy)
		if err != nil || !slices.Contains([]string{"socks5", "socks5h", "http", "https"}, p.Scheme) || p.Host == "" {
			return fmt.Errorf("proxy %q is not a socks5://, socks5h:// or http:// address", clip(f.Proxy))
		}
		if p.User != nil {
			return fmt.Errorf("proxy %q holds a user name or password: proxies with credentials are not kept", p.Redacted())
		}
	}
	if len(f.Cookie) > 8192 || strings.ContainsAny(f.Cookie, "\r\n\x00") {
		return fmt.Errorf("session cookie is longer than 8192 bytes or holds a line break")
	}
	return nil
}

// DefaultRateLimit is the pause between requests of a forum that names
// none.
const DefaultRateLimit = 2 * time.Second

// Input is a forum's configuration as spoor forum add, the Add forum
// form and POST /api/v1/forums give it: the rate limit as written
// ("2s", "" for DefaultRateLimit), the start URLs one per item or line,
// the session cookie in the clear (the store seals it).
type Input struct {
	Name      string   `json:"name"`
	Engine    string   `json:"engine"`
	StartURLs []string `json:"start_urls"`
	RateLimit string   `json:"rate_limit,omitempty"`
	Proxy     string   `json:"proxy,omitempty"`
	Cookie    string   `json:"cookie,omitempty"`
}

// Forum reads the input as a forum to save; Check (in the store's
// SaveForum) applies the rest of the rules.
func (in Input) Forum() (*Forum, error) {
	f := &Forum{Name: in.Name, Engine: strings.TrimSpace(in.Engine), Proxy: strings.TrimSpace(in.Proxy), Cookie: strings.TrimSpace(in.Cookie),
		RateLimit: DefaultRateLimit, StartURLs: []string{}}
	for _, u := range in.StartURLs {
		for _, line := range strings.Split(u, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				f.StartURLs = append(f.StartURLs, line)
			}
		}
	}
	if v := strings.TrimSpace(in.RateLimit); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("rate limit %q is not a duration such as 2s or 500ms", clip(v))
		}
		f.RateLimit = d
	}
	return f, f.Check()
}
