package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
)

// Forums: configuration (forums), runs (forum_imports) and posts kept as
// collected with their sections, threads and authors (migration 0023).

const forumColumns = `f.id, f.name, f.engine, f.start_urls, f.rate_ms, f.proxy, f.cookie, f.created_at, f.updated_at`

func scanForum(sc interface{ Scan(...any) error }, f *forum.Forum) error {
	var urls string
	var rate, created, updated int64
	if err := sc.Scan(&f.ID, &f.Name, &f.Engine, &urls, &rate, &f.Proxy, &f.Cookie, &created, &updated); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(urls), &f.StartURLs); err != nil {
		return fmt.Errorf("forum %q: start URLs: %w", f.Name, err)
	}
	f.RateLimit = time.Duration(rate) * time.Millisecond
	f.HasCookie = f.Cookie != ""
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

// SaveForum adds a forum or changes the one of its name: engine, start
// URLs, rate limit, proxy, and the session cookie, sealed with the store's
// Secrets (refused without them). An empty Cookie keeps the stored one.
// f gets its ID and the cookie as stored (sealed).
func (s *Store) SaveForum(ctx context.Context, f *forum.Forum) error {
	if err := f.Check(); err != nil {
		return &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var old forum.Forum
		err := scanForum(s.queryRow(ctx, tx, `SELECT `+forumColumns+` FROM forums f WHERE f.name = ?`+s.d.LockRows(), f.Name), &old)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		cookie := old.Cookie
		if f.Cookie != "" && f.Cookie != old.Cookie {
			place := secret.ForumCookie(f.Name)
			if s.secrets == nil {
				return &intel.Error{Code: intel.CodeInvalid, Err: secret.ErrNoKey,
					Message: fmt.Sprintf("cannot encrypt %s: the store has no secret key", place.What)}
			}
			if secret.IsSealed(f.Cookie) {
				if _, err := place.Reveal(s.secrets, f.Cookie); err != nil {
					return intel.Errorf(intel.CodeInvalid, "%s is given sealed and does not open here: give the value itself", place.What)
				}
				cookie = f.Cookie
			} else if cookie, err = place.Seal(s.secrets, f.Cookie); err != nil {
				return &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
			}
		}
		urls, _ := json.Marshal(orEmptyStrings(f.StartURLs))
		now := ms(s.now())
		action := "forum.update"
		if exists {
			_, err = s.exec(ctx, tx, `UPDATE forums SET engine = ?, start_urls = ?, rate_ms = ?, proxy = ?, cookie = ?, updated_at = ? WHERE id = ?`,
				f.Engine, string(urls), f.RateLimit.Milliseconds(), f.Proxy, cookie, now, old.ID)
			f.ID, f.CreatedAt = old.ID, old.CreatedAt
		} else {
			action = "forum.create"
			err = s.queryRow(ctx, tx, `INSERT INTO forums (name, engine, start_urls, rate_ms, proxy, cookie, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, f.Name, f.Engine, string(urls), f.RateLimit.Milliseconds(), f.Proxy, cookie, now, now).Scan(&f.ID)
			f.CreatedAt = fromMS(now)
		}
		if err != nil {
			return err
		}
		f.Cookie, f.HasCookie, f.UpdatedAt = cookie, cookie != "", fromMS(now)
		return s.audit(ctx, tx, action, "forum", f.ID, f.Name)
	})
	return s.wrap("save forum", err)
}

// AddForum saves a forum from its configuration as given (spoor forum
// add, the Add forum form and POST /api/v1/forums): read by
// forum.Input.Forum, then SaveForum.
func (s *Store) AddForum(ctx context.Context, in forum.Input) (*forum.Forum, error) {
	f, err := in.Forum()
	if err != nil {
		return nil, &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
	}
	if err := s.SaveForum(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

func orEmptyStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// ListForums returns every forum with what is stored of it, by name.
func (s *Store) ListForums(ctx context.Context) ([]forum.Forum, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+forumColumns+`,
 (SELECT COUNT(*) FROM forum_sections x WHERE x.forum_id = f.id),
 (SELECT COUNT(*) FROM forum_threads x WHERE x.forum_id = f.id),
 (SELECT COUNT(*) FROM forum_authors x WHERE x.forum_id = f.id),
 (SELECT COUNT(*) FROM forum_posts x WHERE x.forum_id = f.id),
 (SELECT COALESCE(MIN(posted_at), 0) FROM forum_posts x WHERE x.forum_id = f.id AND x.precision > 0),
 (SELECT COALESCE(MAX(posted_at), 0) FROM forum_posts x WHERE x.forum_id = f.id AND x.precision > 0)
FROM forums f ORDER BY f.name`)
	if err != nil {
		return nil, s.wrap("list forums", err)
	}
	defer rows.Close()
	out := []forum.Forum{}
	for rows.Next() {
		var f forum.Forum
		var first, last int64
		err := scanForum(scanFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &f.Sections, &f.Threads, &f.Authors, &f.Posts, &first, &last)...)
		}), &f)
		if err != nil {
			return nil, s.wrap("list forums", err)
		}
		f.First, f.Last = fromMS(first), fromMS(last)
		out = append(out, f)
	}
	return out, s.wrap("list forums", rows.Err())
}

// FindForum returns the forum of a name with its counts.
func (s *Store) FindForum(ctx context.Context, name string) (*forum.Forum, error) {
	return s.findForum(ctx, func(f *forum.Forum) bool { return f.Name == name }, fmt.Sprintf("no forum %q", name))
}

// FindForumByID returns the forum of an ID with its counts.
func (s *Store) FindForumByID(ctx context.Context, id int64) (*forum.Forum, error) {
	return s.findForum(ctx, func(f *forum.Forum) bool { return f.ID == id }, fmt.Sprintf("no forum %d", id))
}

func (s *Store) findForum(ctx context.Context, match func(*forum.Forum) bool, missing string) (*forum.Forum, error) {
	all, err := s.ListForums(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if match(&all[i]) {
			return &all[i], nil
		}
	}
	return nil, intel.Errorf(intel.CodeNotFound, "%s", missing)
}

// ForumCookie returns a forum's session cookie opened, "" when it has
// none: what a crawl sends, never shown.
func (s *Store) ForumCookie(ctx context.Context, name string) (string, error) {
	var v string
	err := s.queryRow(ctx, s.rdb, `SELECT cookie FROM forums WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", intel.Errorf(intel.CodeNotFound, "no forum %q", name)
	}
	if err != nil || v == "" {
		return "", s.wrap("forum cookie", err)
	}
	plain, err := secret.ForumCookie(name).Reveal(s.secrets, v)
	if err != nil {
		return "", &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
	}
	return plain, nil
}

// ForumImport says where posts come from: a dump's file name and format,
// or "crawl"; Skipped counts the rows the reader left out.
type ForumImport struct {
	Source  string `json:"source"`
	Format  string `json:"format"`
	Skipped int    `json:"skipped"`
	// Engine is the engine a forum the import creates gets ("import").
	Engine string `json:"-"`
}

// ForumImportResult counts what an import stored.
type ForumImportResult struct {
	Forum    string `json:"forum"`
	ImportID int64  `json:"import_id"`
	Seen     int    `json:"seen"`
	Added    int    `json:"added"`
	Skipped  int    `json:"skipped"`
	Sections int    `json:"sections_added"`
	Threads  int    `json:"threads_added"`
	Authors  int    `json:"authors_added"`
}

// SaveForumPosts stores posts of one forum (made when missing) in one
// transaction and returns how many were new: a post whose key the forum
// has is left as stored, so saving the same page again adds nothing.
func (s *Store) SaveForumPosts(ctx context.Context, forumName string, posts []forum.Post) (int, error) {
	r, err := s.ImportForumPosts(ctx, forumName, ForumImport{Source: "crawl", Format: "crawl"}, posts)
	if err != nil {
		return 0, err
	}
	return r.Added, nil
}

// ImportForumPosts stores posts in one transaction with a record of the
// run per forum, idempotent on (forum, post key). forumName, when not
// "", is the forum of every post whatever its Forum says; else each post
// goes to its own forum (made when missing). A post is kept exactly as
// given; a thread keeps the section and title it was first stored with,
// an author the first title seen.
func (s *Store) ImportForumPosts(ctx context.Context, forumName string, imp ForumImport, posts []forum.Post) (*ForumImportResult, error) {
	res := &ForumImportResult{Forum: forumName, Seen: len(posts), Skipped: imp.Skipped}
	engine := imp.Engine
	if engine == "" {
		engine = "import"
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.importForumPostsTx(ctx, tx, forumName, imp, engine, posts, res)
	})
	if err != nil {
		return nil, s.wrap("import forum posts", err)
	}
	return res, nil
}

// importForumPostsTx is ImportForumPosts within the transaction tx.
func (s *Store) importForumPostsTx(ctx context.Context, tx *sql.Tx, forumName string, imp ForumImport, engine string, posts []forum.Post, res *ForumImportResult) error {
	type forumState struct {
		id, importID               int64
		seen, added                int
		sections, threads, authors map[string]int64
	}
	now := ms(s.now())
	ids := func(query string, forumID int64) (map[string]int64, error) {
		return s.forumKeyIDs(ctx, tx, query, forumID)
	}
	forums := map[string]*forumState{}
	var order []string
	open := func(name string) (*forumState, error) {
		if st := forums[name]; st != nil {
			return st, nil
		}
		f := &forum.Forum{Name: name, Engine: engine}
		if err := f.Check(); err != nil {
			return nil, &intel.Error{Code: intel.CodeInvalid, Message: err.Error(), Err: err}
		}
		st := &forumState{}
		err := s.queryRow(ctx, tx, `SELECT id FROM forums WHERE name = ?`, f.Name).Scan(&st.id)
		if errors.Is(err, sql.ErrNoRows) {
			err = s.queryRow(ctx, tx, `INSERT INTO forums (name, engine, start_urls, created_at, updated_at) VALUES (?, ?, '[]', ?, ?) RETURNING id`,
				f.Name, f.Engine, now, now).Scan(&st.id)
			if err == nil {
				err = s.audit(ctx, tx, "forum.create", "forum", st.id, f.Name)
			}
		}
		if err != nil {
			return nil, err
		}
		if err := s.queryRow(ctx, tx, `INSERT INTO forum_imports (forum_id, source, format, started_at, seen, added, skipped)
VALUES (?, ?, ?, ?, 0, 0, ?) RETURNING id`, st.id, imp.Source, imp.Format, now, imp.Skipped).Scan(&st.importID); err != nil {
			return nil, err
		}
		if st.sections, err = ids(`SELECT name, id FROM forum_sections WHERE forum_id = ?`, st.id); err != nil {
			return nil, err
		}
		if st.threads, err = ids(`SELECT thread_key, id FROM forum_threads WHERE forum_id = ?`, st.id); err != nil {
			return nil, err
		}
		if st.authors, err = ids(`SELECT handle, id FROM forum_authors WHERE forum_id = ?`, st.id); err != nil {
			return nil, err
		}
		forums[name] = st
		order = append(order, name)
		if res.ImportID == 0 {
			res.ImportID = st.importID
		}
		return st, nil
	}
	insSection, err := s.prepare(ctx, tx, `INSERT INTO forum_sections (forum_id, name) VALUES (?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer insSection.Close()
	insThread, err := s.prepare(ctx, tx, `INSERT INTO forum_threads (forum_id, section_id, thread_key, title) VALUES (?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer insThread.Close()
	insAuthor, err := s.prepare(ctx, tx, `INSERT INTO forum_authors (forum_id, handle, title) VALUES (?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer insAuthor.Close()
	insPost, err := s.prepare(ctx, tx, `INSERT INTO forum_posts (forum_id, thread_id, author_id, import_id, post_key, position, posted_at, precision,
 utc_offset, time_text, author_title, text, reply_to, quotes, url, source)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (forum_id, post_key) DO NOTHING`)
	if err != nil {
		return err
	}
	defer insPost.Close()
	if forumName != "" {
		if _, err := open(forumName); err != nil {
			return err
		}
	}
	for i := range posts {
		p := posts[i]
		if forumName != "" {
			p.Forum = forumName
		}
		if err := checkPost(&p); err != nil {
			return intel.Errorf(intel.CodeInvalid, "post %d (%s): %v", i+1, p.Key, err)
		}
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		fs, err := open(p.Forum)
		if err != nil {
			return err
		}
		fs.seen++
		sec, ok := fs.sections[p.Section]
		if !ok {
			if err := insSection.QueryRowContext(ctx, fs.id, p.Section).Scan(&sec); err != nil {
				return err
			}
			fs.sections[p.Section] = sec
			res.Sections++
		}
		th, ok := fs.threads[p.Thread]
		if !ok {
			if err := insThread.QueryRowContext(ctx, fs.id, sec, p.Thread, p.ThreadTitle).Scan(&th); err != nil {
				return err
			}
			fs.threads[p.Thread] = th
			res.Threads++
		}
		au, ok := fs.authors[p.Author]
		if !ok {
			if err := insAuthor.QueryRowContext(ctx, fs.id, p.Author, p.AuthorTitle).Scan(&au); err != nil {
				return err
			}
			fs.authors[p.Author] = au
			res.Authors++
		}
		var offset any
		if p.Time.HasOffset {
			offset = int64(p.Time.Offset / time.Minute)
		}
		quotes := "[]"
		if len(p.Quotes) > 0 {
			b, _ := json.Marshal(p.Quotes)
			quotes = string(b)
		}
		posted := int64(0)
		if p.Time.Precision != 0 {
			posted = p.Time.Time.UnixMilli()
		}
		r, err := insPost.ExecContext(ctx, fs.id, th, au, fs.importID, p.Key, p.Position, posted, int(p.Time.Precision),
			offset, p.TimeText, p.AuthorTitle, p.Text, p.ReplyTo, quotes, p.URL, p.Source)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			fs.added++
			res.Added++
		}
	}
	for _, name := range order {
		fs := forums[name]
		if _, err := s.exec(ctx, tx, `UPDATE forum_imports SET seen = ?, added = ? WHERE id = ?`, fs.seen, fs.added, fs.importID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, "forum.import", "forum", fs.id, fmt.Sprintf("%s: %d posts read, %d added", imp.Source, fs.seen, fs.added)); err != nil {
			return err
		}
	}
	if res.Forum == "" {
		res.Forum = strings.Join(order, ", ")
	}
	return nil
}

// checkPost is the parsers' rule for what a post may be, applied again to
// posts that came another way (a crawler).
func checkPost(p *forum.Post) error {
	if p.Key == "" {
		return errors.New("no post key")
	}
	return forum.CheckPost(p)
}

// ForumPosts returns stored posts in the order they were stored, each
// with its forum, section, thread, author (and AuthorID) and time; with
// Text, also the text, the time as written, the author's title, the URL
// and the source, as collected. The
// names are read once per forum, section, thread and author and shared by
// their posts, so that a million posts cost no more than they must.
func (s *Store) ForumPosts(ctx context.Context, flt forum.PostFilter) ([]forum.Post, error) {
	names := func(query string, args ...any) (map[int64]string, error) {
		rows, err := s.query(ctx, s.rdb, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		m := map[int64]string{}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				return nil, err
			}
			m[id] = v
		}
		return m, rows.Err()
	}
	forums, err := names(`SELECT id, name FROM forums WHERE (? = 0 OR id = ?)`, flt.ForumID, flt.ForumID)
	if err != nil {
		return nil, s.wrap("forum posts", err)
	}
	sections, err := names(`SELECT id, name FROM forum_sections WHERE (? = 0 OR forum_id = ?)`, flt.ForumID, flt.ForumID)
	if err != nil {
		return nil, s.wrap("forum posts", err)
	}
	authors, err := names(`SELECT id, handle FROM forum_authors WHERE (? = 0 OR forum_id = ?) AND (? = 0 OR id = ?)`,
		flt.ForumID, flt.ForumID, flt.AuthorID, flt.AuthorID)
	if err != nil {
		return nil, s.wrap("forum posts", err)
	}
	type threadRow struct{ key, title, section string }
	threads := map[int64]threadRow{}
	rows, err := s.query(ctx, s.rdb, `SELECT id, thread_key, title, section_id FROM forum_threads WHERE (? = 0 OR forum_id = ?)`, flt.ForumID, flt.ForumID)
	if err != nil {
		return nil, s.wrap("forum posts", err)
	}
	for rows.Next() {
		var id, sec int64
		var t threadRow
		if err := rows.Scan(&id, &t.key, &t.title, &sec); err != nil {
			rows.Close()
			return nil, s.wrap("forum posts", err)
		}
		t.section = sections[sec]
		threads[id] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap("forum posts", err)
	}
	// Without the text, the graph's columns only: what was written as
	// it was (time, title, address, provenance) stays in the table.
	cols := `forum_id, thread_id, author_id, post_key, '', posted_at, precision, utc_offset, '', '', reply_to, quotes, '', position, ''`
	if flt.Text {
		cols = `forum_id, thread_id, author_id, post_key, author_title, posted_at, precision, utc_offset, time_text, text, reply_to, quotes, url, position, source`
	}
	// Counted first, so that a million posts take one slice of their
	// size rather than the copies of a growing one.
	var count int
	if err := s.queryRow(ctx, s.rdb, `SELECT COUNT(*) FROM forum_posts WHERE (? = 0 OR forum_id = ?) AND (? = 0 OR author_id = ?)`,
		flt.ForumID, flt.ForumID, flt.AuthorID, flt.AuthorID).Scan(&count); err != nil {
		return nil, s.wrap("forum posts", err)
	}
	rows, err = s.query(ctx, s.rdb, `SELECT `+cols+`
FROM forum_posts WHERE (? = 0 OR forum_id = ?) AND (? = 0 OR author_id = ?) ORDER BY id`, flt.ForumID, flt.ForumID, flt.AuthorID, flt.AuthorID)
	if err != nil {
		return nil, s.wrap("forum posts", err)
	}
	defer rows.Close()
	intern := map[string]string{}
	str := func(v string) string {
		if x, ok := intern[v]; ok {
			return x
		}
		intern[v] = v
		return v
	}
	out := make([]forum.Post, 0, count)
	// Scanned into once-made variables (Scan makes them escape): a post
	// made per row would be a million more allocations.
	var p forum.Post
	var forumID, threadID int64
	var posted int64
	var prec int
	var offset sql.NullInt64
	var quotes string
	for rows.Next() {
		p = forum.Post{}
		if err := rows.Scan(&forumID, &threadID, &p.AuthorID, &p.Key, &p.AuthorTitle, &posted, &prec, &offset, &p.TimeText, &p.Text,
			&p.ReplyTo, &quotes, &p.URL, &p.Position, &p.Source); err != nil {
			return nil, s.wrap("forum posts", err)
		}
		t := threads[threadID]
		p.Forum, p.Section, p.Thread, p.ThreadTitle, p.Author = forums[forumID], t.section, t.key, t.title, authors[p.AuthorID]
		p.AuthorTitle, p.Source = str(p.AuthorTitle), str(p.Source)
		if prec > 0 {
			p.Time = analyze.Timestamp{Time: time.UnixMilli(posted).UTC(), Precision: analyze.Precision(prec)}
			if offset.Valid {
				p.Time.Offset, p.Time.HasOffset = time.Duration(offset.Int64)*time.Minute, true
			}
		}
		if quotes != "[]" {
			if err := json.Unmarshal([]byte(quotes), &p.Quotes); err != nil {
				return nil, s.wrap("forum posts", fmt.Errorf("post %s: quotes: %w", p.Key, err))
			}
		}
		out = append(out, p)
	}
	return out, s.wrap("forum posts", rows.Err())
}

// ForumPostKeys returns the post keys a forum holds, of one thread or
// (thread "") all: what a crawler need not fetch again.
func (s *Store) ForumPostKeys(ctx context.Context, forumName, thread string) (map[string]bool, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT p.post_key FROM forum_posts p JOIN forums f ON f.id = p.forum_id
 JOIN forum_threads t ON t.id = p.thread_id WHERE f.name = ? AND (? = '' OR t.thread_key = ?)`, forumName, thread, thread)
	if err != nil {
		return nil, s.wrap("forum post keys", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, s.wrap("forum post keys", err)
		}
		out[k] = true
	}
	return out, s.wrap("forum post keys", rows.Err())
}

// ForumThreads returns a forum's stored threads with their post counts
// and newest post time, by thread key.
func (s *Store) ForumThreads(ctx context.Context, forumName string) ([]forum.Thread, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT t.thread_key, sc.name, t.title, COUNT(p.id), COALESCE(MAX(p.posted_at), 0)
FROM forum_threads t JOIN forums f ON f.id = t.forum_id JOIN forum_sections sc ON sc.id = t.section_id
 LEFT JOIN forum_posts p ON p.thread_id = t.id
WHERE f.name = ? GROUP BY t.id, t.thread_key, sc.name, t.title ORDER BY t.thread_key`, forumName)
	if err != nil {
		return nil, s.wrap("forum threads", err)
	}
	defer rows.Close()
	out := []forum.Thread{}
	for rows.Next() {
		var t forum.Thread
		var last int64
		if err := rows.Scan(&t.Key, &t.Section, &t.Title, &t.Posts, &last); err != nil {
			return nil, s.wrap("forum threads", err)
		}
		t.LastPosted = fromMS(last)
		out = append(out, t)
	}
	return out, s.wrap("forum threads", rows.Err())
}

// ForumSections returns a forum's sections with their thread and post
// counts, most posts first.
func (s *Store) ForumSections(ctx context.Context, forumID int64) ([]forum.Section, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT sc.name, COUNT(DISTINCT t.id), COUNT(p.id)
FROM forum_sections sc LEFT JOIN forum_threads t ON t.section_id = sc.id LEFT JOIN forum_posts p ON p.thread_id = t.id
WHERE sc.forum_id = ? GROUP BY sc.id, sc.name ORDER BY COUNT(p.id) DESC, sc.name`, forumID)
	if err != nil {
		return nil, s.wrap("forum sections", err)
	}
	defer rows.Close()
	out := []forum.Section{}
	for rows.Next() {
		var sc forum.Section
		if err := rows.Scan(&sc.Name, &sc.Threads, &sc.Posts); err != nil {
			return nil, s.wrap("forum sections", err)
		}
		out = append(out, sc)
	}
	return out, s.wrap("forum sections", rows.Err())
}

// FindForumAuthor returns a stored author by ID.
func (s *Store) FindForumAuthor(ctx context.Context, id int64) (*forum.Author, error) {
	a := &forum.Author{ID: id}
	err := s.queryRow(ctx, s.rdb, `SELECT f.name, a.handle, a.title, (SELECT COUNT(*) FROM forum_posts p WHERE p.author_id = a.id)
FROM forum_authors a JOIN forums f ON f.id = a.forum_id WHERE a.id = ?`, id).Scan(&a.Forum, &a.Handle, &a.Title, &a.Posts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, intel.Errorf(intel.CodeNotFound, "no forum author %d", id)
	}
	if err != nil {
		return nil, s.wrap("find forum author", err)
	}
	return a, nil
}

// FindForumAuthors returns the authors of a handle (case-insensitive),
// on every forum or one (forumName ""), by forum.
func (s *Store) FindForumAuthors(ctx context.Context, handle, forumName string) ([]forum.Author, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT a.id, f.name, a.handle, a.title, (SELECT COUNT(*) FROM forum_posts p WHERE p.author_id = a.id)
FROM forum_authors a JOIN forums f ON f.id = a.forum_id WHERE LOWER(a.handle) = LOWER(?) AND (? = '' OR f.name = ?) ORDER BY f.name, a.handle`,
		handle, forumName, forumName)
	if err != nil {
		return nil, s.wrap("find forum authors", err)
	}
	defer rows.Close()
	out := []forum.Author{}
	for rows.Next() {
		var a forum.Author
		if err := rows.Scan(&a.ID, &a.Forum, &a.Handle, &a.Title, &a.Posts); err != nil {
			return nil, s.wrap("find forum authors", err)
		}
		out = append(out, a)
	}
	return out, s.wrap("find forum authors", rows.Err())
}

// ForumVersion changes whenever forum posts are stored: the newest import
// run's ID (0 before the first), by which a cached analysis knows it is
// current.
func (s *Store) ForumVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.queryRow(ctx, s.rdb, `SELECT COALESCE(MAX(id), 0) FROM forum_imports`).Scan(&v)
	return v, s.wrap("forum version", err)
}

// ForumCrawlPost is a post as a crawl read it: the post, and the version
// the crawler gives what it read (author, text, edit time), so that an
// edited post is told from one read again.
type ForumCrawlPost struct {
	Post    forum.Post
	Version string
	Edited  bool
}

// ForumCrawlSave is what SaveForumCrawl did: posts new to the forum, and
// posts it held whose text changed (their new version is current, the
// earlier ones are kept).
type ForumCrawlSave struct {
	Added  int `json:"added"`
	Edited int `json:"edited"`
}

// ForumCrawlStates returns the crawl state of every thread of a forum the
// crawler saved, by thread key (the crawler's own JSON); none for a forum
// never crawled.
func (s *Store) ForumCrawlStates(ctx context.Context, forumName string) (map[string]string, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT c.thread_key, c.state FROM forum_crawl_threads c JOIN forums f ON f.id = c.forum_id WHERE f.name = ?`, forumName)
	if err != nil {
		return nil, s.wrap("forum crawl states", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, st string
		if err := rows.Scan(&k, &st); err != nil {
			return nil, s.wrap("forum crawl states", err)
		}
		out[k] = st
	}
	return out, s.wrap("forum crawl states", rows.Err())
}

// SaveForumCrawl stores one page of a crawl in one transaction: its posts
// (new ones added as ImportForumPosts adds them), a new version of every
// post whose version differs from the newest stored (the post's text
// becomes the new one; every version stays in forum_post_versions), and
// the thread's crawl state. A page saved twice changes nothing.
func (s *Store) SaveForumCrawl(ctx context.Context, forumName, threadKey, state string, posts []ForumCrawlPost) (ForumCrawlSave, error) {
	var out ForumCrawlSave
	if threadKey == "" || len(state) > 1<<20 {
		return out, s.wrap("save forum crawl", intel.Errorf(intel.CodeInvalid, "a crawl state needs a thread key and at most 1 MiB"))
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		plain := make([]forum.Post, len(posts))
		for i, p := range posts {
			plain[i] = p.Post
		}
		res := &ForumImportResult{Forum: forumName, Seen: len(posts)}
		if err := s.importForumPostsTx(ctx, tx, forumName, ForumImport{Source: "crawl", Format: "crawl"}, "", plain, res); err != nil {
			return err
		}
		out.Added = res.Added
		var forumID int64
		if err := s.queryRow(ctx, tx, `SELECT id FROM forums WHERE name = ?`, forumName).Scan(&forumID); err != nil {
			return err
		}
		now := ms(s.now())
		for _, p := range posts {
			var newest string
			err := s.queryRow(ctx, tx, `SELECT version FROM forum_post_versions WHERE forum_id = ? AND post_key = ? ORDER BY seen_at DESC, version DESC LIMIT 1`,
				forumID, p.Post.Key).Scan(&newest)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			case newest == p.Version:
				continue
			}
			edited := 0
			if p.Edited {
				edited = 1
			}
			r, err := s.exec(ctx, tx, `INSERT INTO forum_post_versions (forum_id, post_key, version, text, edited, seen_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (forum_id, post_key, version) DO NOTHING`, forumID, p.Post.Key, p.Version, p.Post.Text, edited, now)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 && newest != "" {
				if _, err := s.exec(ctx, tx, `UPDATE forum_posts SET text = ? WHERE forum_id = ? AND post_key = ?`, p.Post.Text, forumID, p.Post.Key); err != nil {
					return err
				}
				out.Edited++
			}
		}
		_, err := s.exec(ctx, tx, `INSERT INTO forum_crawl_threads (forum_id, thread_key, state, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (forum_id, thread_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`, forumID, threadKey, state, now)
		return err
	})
	return out, s.wrap("save forum crawl", err)
}
