// Package ipasn maps IP addresses to the autonomous systems that announce
// them, offline, from the RouteViews and DB-IP data of the npm package
// @ip-location-db/asn, which `make assets` converts and this package
// embeds. Without that step spoor builds and runs with no ASN data, and
// says so where it would show it.
package ipasn

import (
	"bytes"
	"compress/gzip"
	"embed"
	"errors"
	"io/fs"
	"net/netip"
	"sync"
)

// Attribution credits the data, as its licence (CC-BY-4.0) asks, on the
// pages that show it.
const Attribution = "IP to ASN data: RouteViews and DB-IP (CC-BY-4.0), via @ip-location-db/asn"

// DataFile is where `make assets` writes the converted table.
const DataFile = "data/asn.bin.gz"

//go:embed data
var data embed.FS

// ErrNoData is the answer of Default when the binary was built without
// the ASN table.
var ErrNoData = errors.New("ipasn: built without ASN data (run make assets)")

var (
	once    sync.Once
	deflt   *Table
	deflErr error
)

// Default is the embedded table, read once.
func Default() (*Table, error) {
	once.Do(func() {
		b, err := data.ReadFile(DataFile)
		if errors.Is(err, fs.ErrNotExist) {
			deflErr = ErrNoData
			return
		}
		if err != nil {
			deflErr = err
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			deflErr = err
			return
		}
		deflt, deflErr = Read(zr)
	})
	return deflt, deflErr
}

// Version is the embedded dataset's version, or "" without one.
func Version() string {
	if t, err := Default(); err == nil {
		return t.Version
	}
	return ""
}

// Lookup returns the autonomous system announcing addr in the embedded
// table; false for a value that is not an address, an address no system
// announces, or a binary built without the data.
func Lookup(addr string) (ASN, bool) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return ASN{}, false
	}
	t, err := Default()
	if err != nil {
		return ASN{}, false
	}
	return t.Lookup(a)
}

// Name is the holder of an autonomous system in the embedded table, or
// "" when the table has none by that number (or there is no table).
func Name(number uint32) string {
	t, err := Default()
	if err != nil {
		return ""
	}
	t.namesOnce.Do(func() {
		t.names = make(map[uint32]string, len(t.asns))
		for _, a := range t.asns {
			if _, ok := t.names[a.Number]; !ok {
				t.names[a.Number] = a.Name
			}
		}
	})
	return t.names[number]
}
