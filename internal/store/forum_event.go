package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
)

// Forum threat events: a thread's intel.Event (events, keyed by source
// and thread) with what the classifier read in its opening post
// (forum_events, migration 0030).

// ForumEventSave is one thread to store as a threat event: the event the
// analysis reads, and the reading (Thread, PostKey and Author name the
// thread, its opening post and its author; Kind, Role, Tactic, their
// scores and Entities are kept).
type ForumEventSave struct {
	Event   *intel.Event
	Reading forum.Event
}

// SaveForumEvents stores a forum's threat events in one transaction: the
// events as SaveSourceEvents stores them (one already stored by its key
// is left as it is), and each one's reading, which is added where the
// event has none (an event stored before readings were kept gets one).
// It returns how many events were new.
func (s *Store) SaveForumEvents(ctx context.Context, sourceID int64, forumName string, items []ForumEventSave) (int, error) {
	created := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var forumID int64
		if err := s.queryRow(ctx, tx, `SELECT id FROM forums WHERE name = ?`, forumName).Scan(&forumID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return intel.Errorf(intel.CodeNotFound, "no forum %q", forumName)
			}
			return err
		}
		events := make([]*intel.Event, len(items))
		for i, it := range items {
			events[i] = it.Event
		}
		var err error
		if created, err = s.saveSourceEventsTx(ctx, tx, sourceID, events); err != nil {
			return err
		}
		threads, err := s.forumKeyIDs(ctx, tx, `SELECT thread_key, id FROM forum_threads WHERE forum_id = ?`, forumID)
		if err != nil {
			return err
		}
		authors, err := s.forumKeyIDs(ctx, tx, `SELECT handle, id FROM forum_authors WHERE forum_id = ?`, forumID)
		if err != nil {
			return err
		}
		// The source's event IDs by key, read once (the events were
		// saved above in this transaction).
		eventIDs, err := s.forumKeyIDs(ctx, tx, `SELECT event_key, id FROM events WHERE source_id = ? AND event_key IS NOT NULL`, sourceID)
		if err != nil {
			return err
		}
		for _, it := range items {
			r := it.Reading
			th, ok := threads[r.Thread]
			if !ok {
				return intel.Errorf(intel.CodeInvalid, "forum %q has no thread %q", forumName, r.Thread)
			}
			eventID, ok := eventIDs[it.Event.Key]
			if !ok {
				return fmt.Errorf("event %q: not stored", it.Event.Key)
			}
			var author any
			if id, ok := authors[r.Author]; ok {
				author = id
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO forum_events (event_id, forum_id, thread_id, author_id, post_key, kind, kind_score, role, role_score, tactic, entities)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, eventID, forumID, th, author, r.PostKey, r.Kind, r.KindScore, r.Role, r.RoleScore,
				r.Tactic, jsonText(r.Entities)); err != nil {
				return fmt.Errorf("thread %q: %w", r.Thread, err)
			}
		}
		return nil
	})
	return created, s.wrap("save forum events", err)
}

// forumKeyIDs reads a key → ID map of one forum.
func (s *Store) forumKeyIDs(ctx context.Context, q querier, query string, forumID int64) (map[string]int64, error) {
	rows, err := s.query(ctx, q, query, forumID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		m[k] = id
	}
	return m, rows.Err()
}

const forumEventFrom = ` FROM forum_events fe JOIN events e ON e.id = fe.event_id JOIN forums f ON f.id = fe.forum_id
 JOIN forum_threads t ON t.id = fe.thread_id JOIN forum_sections sc ON sc.id = t.section_id
 LEFT JOIN forum_authors a ON a.id = fe.author_id`

// ForumEvents returns a page of stored threat events, newest first, with
// the opening post's text as collected, how many match, and the kinds,
// roles and techniques of the events of the forum (and author) whatever
// the other filters.
func (s *Store) ForumEvents(ctx context.Context, flt forum.EventFilter) (*forum.EventPage, error) {
	if flt.Limit <= 0 {
		flt.Limit = 50
	}
	if flt.Limit > 1000 || flt.Offset < 0 {
		return nil, intel.Errorf(intel.CodeInvalid, "limit must be at most 1000 and offset not negative")
	}
	if !flt.Since.IsZero() && !flt.Until.IsZero() && flt.Until.Before(flt.Since) {
		return nil, intel.Errorf(intel.CodeInvalid, "until %s is before since %s", flt.Until.Format(time.DateOnly), flt.Since.Format(time.DateOnly))
	}
	scope := []string{"1 = 1"}
	var scopeArgs []any
	if flt.ForumID != 0 {
		scope, scopeArgs = append(scope, "fe.forum_id = ?"), append(scopeArgs, flt.ForumID)
	}
	if flt.AuthorID != 0 {
		scope, scopeArgs = append(scope, "fe.author_id = ?"), append(scopeArgs, flt.AuthorID)
	}
	where, args := append([]string{}, scope...), append([]any{}, scopeArgs...)
	if flt.Kind != "" {
		where, args = append(where, "fe.kind = ?"), append(args, flt.Kind)
	}
	if flt.Technique != "" {
		c, a := techniqueClause(flt.Technique)
		where, args = append(where, c), append(args, a...)
	}
	if !flt.Since.IsZero() {
		where, args = append(where, "e.first_seen >= ?"), append(args, ms(day(flt.Since)))
	}
	if !flt.Until.IsZero() {
		where, args = append(where, "e.first_seen < ?"), append(args, ms(day(flt.Until).AddDate(0, 0, 1)))
	}
	page := &forum.EventPage{Events: []forum.Event{}}
	cond := " WHERE " + strings.Join(where, " AND ")
	if err := s.queryRow(ctx, s.rdb, `SELECT COUNT(*)`+forumEventFrom+cond, args...).Scan(&page.Total); err != nil {
		return nil, s.wrap("forum events", err)
	}
	text := `COALESCE((SELECT p.text FROM forum_posts p WHERE p.forum_id = fe.forum_id AND p.post_key = fe.post_key), '')`
	if flt.WithoutText {
		text = `''`
	}
	rows, err := s.query(ctx, s.rdb, `SELECT e.id, f.name, sc.name, t.thread_key, t.title, fe.post_key, COALESCE(a.handle, ''), COALESCE(fe.author_id, 0),
 e.first_seen, e.title, fe.kind, fe.kind_score, fe.role, fe.role_score, fe.tactic, e.techniques, e.software, e.group_label, COALESCE(e.group_id, 0),
 fe.entities, `+text+forumEventFrom+cond+`
ORDER BY e.first_seen DESC, e.id DESC LIMIT ? OFFSET ?`, append(args, flt.Limit, flt.Offset)...)
	if err != nil {
		return nil, s.wrap("forum events", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev forum.Event
		var first int64
		var techniques, software, entities string
		if err := rows.Scan(&ev.ID, &ev.Forum, &ev.Section, &ev.Thread, &ev.ThreadTitle, &ev.PostKey, &ev.Author, &ev.AuthorID,
			&first, &ev.Title, &ev.Kind, &ev.KindScore, &ev.Role, &ev.RoleScore, &ev.Tactic, &techniques, &software, &ev.Group, &ev.GroupID,
			&entities, &ev.Text); err != nil {
			return nil, s.wrap("forum events", err)
		}
		ev.Time = fromMS(first)
		ev.Techniques, ev.Software = orEmptyStrings(fromJSON[string](techniques)), orEmptyStrings(fromJSON[string](software))
		ev.Entities = []forum.Entity{}
		if err := json.Unmarshal([]byte(entities), &ev.Entities); err != nil {
			return nil, s.wrap("forum events", fmt.Errorf("event %d: entities: %w", ev.ID, err))
		}
		page.Events = append(page.Events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("forum events", err)
	}
	rows.Close()
	if page.Kinds, page.Roles, page.Techniques, err = s.forumEventFacets(ctx, " WHERE "+strings.Join(scope, " AND "), scopeArgs); err != nil {
		return nil, s.wrap("forum events", err)
	}
	return page, nil
}

// day is the start of t's day in UTC.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// forumEventFacets counts the kinds, roles and techniques of the events
// of a scope, most first.
func (s *Store) forumEventFacets(ctx context.Context, cond string, args []any) (kinds, roles, techniques []forum.Facet, err error) {
	rows, err := s.query(ctx, s.rdb, `SELECT fe.kind, fe.role, e.techniques`+forumEventFrom+cond, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	k, r, t := map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var kind, role, techs string
		if err := rows.Scan(&kind, &role, &techs); err != nil {
			return nil, nil, nil, err
		}
		k[kind]++
		if role != "" {
			r[role]++
		}
		for _, id := range fromJSON[string](techs) {
			t[id]++
		}
	}
	return facets(k), facets(r), facets(t), rows.Err()
}

func facets(m map[string]int) []forum.Facet {
	out := make([]forum.Facet, 0, len(m))
	for v, n := range m {
		out = append(out, forum.Facet{Value: v, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// ForumPostsMentioning returns at most limit posts, of every forum but
// exceptForum, whose text holds one of texts (any case), each with its
// forum, author (and AuthorID) and text: where a contact string turns up
// again. All the texts are looked for in one pass over the posts.
func (s *Store) ForumPostsMentioning(ctx context.Context, texts []string, exceptForum string, limit int) ([]forum.Post, error) {
	out := []forum.Post{}
	var likes []string
	args := []any{exceptForum}
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			likes = append(likes, `LOWER(p.text) LIKE ? ESCAPE '\'`)
			args = append(args, "%"+likeEscape(strings.ToLower(t))+"%")
		}
	}
	if len(likes) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, s.rdb, `SELECT f.name, a.handle, p.author_id, p.post_key, p.text FROM forum_posts p
 JOIN forums f ON f.id = p.forum_id JOIN forum_authors a ON a.id = p.author_id
WHERE f.name <> ? AND (`+strings.Join(likes, " OR ")+`) ORDER BY p.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, s.wrap("forum posts mentioning", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p forum.Post
		if err := rows.Scan(&p.Forum, &p.Author, &p.AuthorID, &p.Key, &p.Text); err != nil {
			return nil, s.wrap("forum posts mentioning", err)
		}
		out = append(out, p)
	}
	return out, s.wrap("forum posts mentioning", rows.Err())
}
