package intel

import (
	"strings"
	"time"
)

// WatchKind is what a watch follows.
type WatchKind string

// The kinds of watch.
const (
	WatchGroup  WatchKind = "group"  // a group: its indicators, by events and indicates links
	WatchSearch WatchKind = "search" // a saved search: new hits of its words
	WatchType   WatchKind = "type"   // an indicator type
)

// Valid reports whether k is a known kind.
func (k WatchKind) Valid() bool { return k == WatchGroup || k == WatchSearch || k == WatchType }

// Watch is what a user asked to be told about.
type Watch struct {
	ID     int64     `json:"id"`
	UserID int64     `json:"user_id"`
	Kind   WatchKind `json:"kind"`
	// Target is the group's name, the search's words or the type.
	Target string `json:"target"`
	// ObjectID is the watched group.
	ObjectID  int64     `json:"object_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Login and Role are the watcher's, as the notifier reads them (the
	// role bounds the TLP of what it is told); not stored with the watch.
	Login string `json:"-"`
	Role  Role   `json:"-"`
	// Seen are the hits a search watch has told of (kind:id).
	Seen []string `json:"-"`
}

// MaxWatchTarget bounds a watch's target.
const MaxWatchTarget = 200

// Validate checks a watch before it is stored. A group watch names its
// group by ObjectID; the store sets Target to the group's name.
func (w *Watch) Validate() error {
	w.Target = strings.TrimSpace(w.Target)
	switch {
	case !w.Kind.Valid():
		return Errorf(CodeInvalid, "unknown watch kind %q: use group, search or type", w.Kind)
	case w.Kind == WatchGroup && w.ObjectID == 0:
		return Errorf(CodeInvalid, "a group watch needs the group")
	case w.Target == "" && w.Kind != WatchGroup:
		return Errorf(CodeInvalid, "a watch needs a target: search words or an indicator type")
	case len(w.Target) > MaxWatchTarget || strings.ContainsFunc(w.Target, isControl):
		return Errorf(CodeInvalid, "watch target must be at most %d characters without control characters", MaxWatchTarget)
	case w.Kind == WatchType && !IndicatorType(w.Target).Valid():
		return Errorf(CodeInvalid, "unknown indicator type %q", w.Target)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Notification events.
const (
	NotifyCollection = "collection" // a collection added matching intelligence
	NotifySighting   = "sighting"   // a matching indicator was seen
)

// Notification tells a user that something they watch changed.
type Notification struct {
	ID      int64  `json:"id"`
	UserID  int64  `json:"user_id"`
	WatchID int64  `json:"watch_id,omitempty"`
	Event   string `json:"event"` // NotifyCollection or NotifySighting
	Title   string `json:"title"`
	Detail  string `json:"detail,omitempty"`
	// Link is the page path of what changed (/groups/3, /indicators/9).
	Link      string    `json:"link,omitempty"`
	Hits      int       `json:"hits"`
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitzero"`
}

// Webhook is an endpoint a user's notifications are POSTed to, signed
// with its secret. The secret is stored sealed and never shown; the
// fingerprint tells secrets apart.
type Webhook struct {
	ID          int64     `json:"id"`
	UserID      int64     `json:"user_id"`
	Name        string    `json:"name"`
	URL         string    `json:"url"`
	Fingerprint string    `json:"secret_fingerprint"`
	CreatedAt   time.Time `json:"created_at"`
}

// Delivery statuses.
const (
	DeliveryOK     = "delivered"
	DeliveryRetry  = "retrying" // an attempt failed, another follows
	DeliveryFailed = "failed"   // the last attempt failed
)

// WebhookDelivery is one attempt to deliver a notification.
type WebhookDelivery struct {
	ID             int64     `json:"id"`
	WebhookID      int64     `json:"webhook_id"`
	NotificationID int64     `json:"notification_id,omitempty"`
	Attempt        int       `json:"attempt"`
	Status         string    `json:"status"`
	HTTPStatus     int       `json:"http_status,omitempty"`
	Error          string    `json:"error,omitempty"`
	At             time.Time `json:"at"`
}
