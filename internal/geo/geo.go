// Package geo names the world's countries for the rest of spoor: ISO
// 3166-1 codes, the English names reports and feeds write, and the
// demonyms threat reports use ("Russian", "North Korean"). Countries are
// stored everywhere as their alpha-2 code.
//
// table.go is generated from Debian's iso-codes (go generate); the extra
// names of aliases.go are written by hand.
package geo

//go:generate go run gen.go /usr/share/iso-codes/json/iso_3166-1.json

import (
	"strings"
	"sync"
)

// Country is one ISO 3166-1 entry.
type Country struct {
	Code    string   // ISO 3166-1 alpha-2, upper case
	Alpha3  string   // ISO 3166-1 alpha-3
	Numeric string   // ISO 3166-1 numeric, three digits (world-atlas keys its map by it)
	Name    string   // short English name, as displayed
	Names   []string // the names to look for in text: Name first, unless it is ambiguous (Chad)
}

var (
	once  sync.Once
	all   []Country
	byKey map[string]int // folded code or name → index in all
)

func load() {
	all = make([]Country, len(iso3166))
	byKey = map[string]int{}
	shared := map[string]bool{}
	for i, c := range iso3166 {
		c.Names = append(append([]string(nil), c.Names...), extraNames[c.Code]...)
		kept := c.Names[:0]
		for _, n := range c.Names {
			if !ambiguous[n] {
				kept = append(kept, n)
			}
		}
		c.Names = kept
		all[i] = c
		for _, k := range append([]string{c.Code, c.Alpha3}, c.Names...) {
			k = fold(k)
			if j, dup := byKey[k]; dup && j != i {
				shared[k] = true // a name two countries share resolves to neither
				continue
			}
			byKey[k] = i
		}
	}
	for k := range shared {
		delete(byKey, k)
	}
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// All returns every country, by code. The slice is shared: do not modify.
func All() []Country {
	once.Do(load)
	return all
}

// Find returns the country an alpha-2 or alpha-3 code or a name denotes,
// whatever its case and spacing ("ru", "RUS", "Russian Federation",
// "russia", "Russian").
func Find(s string) (Country, bool) {
	once.Do(load)
	i, ok := byKey[fold(s)]
	if !ok {
		return Country{}, false
	}
	return all[i], true
}

// Name returns the display name of an alpha-2 code, or the code itself
// when it is not one.
func Name(code string) string {
	if c, ok := Find(code); ok && c.Code == strings.ToUpper(code) {
		return c.Name
	}
	return code
}
