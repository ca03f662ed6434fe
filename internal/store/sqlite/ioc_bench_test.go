package sqlite_test

import (
	"testing"

	"github.com/spoor/spoor/internal/store/storetest"
)

// BenchmarkImportAPTIOCs: parse, screen and import the 175,756-row
// apt-iocs list into a fresh file store.
func BenchmarkImportAPTIOCs(b *testing.B) { storetest.BenchAPTIOCs(b, benchOpen) }

// BenchmarkReimportAPTIOCs: the same list again into a store that holds
// it; nothing is written.
func BenchmarkReimportAPTIOCs(b *testing.B) { storetest.BenchAPTIOCsReimport(b, benchOpen) }
