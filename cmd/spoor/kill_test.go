package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/testenv"
)

// TestMain lets a test start this test binary as the spoor command, so
// that a test can kill a real import process.
func TestMain(m *testing.M) {
	if os.Getenv("SPOOR_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeBigBundle writes a valid STIX bundle large enough that importing it
// takes a while: n techniques, each used by a group.
func writeBigBundle(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const ts = `"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z"`
	fmt.Fprint(w, `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[`)
	fmt.Fprintf(w, `{"type":"intrusion-set","id":"intrusion-set--10000000-0000-4000-8000-000000000000",%s,"name":"Big Group"}`, ts)
	for i := range n {
		fmt.Fprintf(w, `,{"type":"attack-pattern","id":"attack-pattern--20000000-0000-4000-8000-%012d",%s,"name":"Technique %d","description":"Synthetic technique number %d for the kill test.","external_references":[{"source_name":"mitre-attack","external_id":"T9%05d"}]}`, i, ts, i, i, i)
		fmt.Fprintf(w, `,{"type":"relationship","id":"relationship--30000000-0000-4000-8000-%012d",%s,"relationship_type":"uses","source_ref":"intrusion-set--10000000-0000-4000-8000-000000000000","target_ref":"attack-pattern--20000000-0000-4000-8000-%012d","external_references":[{"source_name":"Report %d","url":"https://reports.example/%d"}]}`, i, ts, i, i, i)
	}
	fmt.Fprint(w, "]}")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestAcceptanceKilledImport kills an import process with
// SIGKILL in the middle of its transaction and shows the store as it was
// before, intact, and the source collectable again.
func TestAcceptanceKilledImport(t *testing.T) {
	// A child process imports a large synthetic bundle: slow under -race,
	// and the race detector has nothing to find across processes.
	testenv.Acceptance(t)
	c := newCLI(t)
	c.ok("import", "--source", "bulk", "stix", "testdata/attack-small.json")
	before := c.counts()

	big := filepath.Join(t.TempDir(), "big.json")
	writeBigBundle(t, big, 3000)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "import", "--source", "bulk", "stix", big)
	cmd.Env = append(os.Environ(), "SPOOR_TEST_RUN_MAIN=1", "SPOOR_DB="+c.db)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once the import is writing: its uncommitted pages spill into
	// the write-ahead log.
	wal := c.db + "-wal"
	killed := false
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if fi, err := os.Stat(wal); err == nil && fi.Size() > 512<<10 {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill: %v", err)
			}
			killed = true
			break
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the import ended (%v) before it wrote 512 KiB; make the bundle bigger", err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL", cmd.ProcessState)
	}

	if after := c.counts(); !equalCounts(before, after) {
		t.Errorf("a killed import changed the base: before %v, after %v", before, after)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := st.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	st.Close()

	// The source runs again and completes (a small input keeps the test
	// quick); the run the kill cut short is marked interrupted, not left
	// "running".
	run := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "--source", "bulk", "stix", "testdata/attack-small.json"))
	if run.Status != intel.RunOK {
		t.Errorf("re-run after the kill: %+v", run)
	}
	runs := c.runs("bulk")
	if len(runs) != 3 || runs[0].Status != intel.RunOK || runs[1].Status != intel.RunFailed ||
		runs[1].Error != "interrupted: the run ended without recording its end" {
		t.Errorf("runs after a kill and a re-run: %+v", runs)
	}
}
