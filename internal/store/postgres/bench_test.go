package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/postgres"
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

// BenchmarkSearchCollected times searches on a collected store, the
// PostgreSQL database SPOOR_BENCH_STORE names (for example one `spoor
// migrate --from mirror.db --to …` filled).
func BenchmarkSearchCollected(b *testing.B) {
	url := os.Getenv("SPOOR_BENCH_STORE")
	if url == "" {
		b.Skip("SPOOR_BENCH_STORE is not set: give the URL of a database with the mirror collected")
	}
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchSearchStored(b, s, storetest.MirrorQueries)
}
