//go:build unix

package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/testenv"
)

// secretsCLI runs commands against one SQLite database with an
// environment of its own.
type secretsCLI struct {
	t   *testing.T
	db  string
	env map[string]string
}

func newSecretsCLI(t *testing.T) *secretsCLI {
	dir := t.TempDir()
	return &secretsCLI{t: t, db: filepath.Join(dir, "spoor.db"), env: map[string]string{}}
}

func (c *secretsCLI) key() string { return filepath.Join(filepath.Dir(c.db), "spoor.key") }

func (c *secretsCLI) run(args ...string) (string, error) {
	c.t.Helper()
	getenv := func(k string) string {
		if k == "SPOOR_DB" {
			return c.db
		}
		return c.env[k]
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	return out.String() + errb.String(), err
}

func (c *secretsCLI) ok(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("spoor %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// files is every file of the database (and its write-ahead log) as bytes.
func (c *secretsCLI) files() []byte {
	c.t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(c.db + suffix)
		if err == nil {
			all = append(all, b...)
		}
	}
	return all
}

// rawOptions reads a source's options column directly.
func (c *secretsCLI) rawOptions(name string) string {
	c.t.Helper()
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer st.Close()
	var v string
	if err := st.DB().QueryRow(`SELECT options FROM sources WHERE name = ?`, name).Scan(&v); err != nil {
		c.t.Fatal(err)
	}
	return v
}

const partnerToken = "t0ken-for-the-partner-server"

func (c *secretsCLI) addPartner(name string) {
	c.t.Helper()
	c.ok("source", "add", name, "--input-format", "taxii", "--location", "https://taxii.example.com/taxii2/",
		"--option", "collection=c1", "--option", "token="+partnerToken)
}

// A TAXII token given to spoor reaches the database sealed: neither the
// database files nor any output holds it, the key lives in spoor.key
// beside the database with mode 0600, and status counts it.
func TestSecretsAreSealedAtRest(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	c := newSecretsCLI(t)
	if _, err := os.Stat(c.key()); err == nil {
		t.Fatal("key file before any secret")
	}
	c.addPartner("Partner")
	if bytes.Contains(c.files(), []byte(partnerToken)) {
		t.Error("the database files hold the token in plain text")
	}
	fi, err := os.Stat(c.key())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	if fi, _ := os.Stat(c.db); fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, want 0600", fi.Mode().Perm())
	}
	list := c.ok("source", "list", "--format", "json")
	if strings.Contains(list, partnerToken) || strings.Contains(list, "enc:v1:") || !strings.Contains(list, `"token": "********"`) {
		t.Errorf("source list shows %s", list)
	}
	status := decode[secretStatus](t, c.ok("secrets", "status", "--format", "json"))
	id := status.KeyIDs[0]
	want := secretStatus{Key: c.key(), KeyIDs: []string{id}, Report: secret.Report{Total: 1, ByKey: map[string]int{id: 1}}}
	if diff := cmp.Diff(want, status); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
}

// A database written by a spoor that stored secrets in plain text has
// them sealed the next time a command opens it; status, which changes
// nothing, shows them plain before.
func TestPlainSecretsAreSealedOnOpen(t *testing.T) {
	c := newSecretsCLI(t)
	c.ok("source", "add", "Legacy", "--input-format", "taxii", "--location", "https://taxii.example.com/taxii2/", "--option", "collection=c1")
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`UPDATE sources SET options = ? WHERE name = 'Legacy'`,
		`{"collection":"c1","password":"`+partnerToken+`"}`); err != nil {
		t.Fatal(err)
	}
	st.Close()

	if status := decode[secretStatus](t, c.ok("secrets", "status", "--format", "json")); status.Total != 1 || status.Plain != 1 {
		t.Errorf("status before sealing: %+v", status)
	}
	if _, err := os.Stat(c.key()); err == nil {
		t.Error("status made a key file")
	}
	c.ok("source", "list")
	raw := c.rawOptions("Legacy")
	if strings.Contains(raw, partnerToken) || !strings.Contains(raw, `"password":"enc:v1:`) || !strings.Contains(raw, `"collection":"c1"`) {
		t.Errorf("after an open the options are %s", raw)
	}
	if status := decode[secretStatus](t, c.ok("secrets", "status", "--format", "json")); status.Plain != 0 || status.ByKey[status.KeyIDs[0]] != 1 {
		t.Errorf("status after sealing: %+v", status)
	}
}

// A lost or wrong key is one line naming source, option and key; no new
// key is made in its place, and the stored ciphertext stays.
func TestLostKeyIsOneClearErrorAndLosesNothing(t *testing.T) {
	c := newSecretsCLI(t)
	c.addPartner("Partner")
	sealed := c.rawOptions("Partner")
	keyText, _ := os.ReadFile(c.key())
	sealedUnder, _ := secret.KeyID(decode[map[string]string](t, sealed)["token"])
	if err := os.Rename(c.key(), c.key()+".lost"); err != nil {
		t.Fatal(err)
	}

	out, err := c.run("collect", "--format", "json", "Partner")
	runs := decode[[]*intel.CollectionRun](t, out[:strings.LastIndex(out, "]")+1])
	want := fmt.Sprintf(`cannot decrypt option token of source "Partner": no secret key: %s does not exist; set SPOOR_SECRET_KEY or restore %s`, c.key(), c.key())
	if err == nil || len(runs) != 1 || runs[0].Error != want {
		t.Errorf("collect without the key: %v, runs %+v\nwant the run to fail with %s", err, runs, want)
	}
	_, err = c.run("source", "add", "Another", "--input-format", "taxii", "--location", "https://t.example.com/", "--option", "password=x")
	if err == nil || !strings.Contains(errorLine(err), `cannot encrypt option password of source "Another": no secret key: `+c.key()+" does not exist") {
		t.Errorf("adding a secret without the key: %v", err)
	}
	if _, err := os.Stat(c.key()); err == nil {
		t.Error("a new key was made while secrets are sealed under the lost one")
	}

	other := secret.NewKey()
	c.env["SPOOR_SECRET_KEY"] = other.Text()
	out, _ = c.run("collect", "--format", "json", "Partner")
	runs = decode[[]*intel.CollectionRun](t, out[:strings.LastIndex(out, "]")+1])
	want = fmt.Sprintf(`cannot decrypt option token of source "Partner": wrong key (sealed under key id %s; the key loaded is %s); `+
		`add the key it was sealed under to SPOOR_SECRET_KEY (comma-separated, after the current one)`, sealedUnder, other.ID())
	if len(runs) != 1 || runs[0].Error != want {
		t.Errorf("collect under another key: runs %+v\nwant %s", runs, want)
	}
	if _, err := c.run("secrets", "status"); err == nil {
		t.Error("status with a wrong key succeeded")
	}
	if got := c.rawOptions("Partner"); got != sealed {
		t.Errorf("the stored options changed from %s to %s", sealed, got)
	}

	// The key restored, everything opens again.
	delete(c.env, "SPOOR_SECRET_KEY")
	if err := os.WriteFile(c.key(), keyText, 0o600); err != nil {
		t.Fatal(err)
	}
	if status := decode[secretStatus](t, c.ok("secrets", "status", "--format", "json")); len(status.Failed) != 0 || status.ByKey[sealedUnder] != 1 {
		t.Errorf("status with the key restored: %+v", status)
	}
}

func TestSecretsRotate(t *testing.T) {
	c := newSecretsCLI(t)
	c.addPartner("Partner")
	c.addPartner("Second")
	before := decode[secretStatus](t, c.ok("secrets", "status", "--format", "json")).KeyIDs[0]
	rot := c.ok("secrets", "rotate", "--format", "json")
	after := decode[secretStatus](t, c.ok("secrets", "status", "--format", "json"))
	if after.KeyIDs[0] == before || after.ByKey[after.KeyIDs[0]] != 2 || len(after.ByKey) != 1 || len(after.Failed) != 0 {
		t.Errorf("after rotate (%s): %+v; want both secrets under a new key", rot, after)
	}
	for _, left := range []string{".old", ".new"} {
		if _, err := os.Stat(c.key() + left); err == nil {
			t.Errorf("spoor.key%s left after the rotation", left)
		}
	}
	if fi, _ := os.Stat(c.key()); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v after rotate", fi.Mode().Perm())
	}

	// With SPOOR_SECRET_KEY the operator supplies the new key first.
	keyLine := func() string {
		b, _ := os.ReadFile(c.key())
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		return lines[len(lines)-1]
	}
	c.env["SPOOR_SECRET_KEY"] = keyLine()
	if _, err := c.run("secrets", "rotate"); err == nil || !strings.Contains(errorLine(err), "SPOOR_SECRET_KEY holds one key") {
		t.Errorf("rotating a single variable key: %v", err)
	}
	next := strings.TrimSpace(c.ok("secrets", "new-key"))
	c.env["SPOOR_SECRET_KEY"] = next + "," + keyLine()
	c.ok("secrets", "rotate")
	c.env["SPOOR_SECRET_KEY"] = next
	status := decode[secretStatus](t, c.ok("secrets", "status", "--format", "json"))
	if nk, _ := secret.ParseKey(next); status.Key != "SPOOR_SECRET_KEY" || status.ByKey[nk.ID()] != 2 || len(status.Failed) != 0 {
		t.Errorf("after rotating to the variable's new key: %+v", status)
	}
}

// A PostgreSQL store has no file beside it: a secret needs
// SPOOR_SECRET_KEY, and without it is refused with one line saying so,
// never stored plain nor sealed under a key only this process knows.
func TestPostgresSecretsNeedTheVariable(t *testing.T) {
	dsn := os.Getenv("SPOOR_TEST_PG_DSN")
	if dsn == "" {
		if testenv.CI() {
			t.Fatal("SPOOR_TEST_PG_DSN is not set, and CI=true requires the PostgreSQL tests")
		}
		t.Skip("SPOOR_TEST_PG_DSN is not set: skipping the PostgreSQL secrets test")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("spoor_secrets_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	c := &secretsCLI{t: t, db: u.String(), env: map[string]string{}}
	t.Chdir(t.TempDir()) // a key file would land here
	add := []string{"source", "add", "P", "--input-format", "taxii", "--location", "https://t.example.com/", "--option", "token=" + partnerToken}
	_, err = c.run(add...)
	want := `cannot encrypt option token of source "P": no secret key: a PostgreSQL store has no key file beside it; set SPOOR_SECRET_KEY (or --secret-key-file)`
	if err == nil || errorLine(err) != want {
		t.Errorf("a secret without SPOOR_SECRET_KEY: %v\nwant %s", err, want)
	}
	if files, _ := filepath.Glob("*"); len(files) != 0 {
		t.Errorf("files made: %v", files)
	}
	key := secret.NewKey()
	c.env["SPOOR_SECRET_KEY"] = key.Text()
	c.ok(add...)
	var raw string
	if err := admin.QueryRow(`SELECT options FROM ` + schema + `.sources WHERE name = 'P'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, partnerToken) || !strings.Contains(raw, "enc:v1:"+key.ID()+":") {
		t.Errorf("PostgreSQL holds %s; want the token sealed under %s", raw, key.ID())
	}
}
