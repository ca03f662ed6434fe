package web

// Watches, notifications and webhooks: what a user asked to be told
// about, what they were told, and where it is sent. Each user sees and
// changes only their own. Adding a watch or a webhook goes through the
// Notifier (notify.Service), as spoor watch does: it resolves groups,
// seeds a saved search with its current hits and checks webhook targets.

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Notifier is what the web layer asks of the notifier.
type Notifier interface {
	AddWatch(ctx context.Context, w *intel.Watch) error
	AddWebhook(ctx context.Context, h *intel.Webhook, secret string) (string, error)
	Sighted(ctx context.Context, sgs []*intel.Sighting)
}

// watchStore reads and removes watches, notifications and webhooks.
type watchStore interface {
	FindWatches(ctx context.Context, userID int64) ([]*intel.Watch, error)
	DeleteWatch(ctx context.Context, userID, id int64) error
	FindNotifications(ctx context.Context, userID int64, limit int) ([]*intel.Notification, error)
	CountUnread(ctx context.Context, userID int64) (int, error)
	MarkNotificationsRead(ctx context.Context, userID int64) error
	FindWebhooks(ctx context.Context, userID int64) ([]*intel.Webhook, error)
	DeleteWebhook(ctx context.Context, userID, id int64) error
	FindDeliveries(ctx context.Context, webhookID int64, limit int) ([]intel.WebhookDelivery, error)
}

// watchInput adds a watch.
type watchInput struct {
	// Kind is group, search or type.
	Kind intel.WatchKind `json:"kind"`
	// Target is the group (name, alias or ATT&CK ID), the search words
	// or the indicator type.
	Target string `json:"target,omitempty"`
	// GroupID names the group by ID instead.
	GroupID int64 `json:"group_id,omitempty"`
}

// webhookInput adds a webhook.
type webhookInput struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// Secret signs the deliveries (at least 16 characters); generated
	// and answered once when omitted.
	Secret string `json:"secret,omitempty"`
}

// webhookCreated answers a new webhook; Secret only when it was generated.
type webhookCreated struct {
	Webhook *intel.Webhook `json:"webhook"`
	Secret  string         `json:"secret,omitempty"`
}

// notificationList is a user's notifications with the unread count.
type notificationList struct {
	Items  []*intel.Notification `json:"items"`
	Unread int                   `json:"unread"`
}

var errNoNotifier = intel.Errorf(intel.CodeInvalid, "this server has no notifier: watches cannot be added here")

func (s *Server) addWatch(ctx context.Context, in watchInput) (*intel.Watch, error) {
	if s.notifier == nil {
		return nil, errNoNotifier
	}
	w := &intel.Watch{UserID: authOf(ctx).User.ID, Kind: in.Kind, Target: in.Target, ObjectID: in.GroupID}
	if !w.Kind.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown watch kind %q: use group, search or type", w.Kind)
	}
	if err := s.notifier.AddWatch(ctx, w); err != nil {
		return nil, err
	}
	return w, nil
}

func (s *Server) addWebhook(ctx context.Context, in webhookInput) (webhookCreated, error) {
	if s.notifier == nil {
		return webhookCreated{}, errNoNotifier
	}
	h := &intel.Webhook{UserID: authOf(ctx).User.ID, Name: in.Name, URL: strings.TrimSpace(in.URL)}
	plain, err := s.notifier.AddWebhook(ctx, h, in.Secret)
	if err != nil {
		return webhookCreated{}, err
	}
	out := webhookCreated{Webhook: h}
	if in.Secret == "" {
		out.Secret = plain
	}
	return out, nil
}

// ownWebhook checks that the webhook is the user's (someone else's is
// not found).
func (s *Server) ownWebhook(ctx context.Context, id int64) error {
	hooks, err := s.store.FindWebhooks(ctx, authOf(ctx).User.ID)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if h.ID == id {
			return nil
		}
	}
	return intel.Errorf(intel.CodeNotFound, "webhook %d not found", id)
}

func (s *Server) apiWatchList(w http.ResponseWriter, r *http.Request) {
	ws, err := s.store.FindWatches(r.Context(), authFrom(r).User.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[*intel.Watch]{Items: ws}))
}

func (s *Server) apiWatchCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, s.addWatch)
}

func (s *Server) apiWatchDelete(w http.ResponseWriter, r *http.Request) {
	deleteByID(s, w, r, func(ctx context.Context, id int64) error {
		return s.store.DeleteWatch(ctx, authOf(ctx).User.ID, id)
	})
}

func (s *Server) apiNotificationList(w http.ResponseWriter, r *http.Request) {
	ctx, uid := r.Context(), authFrom(r).User.ID
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.error(w, r, intel.Errorf(intel.CodeInvalid, "limit must be 1 to 500"))
			return
		}
		limit = n
	}
	ns, err := s.store.FindNotifications(ctx, uid, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	unread, err := s.store.CountUnread(ctx, uid)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if ns == nil {
		ns = []*intel.Notification{}
	}
	writeJSON(w, http.StatusOK, notificationList{Items: ns, Unread: unread})
}

func (s *Server) apiNotificationsRead(w http.ResponseWriter, r *http.Request) {
	if err := s.store.MarkNotificationsRead(r.Context(), authFrom(r).User.ID); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiWebhookList(w http.ResponseWriter, r *http.Request) {
	hs, err := s.store.FindWebhooks(r.Context(), authFrom(r).User.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[*intel.Webhook]{Items: hs}))
}

func (s *Server) apiWebhookCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, s.addWebhook)
}

func (s *Server) apiWebhookDelete(w http.ResponseWriter, r *http.Request) {
	deleteByID(s, w, r, func(ctx context.Context, id int64) error {
		return s.store.DeleteWebhook(ctx, authOf(ctx).User.ID, id)
	})
}

func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (intel.Page[intel.WebhookDelivery], error) {
		if err := s.ownWebhook(ctx, id); err != nil {
			return intel.Page[intel.WebhookDelivery]{}, err
		}
		ds, err := s.store.FindDeliveries(ctx, id, 100)
		return nonNil(intel.Page[intel.WebhookDelivery]{Items: ds}), err
	})
}

// webhookRow is a webhook on the watches page with its latest deliveries.
type webhookRow struct {
	*intel.Webhook
	Deliveries []intel.WebhookDelivery
}

type watchesData struct {
	Watches   []*intel.Watch
	Webhooks  []webhookRow
	Kinds     []intel.WatchKind
	NewSecret string // a generated webhook secret, shown once
	Error     string
	CanAdd    bool
}

func (s *Server) watchesPage(w http.ResponseWriter, r *http.Request) {
	s.renderWatches(w, r, http.StatusOK, &watchesData{})
}

func (s *Server) renderWatches(w http.ResponseWriter, r *http.Request, status int, d *watchesData) {
	ctx, uid := r.Context(), authFrom(r).User.ID
	var err error
	if d.Watches, err = s.store.FindWatches(ctx, uid); err != nil {
		s.error(w, r, err)
		return
	}
	hooks, err := s.store.FindWebhooks(ctx, uid)
	if err != nil {
		s.error(w, r, err)
		return
	}
	for _, h := range hooks {
		ds, err := s.store.FindDeliveries(ctx, h.ID, 10)
		if err != nil {
			s.error(w, r, err)
			return
		}
		d.Webhooks = append(d.Webhooks, webhookRow{Webhook: h, Deliveries: ds})
	}
	d.Kinds = []intel.WatchKind{intel.WatchGroup, intel.WatchSearch, intel.WatchType}
	d.CanAdd = s.notifier != nil
	s.render(w, r, status, "watches", d)
}

// formFailed shows the watches page again with the message of a refused
// form, or the error page for anything else.
func (s *Server) watchFormFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch intel.ErrorCode(err) {
	case intel.CodeInvalid, intel.CodeNotFound, intel.CodeConflict:
		_, _, msg := errorStatus(err)
		s.renderWatches(w, r, http.StatusUnprocessableEntity, &watchesData{Error: msg})
	default:
		s.error(w, r, err)
	}
}

func (s *Server) watchAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := watchInput{Kind: intel.WatchKind(f.Get("kind")), Target: f.Get("target")}
	if v := f.Get("group_id"); v != "" {
		in.GroupID, _ = strconv.ParseInt(v, 10, 64)
	}
	wt, err := s.addWatch(r.Context(), in)
	if err != nil {
		s.watchFormFailed(w, r, err)
		return
	}
	if in.GroupID > 0 && f.Get("back") == "group" {
		http.Redirect(w, r, "/groups/"+strconv.FormatInt(wt.ObjectID, 10), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/watches", http.StatusSeeOther)
}

func (s *Server) watchRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.store.DeleteWatch(r.Context(), authFrom(r).User.ID, id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/watches", http.StatusSeeOther)
}

func (s *Server) webhookAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	out, err := s.addWebhook(r.Context(), webhookInput{Name: f.Get("name"), URL: f.Get("url"), Secret: f.Get("secret")})
	if err != nil {
		s.watchFormFailed(w, r, err)
		return
	}
	if out.Secret != "" {
		// No redirect: a generated secret is shown now, and never again.
		s.renderWatches(w, r, http.StatusCreated, &watchesData{NewSecret: out.Secret})
		return
	}
	http.Redirect(w, r, "/watches", http.StatusSeeOther)
}

func (s *Server) webhookRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.store.DeleteWebhook(r.Context(), authFrom(r).User.ID, id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/watches", http.StatusSeeOther)
}

type notificationsData struct {
	Items  []*intel.Notification
	Unread int
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	ctx, uid := r.Context(), authFrom(r).User.ID
	ns, err := s.store.FindNotifications(ctx, uid, 200)
	if err != nil {
		s.error(w, r, err)
		return
	}
	unread, err := s.store.CountUnread(ctx, uid)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", &notificationsData{Items: ns, Unread: unread})
}

func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) {
	if err := s.store.MarkNotificationsRead(r.Context(), authFrom(r).User.ID); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
