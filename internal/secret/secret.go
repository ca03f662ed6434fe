// Package secret seals the values spoor must keep but never show — the
// credentials of sources today, webhook secrets later — with AES-256-GCM
// under a key kept outside the database. It is pure: a key arrives as
// text or bytes; internal/secret/keyfile finds it in the environment or a
// key file.
//
// A sealed value is text that says what it is:
//
//	enc:v1:<key id>:<base64url(nonce | ciphertext | tag)>
//
// The key id (8 hex digits of a hash of the key) names the key without
// revealing it, so a value sealed under another key is reported as "wrong
// key" rather than as damage, and a plain legacy value (no "enc:" prefix)
// is recognised and sealed. Every value is sealed with the additional
// data of its Place, so a ciphertext copied into another field or source
// does not open there.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// Prefix starts every sealed value; version is the format this package
// writes.
const (
	Prefix  = "enc:"
	version = "v1"
)

// Key is one secret key. Its String is its id, so that printing a Key by
// mistake shows no key material.
type Key struct {
	id   string
	aead cipher.AEAD
	raw  [KeySize]byte
}

// NewKey returns a fresh random key.
func NewKey() Key {
	var b [KeySize]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return newKey(b)
}

// ParseKey reads a key written as base64 (standard or URL alphabet, with
// or without padding) or hex; surrounding space is ignored. The error
// never repeats the text, which may be a key with a typo.
func ParseKey(text string) (Key, error) {
	text = strings.TrimSpace(text)
	var raw []byte
	if len(text) == 2*KeySize {
		raw, _ = hex.DecodeString(text)
	}
	if raw == nil {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(text); err == nil {
				raw = b
				break
			}
		}
	}
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("not a secret key: want %d bytes as base64 (44 characters) or hex (64 characters)", KeySize)
	}
	return newKey([KeySize]byte(raw)), nil
}

func newKey(raw [KeySize]byte) Key {
	block, err := aes.NewCipher(raw[:])
	if err != nil { // only for a key of the wrong size
		panic(err)
	}
	aead, err := cipher.NewGCM(block) // 96-bit nonces, 128-bit tags
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(append([]byte("spoor secret key id\x00"), raw[:]...))
	return Key{id: hex.EncodeToString(sum[:4]), aead: aead, raw: raw}
}

// ID names the key in sealed values and messages.
func (k Key) ID() string { return k.id }

// Text is the key as base64, the form SPOOR_SECRET_KEY and key files hold.
func (k Key) Text() string { return base64.StdEncoding.EncodeToString(k.raw[:]) }

// String describes the key without its material.
func (k Key) String() string { return "secret key " + k.id }

// GoString is String, so %#v does not print the material either.
func (k Key) GoString() string { return k.String() }

// IsSealed reports whether a stored value is sealed (of any version)
// rather than a plain legacy value.
func IsSealed(v string) bool { return strings.HasPrefix(v, Prefix) }

// KeyID returns the id of the key a sealed value was sealed under.
func KeyID(sealed string) (string, bool) {
	ver, rest, ok := strings.Cut(strings.TrimPrefix(sealed, Prefix), ":")
	if !IsSealed(sealed) || !ok || ver != version {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ":")
	return id, ok
}

// Box seals under its first key and opens under any of its keys: the
// older ones let values sealed before a rotation open until they are
// sealed again.
type Box struct {
	keys []Key
}

// NewBox returns a box that seals under key and opens under key and older.
func NewBox(key Key, older ...Key) *Box {
	keys := []Key{key}
	for _, o := range older {
		if o.id != key.id && o.aead != nil {
			keys = append(keys, o)
		}
	}
	return &Box{keys: keys}
}

// KeyID is the id of the key the box seals under.
func (b *Box) KeyID() string {
	if b == nil || len(b.keys) == 0 {
		return ""
	}
	return b.keys[0].id
}

// KeyIDs are the ids of every key the box opens under, the sealing one
// first.
func (b *Box) KeyIDs() []string {
	if b == nil {
		return nil
	}
	ids := make([]string, len(b.keys))
	for i, k := range b.keys {
		ids[i] = k.id
	}
	return ids
}

// Seal encrypts plain with a fresh random 96-bit nonce, bound to ad.
func (b *Box) Seal(plain, ad string) (string, error) {
	if b == nil || len(b.keys) == 0 {
		return "", ErrNoKey
	}
	k := b.keys[0]
	out := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	rand.Read(out)
	out = k.aead.Seal(out, out, []byte(plain), additional(ad))
	return Prefix + version + ":" + k.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed value bound to ad. A value sealed under a key
// the box lacks is a *WrongKeyError; a value that does not authenticate
// (altered, or sealed for another place) is ErrDamaged.
func (b *Box) Open(sealed, ad string) (string, error) {
	if !IsSealed(sealed) {
		return "", ErrNotSealed
	}
	if b == nil {
		b = &Box{}
	}
	ver, rest, _ := strings.Cut(strings.TrimPrefix(sealed, Prefix), ":")
	if ver != version {
		return "", fmt.Errorf("sealed in format %s, which this version of spoor cannot read", strconv.Quote(ver))
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", ErrDamaged
	}
	for _, k := range b.keys {
		if k.id != id {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(body)
		if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
			return "", ErrDamaged
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, raw[:n], raw[n:], additional(ad))
		if err != nil {
			return "", ErrDamaged
		}
		return string(plain), nil
	}
	return "", &WrongKeyError{Sealed: id, Have: b.KeyIDs()}
}

// additional is the GCM additional data: the format's name, then where
// the value belongs.
func additional(ad string) []byte { return []byte("spoor secret " + version + "\x00" + ad) }

// ErrNotSealed is Open's error for a plain value.
var ErrNotSealed = errors.New("not a sealed value")

// ErrDamaged is Open's error for a value that does not authenticate under
// its key: altered, or copied from another place.
var ErrDamaged = errors.New("damaged: the value was altered or belongs to another place")

// ErrNoKey is the error of sealing or opening without any key.
var ErrNoKey = errors.New("no secret key")

// WrongKeyError is Open's error for a value sealed under a key the box
// does not hold.
type WrongKeyError struct {
	Sealed string   // id of the key the value was sealed under
	Have   []string // ids of the keys at hand
}

func (e *WrongKeyError) Error() string {
	if len(e.Have) == 0 {
		return fmt.Sprintf("wrong key (sealed under key id %s; no key loaded)", e.Sealed)
	}
	return fmt.Sprintf("wrong key (sealed under key id %s; the key loaded is %s)", e.Sealed, strings.Join(e.Have, ", "))
}
