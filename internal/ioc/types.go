package ioc

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Type is the kind of an indicator.
type Type uint8

// The indicator types, in the order the names are listed by AllTypes.
const (
	TypeUnknown   Type = iota
	TypeIPv4           // dotted-quad IPv4 address
	TypeIPv6           // IPv6 address, canonical compressed form (RFC 5952)
	TypeCIDR           // IPv4 or IPv6 network in prefix notation
	TypeDomain         // domain name ending in an ICANN public suffix
	TypeURL            // URL with a known scheme and a valid host
	TypeEmail          // e-mail address
	TypeMD5            // 32 hex digits
	TypeSHA1           // 40 hex digits
	TypeSHA256         // 64 hex digits
	TypeSHA512         // 128 hex digits
	TypeCVE            // CVE-YYYY-NNNN+
	TypeTechnique      // ATT&CK technique or sub-technique ID: T1059, T1059.001
	TypeTactic         // ATT&CK tactic ID: TA0001
	TypeASN            // autonomous-system number, canonical AS12345
	TypeMAC            // MAC address, canonical aa:bb:cc:dd:ee:ff
	TypeBTC            // Bitcoin address: base58check P2PKH/P2SH or bech32/bech32m segwit
	TypeETH            // Ethereum address, canonical 0x + 40 lower-case hex digits
	TypeXMR            // Monero standard address or subaddress (95 base58 characters)
	TypeRegKey         // Windows registry key, canonical with the hive's long name
	TypeFilePath       // Windows or Unix path of a file with a known extension
	TypeFileName       // file name with a known executable, script, document or archive extension
	TypeJA3            // JA3 TLS client fingerprint (an MD5 written after the word "ja3")
	TypeJA4            // JA4 TLS client fingerprint: t13d1516h2_8daaf6152771_b186095e22b6
	numTypes
)

var typeNames = [numTypes]string{
	TypeUnknown:   "unknown",
	TypeIPv4:      "ipv4",
	TypeIPv6:      "ipv6",
	TypeCIDR:      "cidr",
	TypeDomain:    "domain",
	TypeURL:       "url",
	TypeEmail:     "email",
	TypeMD5:       "md5",
	TypeSHA1:      "sha1",
	TypeSHA256:    "sha256",
	TypeSHA512:    "sha512",
	TypeCVE:       "cve",
	TypeTechnique: "technique",
	TypeTactic:    "tactic",
	TypeASN:       "asn",
	TypeMAC:       "mac",
	TypeBTC:       "btc",
	TypeETH:       "eth",
	TypeXMR:       "xmr",
	TypeRegKey:    "regkey",
	TypeFilePath:  "filepath",
	TypeFileName:  "filename",
	TypeJA3:       "ja3",
	TypeJA4:       "ja4",
}

// String returns the lower-case name used in JSON and in ParseTypes.
func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// MarshalText encodes the type as its name.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText decodes a type name as written by MarshalText.
func (t *Type) UnmarshalText(b []byte) error {
	p, ok := ParseType(string(b))
	if !ok {
		return fmt.Errorf("ioc: unknown indicator type %q", b)
	}
	*t = p
	return nil
}

// ParseType returns the type with the given name (case-insensitive).
func ParseType(name string) (Type, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for t := TypeIPv4; t < numTypes; t++ {
		if typeNames[t] == name {
			return t, true
		}
	}
	return TypeUnknown, false
}

// AllTypes lists every indicator type the package extracts.
func AllTypes() []Type {
	ts := make([]Type, 0, numTypes-1)
	for t := TypeIPv4; t < numTypes; t++ {
		ts = append(ts, t)
	}
	return ts
}

// TypeSet is a set of indicator types. The zero value means "all types", so
// that a zero Options extracts everything.
type TypeSet uint32

// NewTypeSet returns the set holding ts.
func NewTypeSet(ts ...Type) TypeSet {
	var s TypeSet
	for _, t := range ts {
		s |= 1 << t
	}
	return s
}

// Has reports whether t is in the set; every type is in the zero set.
func (s TypeSet) Has(t Type) bool { return s == 0 || s&(1<<t) != 0 }

// typeFamilies are the words ParseTypes reads as several types.
var typeFamilies = map[string]TypeSet{
	"hash":   NewTypeSet(TypeMD5, TypeSHA1, TypeSHA256, TypeSHA512),
	"ip":     NewTypeSet(TypeIPv4, TypeIPv6, TypeCIDR),
	"wallet": NewTypeSet(TypeBTC, TypeETH, TypeXMR),
	"file":   NewTypeSet(TypeFilePath, TypeFileName),
}

// ParseTypes parses a comma-separated list of type names such as
// "ipv4,domain". The word "hash" stands for md5, sha1, sha256 and sha512,
// "ip" for ipv4, ipv6 and cidr, "wallet" for btc, eth and xmr, and "file"
// for filepath and filename. An empty string yields the zero set (all).
func ParseTypes(list string) (TypeSet, error) {
	var s TypeSet
	for _, f := range strings.Split(list, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if fam, ok := typeFamilies[f]; ok {
			s |= fam
			continue
		}
		t, ok := ParseType(f)
		if !ok {
			return 0, fmt.Errorf("ioc: unknown indicator type %q (known: %s, hash, ip, wallet, file)", f, strings.Join(typeNames[1:], ", "))
		}
		s |= 1 << t
	}
	return s, nil
}

// Flags are attributes of a match. They qualify a match rather than drop it,
// so that a consumer decides what a private address or an example domain means.
type Flags uint16

// The attribute flags.
const (
	FlagPrivate       Flags = 1 << iota // RFC 1918 / RFC 4193 unique-local
	FlagLoopback                        // 127.0.0.0/8, ::1
	FlagLinkLocal                       // 169.254.0.0/16, fe80::/10
	FlagMulticast                       // 224.0.0.0/4, ff00::/8
	FlagReserved                        // unspecified, broadcast, 240/4, CGNAT, benchmarking, ...
	FlagDocumentation                   // RFC 5737, RFC 3849, RFC 2606 example domains
	FlagVersionLike                     // IPv4 written after "version", "ver" or "v"
	FlagDefanged                        // written with a defang notation
	FlagTruncated                       // a URL cut at the token limit (maxToken bytes); its host is whole
	numFlags
)

var flagNames = [...]string{"private", "loopback", "link-local", "multicast", "reserved", "documentation", "version-like", "defanged", "truncated"}

// writtenFlags say how a value was written, not what it is.
const writtenFlags = FlagVersionLike | FlagDefanged | FlagTruncated

// Names returns the names of the flags that are set, in bit order.
func (f Flags) Names() []string {
	var out []string
	for i := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, flagNames[i])
		}
	}
	return out
}

// String joins the flag names with "|".
func (f Flags) String() string { return strings.Join(f.Names(), "|") }

// MarshalJSON encodes the flags as a list of names, which reads better in
// JSONL output than a bit mask.
func (f Flags) MarshalJSON() ([]byte, error) { return json.Marshal(f.Names()) }

// UnmarshalJSON decodes a list of flag names.
func (f *Flags) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	var v Flags
	for _, n := range names {
		found := false
		for i, fn := range flagNames {
			if fn == n {
				v |= 1 << i
				found = true
			}
		}
		if !found {
			return fmt.Errorf("ioc: unknown flag %q", n)
		}
	}
	*f = v
	return nil
}

// Match is one indicator found in the input. Its JSON form is one line of the
// JSONL output: {"type":…,"value":…,"raw":…,"offset":…}, with "flags" and
// "warninglist" only when set.
type Match struct {
	Type Type `json:"type"`
	// Value is the canonical form (refanged, lower-cased where case does not
	// matter), or Raw when Options.Refang is false.
	Value string `json:"value"`
	// Raw is the text as written in the input.
	Raw string `json:"raw"`
	// Offset is the absolute byte offset of Raw in the input.
	Offset int64 `json:"offset"`
	Flags  Flags `json:"flags,omitempty"`
	// Warninglist names the first warninglist the value is on, if any.
	Warninglist string `json:"warninglist,omitempty"`
}

// Label names why the value is flagged, as the intelligence base stores it
// with an indicator: the warninglist it is on, else the first special
// range it lies in (private, loopback, link-local, multicast, reserved,
// documentation), else "". Defanged, version-like and truncated say how
// the value was written, not what it is, and name nothing. The extract
// page, the indicator form and every import store this one label.
func (m Match) Label() string {
	if m.Warninglist != "" {
		return m.Warninglist
	}
	if names := (m.Flags &^ writtenFlags).Names(); len(names) > 0 {
		return names[0]
	}
	return ""
}

// Options control extraction. The zero value extracts every type and reports
// values as written; most callers want DefaultOptions.
type Options struct {
	// Types restricts the output to these types; zero means all.
	Types TypeSet
	// Refang reports canonical, refanged values (hxxp → http, [.] → .,
	// lower-cased hosts and hashes, compressed IPv6). When false, defanged
	// indicators are still found but Value is the text exactly as written.
	Refang bool
	// Warninglists are checked in order; the first hit names the match's
	// Warninglist field.
	Warninglists []*Warninglist
	// DropWarned leaves out matches found on a warninglist instead of
	// reporting them with the list's name.
	DropWarned bool
}

// DefaultOptions returns options that extract every type with refanging on
// and no warninglists.
func DefaultOptions() Options { return Options{Refang: true} }
