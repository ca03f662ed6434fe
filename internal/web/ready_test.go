package web_test

import (
	"strings"
	"testing"
)

// TestReadyz: /readyz is 200 while the database answers with current
// migrations, and 503 with the reason when it does not; a database error
// is not shown to the anonymous caller. /healthz stays 200 throughout.
func TestReadyz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	scenario{URL: "/readyz", ExpectedStatus: 200, ExpectedContent: []string{"ready"}}.run(t, e)

	// Another replica, newer than this one, migrated the database.
	if _, err := e.Store.DB().Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	scenario{URL: "/readyz", ExpectedStatus: 503,
		ExpectedContent: []string{"not ready: the database has migration 9999", "upgrade spoor"}}.run(t, e)
	if _, err := e.Store.DB().Exec(`DELETE FROM schema_migrations WHERE version = 9999`); err != nil {
		t.Fatal(err)
	}
	scenario{URL: "/readyz", ExpectedStatus: 200}.run(t, e)

	e.Store.Close() // the database is gone
	w := scenario{URL: "/readyz", ExpectedStatus: 503, ExpectedContent: []string{"not ready: database unreachable"}}.run(t, e)
	if strings.Contains(w.Body.String(), "closed") || strings.Contains(w.Body.String(), "sql") {
		t.Errorf("readyz shows the database error: %q", w.Body)
	}
	if !strings.Contains(e.Log.String(), "not ready") {
		t.Errorf("the failed check was not logged:\n%s", e.Log)
	}
	scenario{URL: "/healthz", ExpectedStatus: 200, ExpectedContent: []string{"ok"}}.run(t, e)
}
