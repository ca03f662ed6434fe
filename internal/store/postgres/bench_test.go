package postgres_test

import (
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/storetest"
)

func benchOpen(b *testing.B) *store.Store { return MustOpen(b) }

func BenchmarkImportSynthetic(b *testing.B) {
	dsn(b)
	storetest.BenchImport(b, benchOpen, storetest.SyntheticBundle(storetest.AttackSize))
}

func BenchmarkReimportSynthetic(b *testing.B) {
	dsn(b)
	storetest.BenchReimport(b, benchOpen, storetest.SyntheticBundle(storetest.AttackSize))
}

func BenchmarkSearchSynthetic(b *testing.B) {
	dsn(b)
	storetest.BenchSearch(b, benchOpen, storetest.SyntheticBundle(storetest.AttackSize), storetest.SyntheticQueries)
}

// attack returns the ATT&CK bundle or skips the benchmark.
func attack(b *testing.B) *intel.Bundle {
	b.Helper()
	dsn(b)
	bundle := storetest.AttackBundle(b)
	if bundle == nil {
		b.Skip("ATT&CK data absent: set SPOOR_DATA to the shared data directory")
	}
	return bundle
}

func BenchmarkImportAttack(b *testing.B) {
	storetest.BenchImport(b, benchOpen, attack(b))
}

func BenchmarkSearchAttack(b *testing.B) {
	storetest.BenchSearch(b, benchOpen, attack(b), storetest.AttackQueries)
}

func BenchmarkDomainReputation(b *testing.B) { storetest.BenchDomainReputation(b, benchOpen) }
