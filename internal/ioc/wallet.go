package ioc

import (
	"bytes"
	"crypto/sha256"

	"golang.org/x/crypto/sha3"
)

// Cryptocurrency addresses. Each kind carries a checksum, which is what
// tells an address from a random run of letters and digits: a run is
// reported only when its checksum holds.

// wallet classifies an alphanumeric run clean[a:b] (at least 26 bytes,
// with a digit; mask is its byte-class mask) as a Bitcoin, Ethereum or
// Monero address.
func (e *engine) wallet(a, b int, mask uint16) {
	c := e.clean
	switch n := b - a; {
	case n == 42 && c[a] == '0' && c[a+1]|0x20 == 'x':
		e.eth(a, b)
	case n <= 35 && (c[a] == '1' || c[a] == '3') && mask&cUpper != 0:
		e.btcBase58(a, b)
	case n >= 42 && n <= 62 && eqFold(c[a:a+3], "bc1"):
		e.bech32(a, b)
	case n == 95 && (c[a] == '4' || c[a] == '8') && mask&cUpper != 0:
		e.xmr(a, b)
	}
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Digit maps a byte to its base58 value, or 0xff.
var base58Digit = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = byte(i)
	}
	return t
}()

// base58Into decodes s as one big-endian number into out, reporting false
// on a character outside the alphabet or a number too big for out.
func base58Into(s []byte, out []byte) bool {
	clear(out)
	for _, ch := range s {
		carry := uint32(base58Digit[ch])
		if carry == 0xff {
			return false
		}
		for i := len(out) - 1; i >= 0; i-- {
			carry += 58 * uint32(out[i])
			out[i] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return false
		}
	}
	return true
}

// btcBase58 checks a legacy Bitcoin address: base58check of version 0x00
// (P2PKH, starting with 1) or 0x05 (P2SH, starting with 3), a 20-byte hash
// and the first four bytes of the double SHA-256 of both.
func (e *engine) btcBase58(a, b int) {
	c := e.clean
	var buf [25]byte
	if !base58Into(c[a:b], buf[:]) {
		return
	}
	// Base58check writes each leading zero byte as a '1': the number of
	// leading '1's must be the number of leading zero bytes.
	ones := 0
	for ones < b-a && c[a+ones] == '1' {
		ones++
	}
	zeros := 0
	for zeros < len(buf) && buf[zeros] == 0 {
		zeros++
	}
	if ones != zeros {
		return
	}
	if (c[a] == '1') != (buf[0] == 0x00) || (c[a] == '3') != (buf[0] == 0x05) {
		return
	}
	first := sha256.Sum256(buf[:21])
	sum := sha256.Sum256(first[:])
	if !bytes.Equal(sum[:4], buf[21:]) {
		return
	}
	e.emit(TypeBTC, a, b, string(c[a:b]), 0, "")
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Digit maps a byte of either case to its 5-bit value, or 0xff.
var bech32Digit = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(bech32Charset); i++ {
		ch := bech32Charset[i]
		t[ch] = byte(i)
		if ch >= 'a' {
			t[ch-'a'+'A'] = byte(i)
		}
	}
	return t
}()

func bech32Polymod(v uint32, d byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	top := v >> 25
	v = (v&0x1ffffff)<<5 ^ uint32(d)
	for i := range gen {
		if (top>>i)&1 != 0 {
			v ^= gen[i]
		}
	}
	return v
}

// bech32 checks a segwit address "bc1…" (BIP 173 and BIP 350): one case
// throughout, the checksum of the human-readable part "bc" and the data,
// bech32 for witness version 0 and bech32m for versions 1 to 16, and a
// witness program of the length its version allows.
func (e *engine) bech32(a, b int) {
	c := e.clean
	data := c[a+3 : b]
	var lower, upper bool
	for _, ch := range c[a:b] {
		switch {
		case ch >= 'a' && ch <= 'z':
			lower = true
		case ch >= 'A' && ch <= 'Z':
			upper = true
		}
	}
	if lower && upper {
		return
	}
	// The polymod over the expanded "bc": high bits, a zero, low bits.
	v := uint32(1)
	for _, h := range []byte("bc") {
		v = bech32Polymod(v, h>>5)
	}
	v = bech32Polymod(v, 0)
	for _, h := range []byte("bc") {
		v = bech32Polymod(v, h&31)
	}
	var vals [59]byte
	for i, ch := range data {
		d := bech32Digit[ch]
		if d == 0xff {
			return
		}
		vals[i] = d
		v = bech32Polymod(v, d)
	}
	version := vals[0]
	switch {
	case version == 0 && v != 1, version > 0 && version <= 16 && v != 0x2bc830a3, version > 16:
		return
	}
	// The witness program: the 5-bit groups between the version and the
	// six checksum characters, regrouped into bytes without padding.
	groups := vals[1 : len(data)-6]
	bits := len(groups) * 5
	size, pad := bits/8, bits%8
	// At most four bits of padding, all zero: they are the low bits of
	// the last group.
	if pad >= 5 || len(groups) > 0 && groups[len(groups)-1]&(1<<pad-1) != 0 {
		return
	}
	if size < 2 || size > 40 || version == 0 && size != 20 && size != 32 {
		return
	}
	e.emit(TypeBTC, a, b, lowerString(c[a:b]), 0, "")
}

// keccak256 is the Keccak-256 of Ethereum and Monero (the original
// padding, not SHA3-256's).
func keccak256(b []byte) [32]byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// eth checks an Ethereum address: 0x and 40 hex digits, not all zero. A
// mixed-case address carries the EIP-55 checksum (a letter is upper case
// exactly when the matching nibble of the Keccak-256 of the lower-case
// address is 8 or more), which must hold; one case throughout carries none.
func (e *engine) eth(a, b int) {
	c := e.clean
	hex := c[a+2 : b]
	var lower, upper, nonzero bool
	for _, ch := range hex {
		k := cls[ch]
		switch {
		case k&(cHex|cDigit) == 0:
			return
		case k&cUpper != 0:
			upper = true
		case k&cAlpha != 0:
			lower = true
		}
		if ch != '0' {
			nonzero = true
		}
	}
	if !nonzero {
		return // the zero address is a placeholder in code
	}
	value := "0x" + lowerString(hex)
	if lower && upper {
		sum := keccak256([]byte(value[2:]))
		for i, ch := range hex {
			if cls[ch]&cAlpha == 0 {
				continue
			}
			nib := sum[i/2] >> 4
			if i%2 == 1 {
				nib = sum[i/2] & 0xf
			}
			if (nib >= 8) != (cls[ch]&cUpper != 0) {
				return
			}
		}
	}
	e.emit(TypeETH, a, b, value, 0, "")
}

// xmr checks a Monero standard address (network byte 18, starting with 4)
// or subaddress (42, starting with 8): 95 characters of Monero's block
// base58 (eight 11-character blocks of 8 bytes and one of 7 for 5 bytes)
// decoding to the network byte, two 32-byte keys and the first four bytes
// of the Keccak-256 of what precedes them.
func (e *engine) xmr(a, b int) {
	c := e.clean
	var data [69]byte
	for blk := 0; blk < 9; blk++ {
		chars, size := 11, 8
		if blk == 8 {
			chars, size = 7, 5
		}
		src := c[a+blk*11 : a+blk*11+chars]
		var v [8]byte
		if !base58Into(src, v[8-size:]) {
			return
		}
		copy(data[blk*8:], v[8-size:])
	}
	if data[0] != 18 && data[0] != 42 {
		return
	}
	sum := keccak256(data[:65])
	if !bytes.Equal(sum[:4], data[65:]) {
		return
	}
	e.emit(TypeXMR, a, b, string(c[a:b]), 0, "")
}
