// Package ioc finds indicators of compromise in free text: IP addresses and
// networks, domains, URLs, e-mail addresses, file hashes, CVE identifiers,
// ATT&CK technique and tactic IDs, autonomous-system numbers, MAC
// addresses, Bitcoin, Ethereum and Monero addresses, Windows registry keys,
// file paths and names, and JA3/JA4 TLS fingerprints. Check answers whether
// one value (a form field, a feed entry) is exactly one indicator, with the
// same rules.
//
// It reads text as analysts paste it: defanged or not (hxxps[://]evil[.]com),
// glued to punctuation, brackets and quotes, in any mix of line endings. Every
// match carries its canonical Value, the Raw text as written and the absolute
// byte Offset of Raw in the input, plus attribute flags (private or
// documentation range, version-like IPv4, defanged, truncated, warninglist
// hit).
//
// The engine is one hand-written pass over the bytes, not a set of regular
// expressions: a small window rewrites defang notations, a byte-class table
// splits the text into candidate tokens, and each candidate is classified with
// cheap checks. Extract works on a string; Scanner streams an io.Reader in
// fixed-size blocks, so memory stays flat whatever the input size, and it
// reports exactly the matches Extract would report on the whole input.
//
// Precision rules (documented on the functions that apply them):
//   - a domain must end in an ICANN public suffix (golang.org/x/net/publicsuffix);
//   - names whose TLD is also a common file extension (.zip, .py, .sh, .mov, ...)
//     are file names unless the context says domain: written defanged, the host
//     of a URL, or preceded on the same line by a hint word such as "domain",
//     "C2" or "host";
//   - in running text without such context, a name in mixed case must not
//     read as code or a glued sentence (System.IO and attack.In are not
//     domains, evil.Com and BadHost.RU are), and a member name after a code
//     word is code (user.name, window.location.host, e.target.id);
//   - file names and paths count only with an extension of a file that runs,
//     opens a macro or carries a payload; registry keys start at a hive;
//   - wallets count only when their checksum holds (base58check, bech32 and
//     bech32m, EIP-55 when mixed case, Monero's Keccak-256); an MD5 is a JA3
//     fingerprint only right after the word "ja3";
//   - a run longer than 4,096 bytes is skipped, except a URL at its start,
//     which is reported cut there (FlagTruncated) with its host whole;
//   - IPv4 octets are at most 255 with no leading zeros; an address after
//     "version", "ver" or "v" is reported with FlagVersionLike;
//   - a hash is a whole run of hex digits of exactly 32, 40, 64 or 128 chars;
//   - special ranges and example domains are flagged, never dropped.
//
// The package is pure: it takes readers and strings and returns values; it
// does no I/O of its own and keeps no package-level mutable state.
package ioc
