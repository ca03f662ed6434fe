package postgres_test

import (
	"fmt"
	"testing"

	"github.com/spoor/spoor/internal/store/storetest"
)

// BenchmarkImportAPTIOCs: parse, screen and import the 175,756-row
// apt-iocs list into a fresh schema (SPOOR_TEST_PG_DSN).
func BenchmarkImportAPTIOCs(b *testing.B) { storetest.BenchAPTIOCs(b, benchOpen) }

// BenchmarkReimportAPTIOCs: the same list again into a schema that holds
// it; nothing is written.
func BenchmarkReimportAPTIOCs(b *testing.B) { storetest.BenchAPTIOCsReimport(b, benchOpen) }

// BenchmarkImportIOCScale: the streamed import of synthetic lists of
// 175k, 500k and 1M rows (storetest.WriteSyntheticIOCList) into a fresh
// schema: rows/s, the live heap's peak and the phases.
func BenchmarkImportIOCScale(b *testing.B) {
	for _, n := range []int{175_000, 500_000, 1_000_000} {
		b.Run(fmt.Sprint("rows=", n), func(b *testing.B) { storetest.BenchIOCScale(b, benchOpen, n) })
	}
}
