package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/spoor/spoor/internal/intel"
)

// Password length limits. The upper bound keeps a hostile client from
// making the server hash megabytes.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// HashParams are argon2id cost parameters.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultHashParams follow RFC 9106's second recommended option (64 MiB,
// one pass, four lanes): about 80 ms per hash on a laptop.
var DefaultHashParams = HashParams{Memory: 64 * 1024, Time: 1, Threads: 4}

const (
	saltLen = 16
	keyLen  = 32
)

// b64 is the PHC string encoding: standard base64 without padding.
var b64 = base64.RawStdEncoding

// CheckPassword enforces the password policy.
func CheckPassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case strings.TrimSpace(password) == "":
		return intel.Errorf(intel.CodeInvalid, "password is required")
	case n < MinPasswordLen:
		return intel.Errorf(intel.CodeInvalid, "password must have at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return intel.Errorf(intel.CodeInvalid, "password must have at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the argon2id hash of password in PHC string form:
// $argon2id$v=19$m=65536,t=1,p=4$<salt>$<hash>. It does not apply the
// password policy; see CheckPassword.
func HashPassword(password string, p HashParams) (string, error) {
	if p == (HashParams{}) {
		p = DefaultHashParams
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC-encoded hash,
// comparing in constant time. The parameters come from the hash, so old
// hashes keep working when the defaults change. A malformed hash is an
// error, not a mismatch, so that a corrupt row shows up in the log.
func VerifyPassword(hash, password string) (bool, error) {
	p, salt, key, err := decodeHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func decodeHash(hash string) (HashParams, []byte, []byte, error) {
	var p HashParams
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("auth: not an argon2id PHC hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("auth: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("auth: bad argon2 parameters %q: %w", parts[3], err)
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return p, nil, nil, fmt.Errorf("auth: bad argon2 parameters %q", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("auth: bad argon2 salt: %w", err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return p, nil, nil, fmt.Errorf("auth: bad argon2 key")
	}
	return p, salt, key, nil
}
