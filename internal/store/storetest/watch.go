package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store"
)

// Watches, notifications and webhooks: each user's own, a webhook's
// secret sealed and opened only for signing, and resealed by a rotation.
func testWatches(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	users := map[string]*intel.User{}
	for _, login := range []string{"ana", "bob"} {
		u := &intel.User{Login: login, Role: intel.RoleAnalyst, Enabled: true, PasswordHash: "x", CreatedAt: now}
		must(t, "create user", s.CreateUser(ctx, u))
		users[login] = u
	}
	ana, bob := users["ana"].ID, users["bob"].ID
	g := &intel.Object{Kind: intel.KindGroup, Name: "APT28", Confidence: 1}
	must(t, "create group", s.CreateObject(ctx, g))

	gw := &intel.Watch{UserID: ana, Kind: intel.WatchGroup, ObjectID: g.ID}
	must(t, "watch group", s.CreateWatch(ctx, gw))
	if gw.ID == 0 || gw.Target != "APT28" {
		t.Errorf("group watch = %+v, want the group's name", gw)
	}
	wantCode(t, "the same watch", s.CreateWatch(ctx, &intel.Watch{UserID: ana, Kind: intel.WatchGroup, ObjectID: g.ID, Target: "x"}), intel.CodeConflict)
	wantCode(t, "an unknown group", s.CreateWatch(ctx, &intel.Watch{UserID: ana, Kind: intel.WatchGroup, ObjectID: 999999, Target: "x"}), intel.CodeNotFound)
	wantCode(t, "an unknown type", s.CreateWatch(ctx, &intel.Watch{UserID: ana, Kind: intel.WatchType, Target: "car"}), intel.CodeInvalid)
	sw := &intel.Watch{UserID: bob, Kind: intel.WatchSearch, Target: "fancy bear", Seen: []string{"group:1"}}
	must(t, "watch search", s.CreateWatch(ctx, sw))
	must(t, "save seen", s.SaveWatchSeen(ctx, sw.ID, []string{"document:4", "group:1"}))

	all, err := s.FindWatches(ctx, 0)
	must(t, "all watches", err)
	if len(all) != 2 || all[0].Login != "ana" || all[0].Role != intel.RoleAnalyst || all[1].Kind != intel.WatchSearch ||
		strings.Join(all[1].Seen, ",") != "document:4,group:1" {
		t.Errorf("all watches = %+v", all)
	}
	wantCode(t, "someone else's watch", s.DeleteWatch(ctx, ana, sw.ID), intel.CodeNotFound)
	must(t, "own watch", s.DeleteWatch(ctx, bob, sw.ID))
	mine, err := s.FindWatches(ctx, bob)
	must(t, "bob's watches", err)
	if len(mine) != 0 {
		t.Errorf("bob's watches after delete = %+v", mine)
	}

	ns := []*intel.Notification{
		{UserID: ana, WatchID: gw.ID, Event: intel.NotifyCollection, Title: "3 indicators of APT28 new or changed", Link: "/groups/1", Hits: 3},
		{UserID: ana, WatchID: gw.ID, Event: intel.NotifySighting, Title: "domain x seen", Hits: 1},
	}
	must(t, "notify", s.CreateNotifications(ctx, ns))
	n, err := s.CountUnread(ctx, ana)
	must(t, "count", err)
	got, err := s.FindNotifications(ctx, ana, 10)
	must(t, "find notifications", err)
	if n != 2 || len(got) != 2 || got[0].ID != ns[1].ID || got[1].Hits != 3 || got[1].Link != "/groups/1" {
		t.Errorf("unread %d, notifications %+v", n, got)
	}
	if n, _ := s.CountUnread(ctx, bob); n != 0 {
		t.Errorf("bob has %d unread", n)
	}
	must(t, "read", s.MarkNotificationsRead(ctx, ana))
	if n, _ := s.CountUnread(ctx, ana); n != 0 {
		t.Errorf("unread after reading = %d", n)
	}

	// Webhooks: refused without a key, sealed with one.
	h := &intel.Webhook{UserID: ana, Name: "soc", URL: "https://hooks.example.com/x"}
	wantCode(t, "webhook without a key", s.CreateWebhook(ctx, h, "0123456789abcdef-secret"), intel.CodeInvalid)
	k1 := secret.NewKey()
	s.UseSecrets(secret.NewBox(k1))
	wantCode(t, "short secret", s.CreateWebhook(ctx, h, "short"), intel.CodeInvalid)
	must(t, "webhook", s.CreateWebhook(ctx, h, "0123456789abcdef-secret"))
	if h.Fingerprint != store.SecretFingerprint("0123456789abcdef-secret") {
		t.Errorf("fingerprint %q", h.Fingerprint)
	}
	wantCode(t, "the same name", s.CreateWebhook(ctx, &intel.Webhook{UserID: ana, Name: "soc", URL: "https://b.example.com"}, "0123456789abcdef-other"), intel.CodeConflict)
	var raw string
	must(t, "raw", s.DB().QueryRowContext(ctx, s.Dialect().Rebind(`SELECT secret FROM webhooks WHERE id = ?`), h.ID).Scan(&raw))
	if !strings.HasPrefix(raw, "enc:v1:") || strings.Contains(raw, "0123456789abcdef") {
		t.Errorf("stored secret %q, want it sealed", raw)
	}
	plain, err := s.OpenWebhookSecret(ctx, h.ID)
	if err != nil || plain != "0123456789abcdef-secret" {
		t.Errorf("opened secret %q, %v", plain, err)
	}
	stored, err := s.FindSecrets(ctx)
	must(t, "find secrets", err)
	if len(stored) != 1 || !strings.Contains(stored[0].Place.What, `webhook "soc" of ana`) {
		t.Errorf("secrets %+v, want the webhook's", stored)
	}
	k2 := secret.NewKey()
	box := secret.NewBox(k2, k1)
	if n, err := s.ResealSecrets(ctx, box); err != nil || n != 1 {
		t.Errorf("reseal: %d, %v; want the webhook's secret", n, err)
	}
	s.UseSecrets(secret.NewBox(k2))
	if plain, err := s.OpenWebhookSecret(ctx, h.ID); err != nil || plain != "0123456789abcdef-secret" {
		t.Errorf("after rotation: %q, %v", plain, err)
	}

	d := &intel.WebhookDelivery{WebhookID: h.ID, NotificationID: ns[0].ID, Attempt: 1, Status: intel.DeliveryRetry, HTTPStatus: 503, Error: "busy", At: now}
	must(t, "delivery", s.RecordDelivery(ctx, d))
	must(t, "delivery", s.RecordDelivery(ctx, &intel.WebhookDelivery{WebhookID: h.ID, NotificationID: ns[0].ID, Attempt: 2, Status: intel.DeliveryOK, HTTPStatus: 204, At: now}))
	ds, err := s.FindDeliveries(ctx, h.ID, 10)
	must(t, "deliveries", err)
	if len(ds) != 2 || ds[0].Attempt != 2 || ds[1].Error != "busy" || !ds[1].At.Equal(now) {
		t.Errorf("deliveries %+v", ds)
	}
	wantCode(t, "someone else's webhook", s.DeleteWebhook(ctx, bob, h.ID), intel.CodeNotFound)
	must(t, "delete webhook", s.DeleteWebhook(ctx, ana, h.ID))
	if ds, _ := s.FindDeliveries(ctx, h.ID, 10); len(ds) != 0 {
		t.Errorf("deliveries outlive their webhook: %+v", ds)
	}
}
