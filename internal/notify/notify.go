// Package notify tells users when something they watch changes. A watch
// follows a group, a saved search or an indicator type; after a
// collection that changed the base (Collected) and after sightings are
// recorded (Sighted) the Service finds the watches that match, records a
// notification for each watcher, and POSTs it to each of the watcher's
// webhooks, signed with the webhook's secret (HMAC-SHA256 over the
// timestamp and the body), retrying with exponential backoff and logging
// every attempt.
//
// Webhook targets are reached through the crawler's transport, which
// refuses private, loopback and link-local addresses on the socket
// itself, so a webhook cannot be aimed at the server's own network.
//
// What a watcher is told is bounded by their role's TLP ceiling, as feeds
// and TAXII bound it: a reader hears nothing of TLP:RED intelligence.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/intel"
)

// Store is what the notifier reads and writes.
type Store interface {
	FindWatches(ctx context.Context, userID int64) ([]*intel.Watch, error)
	CreateWatch(ctx context.Context, w *intel.Watch) error
	SaveWatchSeen(ctx context.Context, id int64, seen []string) error
	FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error)
	ExportSummary(ctx context.Context, f intel.ExportFilter) (intel.ExportSummary, error)
	Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error)
	FindIndicatorByID(ctx context.Context, id int64) (*intel.Indicator, error)
	IndicatorGroups(ctx context.Context, indicatorIDs []int64) (map[int64][]int64, error)
	FindSightingsSince(ctx context.Context, since time.Time) ([]intel.Sighting, error)
	CreateNotifications(ctx context.Context, ns []*intel.Notification) error
	CreateWebhook(ctx context.Context, h *intel.Webhook, secret string) error
	FindWebhooks(ctx context.Context, userID int64) ([]*intel.Webhook, error)
	OpenWebhookSecret(ctx context.Context, id int64) (string, error)
	RecordDelivery(ctx context.Context, d *intel.WebhookDelivery) error
}

// Headers of a webhook delivery.
const (
	HeaderTimestamp = "X-Spoor-Timestamp" // unix seconds of the attempt
	HeaderSignature = "X-Spoor-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderEvent     = "X-Spoor-Event"     // collection or sighting
	HeaderDelivery  = "X-Spoor-Delivery"  // the notification's ID, the same on every retry
)

// Defaults of Options.
const (
	DefaultAttempts = 5
	DefaultBackoff  = 2 * time.Second
	DefaultTimeout  = 10 * time.Second
	searchSeenMax   = 2000 // hits a search watch remembers
)

// Options tune a Service; the zero value is ready for production.
type Options struct {
	// Attempts is how many times a delivery is tried; Backoff the wait
	// before the second, doubled before each next one.
	Attempts int
	Backoff  time.Duration
	// Timeout bounds one attempt.
	Timeout time.Duration
	// AllowPrivate lets webhooks reach private and loopback addresses
	// (an intranet receiver, tests).
	AllowPrivate bool
	// Sync delivers before Collected and Sighted return, for a command
	// that closes its store when it is done; a server leaves it off.
	Sync   bool
	Logger *slog.Logger
	Now    func() time.Time
}

// Service records notifications and delivers them. It is safe for
// concurrent use; deliveries run in the background (Wait waits for them).
type Service struct {
	st     Store
	opts   Options
	client *http.Client
	wg     sync.WaitGroup
	// stop ends the waits between retries (Close).
	stop     chan struct{}
	stopOnce sync.Once
}

// New returns a Service over st.
func New(st Store, opts Options) *Service {
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := crawl.New(crawl.Options{AllowPrivate: opts.AllowPrivate, Timeout: opts.Timeout})
	return &Service{st: st, opts: opts, stop: make(chan struct{}), client: &http.Client{
		Transport: f.Transport(),
		Timeout:   opts.Timeout,
		// A redirect is a failed delivery: following it would let a
		// receiver send the signed body elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Wait waits for the deliveries under way.
func (s *Service) Wait() { s.wg.Wait() }

// Close gives up the retries still waiting (each is logged as failed)
// and waits for the attempts under way: a stopping server does not wait
// out a receiver's backoff.
func (s *Service) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
}

// tlpCeiling is the highest TLP a role is told of: readers up to
// TLP:AMBER, analysts and admins everything.
func tlpCeiling(r intel.Role) intel.TLP {
	if r == intel.RoleReader {
		return intel.TLPAmber
	}
	return ""
}

// AddWatch stores a watch for the user. A group watch names the group in
// Target (name, alias or ATT&CK ID); a search watch starts from the hits
// its words have now, so that only later hits notify.
func (s *Service) AddWatch(ctx context.Context, w *intel.Watch) error {
	w.Target = strings.TrimSpace(w.Target)
	switch w.Kind {
	case intel.WatchGroup:
		if w.ObjectID == 0 {
			if w.Target == "" {
				return intel.Errorf(intel.CodeInvalid, "a group watch needs a group")
			}
			g, err := s.st.FindObjectByName(ctx, intel.KindGroup, w.Target)
			if err != nil {
				return err
			}
			w.ObjectID, w.Target = g.ID, g.Name
		}
	case intel.WatchType:
		w.Target = strings.ToLower(w.Target)
	case intel.WatchSearch:
		if err := w.Validate(); err != nil {
			return err
		}
		hits, err := s.st.Search(ctx, intel.SearchQuery{Text: w.Target, Limit: 500})
		if err != nil {
			return err
		}
		w.Seen = hitKeys(hits)
	}
	return s.st.CreateWatch(ctx, w)
}

func hitKeys(hits []intel.SearchHit) []string {
	keys := make([]string, 0, len(hits))
	for _, h := range hits {
		keys = append(keys, h.Kind+":"+strconv.FormatInt(h.ID, 10))
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Collected notifies the watchers of what a finished collection added:
// indicators of a watched group or type new or changed since the run
// started, new hits of a saved search, and sightings it imported (STIX
// sighting objects, MISP sightings). Errors are logged: a collection
// never fails for its notifications.
func (s *Service) Collected(ctx context.Context, run *intel.CollectionRun) {
	if run == nil || run.Status != intel.RunOK {
		return
	}
	if err := s.collected(ctx, run); err != nil {
		s.opts.Logger.ErrorContext(ctx, "notify collection", "run", run.ID, "err", err)
	}
}

func (s *Service) collected(ctx context.Context, run *intel.CollectionRun) error {
	watches, err := s.st.FindWatches(ctx, 0)
	if err != nil || len(watches) == 0 {
		return err
	}
	since := run.StartedAt
	from := run.SourceName
	if from == "" {
		from = "source " + strconv.FormatInt(run.SourceID, 10)
	}
	var ns []*intel.Notification
	for _, w := range watches {
		n := &intel.Notification{UserID: w.UserID, WatchID: w.ID, Event: intel.NotifyCollection}
		switch w.Kind {
		case intel.WatchGroup, intel.WatchType:
			f := intel.ExportFilter{Since: since, TLPMax: tlpCeiling(w.Role)}
			if w.Kind == intel.WatchGroup {
				f.GroupID, n.Link = w.ObjectID, "/groups/"+strconv.FormatInt(w.ObjectID, 10)
			} else {
				f.Types, n.Link = []intel.IndicatorType{intel.IndicatorType(w.Target)}, "/indicators?type="+url.QueryEscape(w.Target)
			}
			sum, err := s.st.ExportSummary(ctx, f)
			if err != nil {
				return err
			}
			if sum.Count == 0 {
				continue
			}
			n.Hits = sum.Count
			what := "indicators of " + w.Target
			if w.Kind == intel.WatchType {
				what = w.Target + " indicators"
			}
			n.Title = fmt.Sprintf("%d %s new or changed", sum.Count, what)
			n.Detail = "collected from " + from
		case intel.WatchSearch:
			hits, err := s.st.Search(ctx, intel.SearchQuery{Text: w.Target, Limit: 500})
			if err != nil {
				return err
			}
			var fresh []intel.SearchHit
			for _, h := range hits {
				if _, found := slices.BinarySearch(w.Seen, h.Kind+":"+strconv.FormatInt(h.ID, 10)); !found {
					fresh = append(fresh, h)
				}
			}
			if len(fresh) == 0 {
				continue
			}
			seen := hitKeys(hits)
			seen = append(seen, w.Seen...)
			slices.Sort(seen)
			seen = slices.Compact(seen)
			if len(seen) > searchSeenMax {
				seen = seen[len(seen)-searchSeenMax:]
			}
			if err := s.st.SaveWatchSeen(ctx, w.ID, seen); err != nil {
				return err
			}
			n.Hits = len(fresh)
			n.Title = fmt.Sprintf("%d new results for %q", len(fresh), w.Target)
			var titles []string
			for _, h := range fresh[:min(3, len(fresh))] {
				titles = append(titles, h.Title)
			}
			n.Detail = "collected from " + from + ": " + strings.Join(titles, "; ")
			n.Link = "/search?q=" + url.QueryEscape(w.Target)
		}
		ns = append(ns, n)
	}
	sgs, err := s.st.FindSightingsSince(ctx, since)
	if err != nil {
		return err
	}
	more, err := s.sightingNotes(ctx, watches, sgs, "imported from "+from)
	if err != nil {
		return err
	}
	return s.record(ctx, append(ns, more...))
}

// Sighted notifies the watchers of the groups and types of sighted
// indicators. Errors are logged: recording a sighting never fails for
// its notifications.
func (s *Service) Sighted(ctx context.Context, sgs []*intel.Sighting) {
	if len(sgs) == 0 {
		return
	}
	err := func() error {
		watches, err := s.st.FindWatches(ctx, 0)
		if err != nil || len(watches) == 0 {
			return err
		}
		list := make([]intel.Sighting, len(sgs))
		for i, sg := range sgs {
			list[i] = *sg
		}
		ns, err := s.sightingNotes(ctx, watches, list, "recorded by "+sgs[0].RecordedBy)
		if err != nil {
			return err
		}
		return s.record(ctx, ns)
	}()
	if err != nil {
		s.opts.Logger.ErrorContext(ctx, "notify sightings", "err", err)
	}
}

// sightingNotes makes one notification per group or type watch that the
// sighted indicators match, within the watcher's TLP.
func (s *Service) sightingNotes(ctx context.Context, watches []*intel.Watch, sgs []intel.Sighting, how string) ([]*intel.Notification, error) {
	if len(sgs) == 0 {
		return nil, nil
	}
	inds := map[int64]*intel.Indicator{}
	var ids []int64
	for _, sg := range sgs {
		if _, ok := inds[sg.IndicatorID]; ok {
			continue
		}
		in, err := s.st.FindIndicatorByID(ctx, sg.IndicatorID)
		if intel.ErrorCode(err) == intel.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		inds[sg.IndicatorID] = in
		ids = append(ids, sg.IndicatorID)
	}
	groups, err := s.st.IndicatorGroups(ctx, ids)
	if err != nil {
		return nil, err
	}
	var ns []*intel.Notification
	for _, w := range watches {
		if w.Kind == intel.WatchSearch {
			continue
		}
		var hit []intel.Sighting
		for _, sg := range sgs {
			in := inds[sg.IndicatorID]
			if in == nil || !in.TLP.AtMost(tlpCeiling(w.Role)) {
				continue
			}
			if w.Kind == intel.WatchType && string(in.Type) == w.Target ||
				w.Kind == intel.WatchGroup && slices.Contains(groups[in.ID], w.ObjectID) {
				hit = append(hit, sg)
			}
		}
		if len(hit) == 0 {
			continue
		}
		first := inds[hit[0].IndicatorID]
		n := &intel.Notification{UserID: w.UserID, WatchID: w.ID, Event: intel.NotifySighting, Hits: len(hit),
			Link: "/indicators/" + strconv.FormatInt(first.ID, 10)}
		where := ""
		if hit[0].Sensor != "" {
			where = " on " + hit[0].Sensor
		}
		if len(hit) == 1 {
			n.Title = fmt.Sprintf("%s %s seen%s", first.Type, first.Value, where)
		} else {
			n.Title = fmt.Sprintf("%d sightings of %s indicators, first %s%s", len(hit), w.Target, first.Value, where)
		}
		n.Detail = how
		ns = append(ns, n)
	}
	return ns, nil
}

// record stores the notifications and starts their deliveries.
func (s *Service) record(ctx context.Context, ns []*intel.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	if err := s.st.CreateNotifications(ctx, ns); err != nil {
		return err
	}
	hooks := map[int64][]*intel.Webhook{}
	for _, n := range ns {
		hs, ok := hooks[n.UserID]
		if !ok {
			var err error
			if hs, err = s.st.FindWebhooks(ctx, n.UserID); err != nil {
				return err
			}
			hooks[n.UserID] = hs
		}
		for _, h := range hs {
			if s.opts.Sync {
				s.deliver(ctx, h, n)
				continue
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.deliver(context.WithoutCancel(ctx), h, n)
			}()
		}
	}
	return nil
}

// Payload is the JSON body of a delivery.
type Payload struct {
	ID        int64     `json:"id"`
	Event     string    `json:"event"`
	Title     string    `json:"title"`
	Detail    string    `json:"detail,omitempty"`
	Link      string    `json:"link,omitempty"`
	Hits      int       `json:"hits"`
	WatchID   int64     `json:"watch_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Sign is the signature of a delivery: hex HMAC-SHA256 under the secret
// of the timestamp (unix seconds, decimal), a dot, and the body. A
// receiver recomputes it, compares in constant time, and refuses
// timestamps far from its clock (replays).
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliver POSTs n to h until it is accepted (2xx) or the attempts run
// out, logging each attempt.
func (s *Service) deliver(ctx context.Context, h *intel.Webhook, n *intel.Notification) {
	body, err := json.Marshal(Payload{ID: n.ID, Event: n.Event, Title: n.Title, Detail: n.Detail, Link: n.Link,
		Hits: n.Hits, WatchID: n.WatchID, CreatedAt: n.CreatedAt})
	if err != nil {
		s.opts.Logger.ErrorContext(ctx, "webhook payload", "err", err)
		return
	}
	key, err := s.st.OpenWebhookSecret(ctx, h.ID)
	if err != nil {
		s.log(ctx, &intel.WebhookDelivery{WebhookID: h.ID, NotificationID: n.ID, Attempt: 1, Status: intel.DeliveryFailed, Error: err.Error()})
		return
	}
	wait := s.opts.Backoff
	for attempt := 1; attempt <= s.opts.Attempts; attempt++ {
		status, err := s.post(ctx, h.URL, key, n, body)
		d := &intel.WebhookDelivery{WebhookID: h.ID, NotificationID: n.ID, Attempt: attempt, HTTPStatus: status, Status: intel.DeliveryOK}
		if err == nil {
			s.log(ctx, d)
			return
		}
		d.Error, d.Status = err.Error(), intel.DeliveryRetry
		last := attempt == s.opts.Attempts || errors.Is(err, crawl.ErrPrivateAddress)
		select {
		case <-s.stop:
			last = true
			d.Error += "; not retried: spoor is stopping"
		default:
		}
		if last {
			d.Status = intel.DeliveryFailed
		}
		s.log(ctx, d)
		if last {
			return
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.stop:
			timer.Stop()
			s.log(ctx, &intel.WebhookDelivery{WebhookID: h.ID, NotificationID: n.ID, Attempt: attempt + 1, Status: intel.DeliveryFailed,
				Error: "not attempted: spoor stopped before the retry"})
			return
		case <-timer.C:
		}
		wait *= 2
	}
}

func (s *Service) log(ctx context.Context, d *intel.WebhookDelivery) {
	d.At = s.opts.Now()
	if err := s.st.RecordDelivery(ctx, d); err != nil {
		s.opts.Logger.ErrorContext(ctx, "record webhook delivery", "webhook", d.WebhookID, "err", err)
	}
}

// post makes one attempt; a status outside 2xx is an error.
func (s *Service) post(ctx context.Context, target, key string, n *intel.Notification, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := s.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", crawl.DefaultUserAgent)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(key, ts, body))
	req.Header.Set(HeaderEvent, n.Event)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(n.ID, 10))
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// AddWebhook stores a webhook for h.UserID after checking its URL: http
// or https, a host, and no private address written in it (names that
// resolve to one are refused when dialled). An empty secret is
// generated; the secret is returned this once and never shown again.
func (s *Service) AddWebhook(ctx context.Context, h *intel.Webhook, secret string) (string, error) {
	if err := s.CheckURL(h.URL); err != nil {
		return "", err
	}
	if secret == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		secret = "whsec_" + base64.RawURLEncoding.EncodeToString(b)
	}
	if err := s.st.CreateWebhook(ctx, h, secret); err != nil {
		return "", err
	}
	return secret, nil
}

// CheckURL checks a webhook target.
func (s *Service) CheckURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return intel.Errorf(intel.CodeInvalid, "webhook URL %q must be http:// or https:// with a host and no user name", raw)
	}
	if len(raw) > 2000 {
		return intel.Errorf(intel.CodeInvalid, "webhook URL is longer than 2000 characters")
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !s.opts.AllowPrivate && crawl.Private(ip) {
		return intel.Errorf(intel.CodeInvalid, "webhook URL %q points at a private address", raw)
	}
	if !s.opts.AllowPrivate && strings.EqualFold(u.Hostname(), "localhost") {
		return intel.Errorf(intel.CodeInvalid, "webhook URL %q points at this host", raw)
	}
	return nil
}
