package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token, so that leaked tokens are easy to
// recognise (secret scanners, logs) and told apart from session tokens.
const TokenPrefix = "spoor_"

// tokenPrefixLen is how much of a plain API token is kept in the clear to
// tell tokens apart in lists: "spoor_" and six random characters.
const tokenPrefixLen = 12

// randomToken returns 32 random bytes in base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+).
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of a session or API token: the hex
// SHA-256 of it. Tokens carry 256 random bits, so a fast hash is enough;
// a slow password hash would only slow every request.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IsAPIToken reports whether s looks like an API token.
func IsAPIToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) > tokenPrefixLen
}

const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// randomPassword returns n characters drawn uniformly from an alphabet
// without look-alike characters, so the first admin password can be
// typed from a terminal.
func randomPassword(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 64)
	// 256 - 256%57 rejects the bias of the modulo.
	limit := byte(256 - 256%len(passwordAlphabet))
	for len(out) < n {
		_, _ = rand.Read(buf)
		for _, c := range buf {
			if c < limit && len(out) < n {
				out = append(out, passwordAlphabet[int(c)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}
