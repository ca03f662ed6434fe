package sqlite_test

import (
	"testing"

	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/storetest"
)

func benchOpen(b *testing.B) *store.Store { return MustOpen(b) }

func BenchmarkImportSynthetic(b *testing.B) {
	storetest.BenchImport(b, benchOpen, storetest.SyntheticBundle(storetest.AttackSize))
}

func BenchmarkReimportSynthetic(b *testing.B) {
	storetest.BenchReimport(b, benchOpen, storetest.SyntheticBundle(storetest.AttackSize))
}

func BenchmarkSearchSynthetic(b *testing.B) {
	storetest.BenchSearch(b, benchOpen, storetest.SyntheticBundle(storetest.AttackSize), storetest.SyntheticQueries)
}

func attack(b *testing.B) {
	b.Helper()
	if storetest.AttackBundle(b) == nil {
		b.Skip("ATT&CK data absent: set SPOOR_DATA to the shared data directory")
	}
}

func BenchmarkImportAttack(b *testing.B) {
	attack(b)
	storetest.BenchImport(b, benchOpen, storetest.AttackBundle(b))
}

func BenchmarkSearchAttack(b *testing.B) {
	attack(b)
	storetest.BenchSearch(b, benchOpen, storetest.AttackBundle(b), storetest.AttackQueries)
}
