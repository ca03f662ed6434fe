package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAttributeSampleRefusesNonPE(t *testing.T) {
	c := similarCLI(t)
	dir := t.TempDir()
	for name, body := range map[string]string{"notes.txt": "plain text, not a PE", "cut.exe": "MZ\x90\x00"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.run("", "attribute", "--sample", p)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("attribute --sample %s: %v, want an error naming the file", name, err)
		}
	}
}
