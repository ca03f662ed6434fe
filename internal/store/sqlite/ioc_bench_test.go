package sqlite_test

import (
	"testing"

	"github.com/spoor/spoor/internal/store/storetest"
)

// BenchmarkImportAPTIOCs: parse, screen and import the 175,756-row
// apt-iocs list into a fresh file store.
func BenchmarkImportAPTIOCs(b *testing.B) { storetest.BenchAPTIOCs(b, benchOpen) }
