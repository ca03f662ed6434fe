package postgres_test

import (
	"testing"

	"github.com/spoor/spoor/internal/store/storetest"
)

// BenchmarkImportAPTIOCs: parse, screen and import the 175,756-row
// apt-iocs list into a fresh schema (SPOOR_TEST_PG_DSN).
func BenchmarkImportAPTIOCs(b *testing.B) { storetest.BenchAPTIOCs(b, benchOpen) }

// BenchmarkReimportAPTIOCs: the same list again into a schema that holds
// it; nothing is written.
func BenchmarkReimportAPTIOCs(b *testing.B) { storetest.BenchAPTIOCsReimport(b, benchOpen) }
