package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
)

// Notifications, webhooks and their delivery log (migration 0025).

const notificationCols = `n.id, n.user_id, COALESCE(n.watch_id, 0), n.event, n.title, n.detail, n.link, n.hits, n.created_at, n.read_at`

func scanNotification(r scanner) (*intel.Notification, error) {
	var n intel.Notification
	var created, read int64
	if err := r.Scan(&n.ID, &n.UserID, &n.WatchID, &n.Event, &n.Title, &n.Detail, &n.Link, &n.Hits, &created, &read); err != nil {
		return nil, err
	}
	n.CreatedAt, n.ReadAt = fromMS(created), fromMS(read)
	return &n, nil
}

// CreateNotifications stores notifications in one transaction; IDs and
// CreatedAt are set.
func (s *Store) CreateNotifications(ctx context.Context, ns []*intel.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	now := truncMS(s.now())
	return s.wrap("create notifications", s.inTx(ctx, func(tx *sql.Tx) error {
		for _, n := range ns {
			n.CreatedAt = now
			if err := s.queryRow(ctx, tx, `INSERT INTO notifications (user_id, watch_id, event, title, detail, link, hits, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.UserID, nullID(n.WatchID), n.Event, n.Title, n.Detail, n.Link, n.Hits,
				ms(n.CreatedAt)).Scan(&n.ID); err != nil {
				return err
			}
		}
		return nil
	}))
}

// FindNotifications lists a user's notifications, newest first, at most
// limit (1 to 500).
func (s *Store) FindNotifications(ctx context.Context, userID int64, limit int) ([]*intel.Notification, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+notificationCols+` FROM notifications n WHERE n.user_id = ?
ORDER BY n.id DESC LIMIT ?`, userID, pageLimit(limit))
	if err != nil {
		return nil, s.wrap("find notifications", err)
	}
	defer rows.Close()
	var out []*intel.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, s.wrap("find notifications", err)
		}
		out = append(out, n)
	}
	return out, s.wrap("find notifications", rows.Err())
}

// CountUnread counts a user's unread notifications (the header's badge).
func (s *Store) CountUnread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, s.rdb, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at = 0`, userID).Scan(&n)
	return n, s.wrap("count notifications", err)
}

// MarkNotificationsRead marks every unread notification of a user read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID int64) error {
	_, err := s.exec(ctx, s.db, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at = 0`, ms(s.now()), userID)
	return s.wrap("read notifications", err)
}

const webhookCols = `h.id, h.user_id, h.name, h.url, h.fingerprint, h.created_at`

func scanWebhook(r scanner) (*intel.Webhook, error) {
	var h intel.Webhook
	var created int64
	if err := r.Scan(&h.ID, &h.UserID, &h.Name, &h.URL, &h.Fingerprint, &created); err != nil {
		return nil, err
	}
	h.CreatedAt = fromMS(created)
	return &h, nil
}

// SecretFingerprint is what is shown of a webhook's secret: the first 16
// hex digits of its SHA-256.
func SecretFingerprint(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:8])
}

// CreateWebhook stores a webhook of h.UserID with its secret sealed
// (refused without a secret key); a second webhook of the same name is a
// conflict. ID, Fingerprint and CreatedAt are set. The caller checks the
// URL (notify.Service: scheme, private addresses).
func (s *Store) CreateWebhook(ctx context.Context, h *intel.Webhook, plainSecret string) error {
	h.Name = strings.TrimSpace(h.Name)
	switch {
	case h.Name == "" || len(h.Name) > 100 || strings.ContainsFunc(h.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return s.wrap("create webhook", intel.Errorf(intel.CodeInvalid, "a webhook needs a name of 1 to 100 characters without control characters"))
	case len(plainSecret) < 16:
		return s.wrap("create webhook", intel.Errorf(intel.CodeInvalid, "a webhook secret must have at least 16 characters"))
	}
	h.CreatedAt, h.Fingerprint = truncMS(s.now()), SecretFingerprint(plainSecret)
	return s.wrap("create webhook", s.inTx(ctx, func(tx *sql.Tx) error {
		var login string
		err := s.queryRow(ctx, tx, `SELECT login FROM users WHERE id = ?`, h.UserID).Scan(&login)
		if err == sql.ErrNoRows {
			return notFound("user", h.UserID)
		}
		if err != nil {
			return err
		}
		place := secret.WebhookSecret(login, h.Name)
		if s.secrets == nil {
			return &intel.Error{Code: intel.CodeInvalid, Err: secret.ErrNoKey,
				Message: fmt.Sprintf("cannot encrypt the %s: the store has no secret key", place.What)}
		}
		sealed, err := place.Seal(s.secrets, plainSecret)
		if err != nil {
			return &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
		}
		if err := s.queryRow(ctx, tx, `INSERT INTO webhooks (user_id, name, url, secret, fingerprint, created_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, h.UserID, h.Name, h.URL, sealed, h.Fingerprint, ms(h.CreatedAt)).Scan(&h.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "webhook.create", "webhook", h.ID, fmt.Sprintf("%s → %s (secret %s)", h.Name, h.URL, h.Fingerprint))
	}))
}

// FindWebhooks lists a user's webhooks by name.
func (s *Store) FindWebhooks(ctx context.Context, userID int64) ([]*intel.Webhook, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+webhookCols+` FROM webhooks h WHERE h.user_id = ? ORDER BY h.name, h.id`, userID)
	if err != nil {
		return nil, s.wrap("find webhooks", err)
	}
	defer rows.Close()
	var out []*intel.Webhook
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, s.wrap("find webhooks", err)
		}
		out = append(out, h)
	}
	return out, s.wrap("find webhooks", rows.Err())
}

// DeleteWebhook deletes a webhook of the user (any user's when userID is
// 0) with its delivery log, or gives CodeNotFound.
func (s *Store) DeleteWebhook(ctx context.Context, userID, id int64) error {
	return s.wrap("delete webhook", s.inTx(ctx, func(tx *sql.Tx) error {
		var owner int64
		var name string
		err := s.queryRow(ctx, tx, `SELECT user_id, name FROM webhooks WHERE id = ?`, id).Scan(&owner, &name)
		if err == sql.ErrNoRows || err == nil && userID > 0 && owner != userID {
			return notFound("webhook", id)
		}
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM webhooks WHERE id = ?`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "webhook.delete", "webhook", id, name)
	}))
}

// OpenWebhookSecret returns a webhook's secret in the clear, for signing
// a delivery; nothing else reads it.
func (s *Store) OpenWebhookSecret(ctx context.Context, id int64) (string, error) {
	var login, name, sealed string
	err := s.queryRow(ctx, s.rdb, `SELECT u.login, h.name, h.secret FROM webhooks h JOIN users u ON u.id = h.user_id WHERE h.id = ?`, id).
		Scan(&login, &name, &sealed)
	if err == sql.ErrNoRows {
		return "", s.wrap("webhook secret", notFound("webhook", id))
	}
	if err != nil {
		return "", s.wrap("webhook secret", err)
	}
	plain, err := secret.WebhookSecret(login, name).Reveal(s.secrets, sealed)
	return plain, s.wrap("webhook secret", err)
}

// RecordDelivery logs one delivery attempt; ID is set.
func (s *Store) RecordDelivery(ctx context.Context, d *intel.WebhookDelivery) error {
	if d.At.IsZero() {
		d.At = s.now()
	}
	d.At = truncMS(d.At)
	err := s.queryRow(ctx, s.db, `INSERT INTO webhook_deliveries (webhook_id, notification_id, attempt, status, http_status, error, at)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.WebhookID, nullID(d.NotificationID), d.Attempt, d.Status, d.HTTPStatus, d.Error, ms(d.At)).Scan(&d.ID)
	return s.wrap("record delivery", err)
}

// FindDeliveries lists a webhook's delivery log, newest first, at most
// limit (1 to 500).
func (s *Store) FindDeliveries(ctx context.Context, webhookID int64, limit int) ([]intel.WebhookDelivery, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, webhook_id, COALESCE(notification_id, 0), attempt, status, http_status, error, at
FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, webhookID, pageLimit(limit))
	if err != nil {
		return nil, s.wrap("find deliveries", err)
	}
	defer rows.Close()
	var out []intel.WebhookDelivery
	for rows.Next() {
		var d intel.WebhookDelivery
		var at int64
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.NotificationID, &d.Attempt, &d.Status, &d.HTTPStatus, &d.Error, &at); err != nil {
			return nil, s.wrap("find deliveries", err)
		}
		d.At = fromMS(at)
		out = append(out, d)
	}
	return out, s.wrap("find deliveries", rows.Err())
}
