package secret_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/secret"
)

// fixedKey is a key written as tests and operators write one.
const fixedKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // bytes 0..31

func mustKey(t *testing.T, text string) secret.Key {
	t.Helper()
	k, err := secret.ParseKey(text)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	box := secret.NewBox(mustKey(t, fixedKey))
	place := secret.SourceOption("Partner TAXII", "password")
	for _, plain := range []string{"hunter2", "", "ünïcödé \x00 and NUL", strings.Repeat("x", 4096)} {
		sealed, err := place.Seal(box, plain)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "enc:v1:"+box.KeyID()+":") {
			t.Errorf("sealed form %q does not name its version and key", sealed)
		}
		if plain != "" && strings.Contains(sealed, plain) {
			t.Errorf("sealed form %q holds the plain value", sealed)
		}
		got, err := place.Reveal(box, sealed)
		if err != nil || got != plain {
			t.Errorf("Reveal = %q, %v; want %q", got, err, plain)
		}
	}
}

// Each seal draws a fresh nonce: the same value sealed twice differs, so
// equal passwords cannot be told apart in the database.
func TestSealUsesFreshNonces(t *testing.T) {
	box := secret.NewBox(mustKey(t, fixedKey))
	seen := map[string]bool{}
	for range 100 {
		v, _ := box.Seal("same", "ad")
		if seen[v] {
			t.Fatalf("a sealed value repeated: %q", v)
		}
		seen[v] = true
	}
}

// A ciphertext is bound to its place: copied into another option or
// another source it does not open, and an altered one does not either.
func TestSealedValueIsBoundToItsPlace(t *testing.T) {
	box := secret.NewBox(mustKey(t, fixedKey))
	sealed, _ := secret.SourceOption("A", "password").Seal(box, "hunter2")
	id, _ := secret.KeyID(sealed)
	tests := []struct {
		name  string
		place secret.Place
		value string
	}{
		{"other option", secret.SourceOption("A", "token"), sealed},
		{"other source", secret.SourceOption("B", "password"), sealed},
		{"name and option shifted", secret.SourceOption("A:password", ""), sealed},
		{"altered byte", secret.SourceOption("A", "password"), sealed[:len(sealed)-2] + flip(sealed[len(sealed)-2])},
		{"truncated", secret.SourceOption("A", "password"), sealed[:len("enc:v1:")+len(id)+5]},
		{"not base64", secret.SourceOption("A", "password"), "enc:v1:" + id + ":!!!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.place.Reveal(box, tt.value)
			if !errors.Is(err, secret.ErrDamaged) {
				t.Errorf("Reveal = %q, %v; want ErrDamaged", got, err)
			}
		})
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// A value sealed under another key names both keys, and the place.
func TestOpenUnderWrongKey(t *testing.T) {
	old, cur := secret.NewKey(), secret.NewKey()
	sealed, _ := secret.SourceOption("Partner", "token").Seal(secret.NewBox(old), "t0ken")
	_, err := secret.SourceOption("Partner", "token").Reveal(secret.NewBox(cur), sealed)
	var wk *secret.WrongKeyError
	if !errors.As(err, &wk) {
		t.Fatalf("err = %v, want a WrongKeyError", err)
	}
	if diff := cmp.Diff(&secret.WrongKeyError{Sealed: old.ID(), Have: []string{cur.ID()}}, wk); diff != "" {
		t.Errorf("WrongKeyError (-want +got):\n%s", diff)
	}
	want := fmt.Sprintf(`cannot decrypt option token of source "Partner": wrong key (sealed under key id %s; the key loaded is %s)`, old.ID(), cur.ID())
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	// A box that also holds the old key (during a rotation) opens it and
	// seals under the new one.
	both := secret.NewBox(cur, old)
	if got, err := both.Open(sealed, secret.SourceOption("Partner", "token").AD); err != nil || got != "t0ken" {
		t.Errorf("Open with the old key in the box = %q, %v", got, err)
	}
	if resealed, _ := both.Seal("t0ken", "x"); !strings.HasPrefix(resealed, "enc:v1:"+cur.ID()+":") {
		t.Errorf("a box seals under its first key, got %q", resealed)
	}
	if _, err := secret.SourceOption("Partner", "token").Reveal(nil, sealed); !errors.Is(err, secret.ErrNoKey) {
		t.Errorf("Reveal without a key: %v, want ErrNoKey", err)
	}
}

func TestParseKey(t *testing.T) {
	want := mustKey(t, fixedKey).ID()
	hexKey := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	for _, text := range []string{fixedKey, " " + fixedKey + "\n", strings.TrimRight(fixedKey, "="), hexKey, strings.ToUpper(hexKey)} {
		k, err := secret.ParseKey(text)
		if err != nil || k.ID() != want {
			t.Errorf("ParseKey(%q) = %v, %v; want key id %s", text, k, err, want)
		}
	}
	for _, bad := range []string{"", "short", fixedKey[:40], hexKey[:62], hexKey + "00", "not a key at all, just words here ok"} {
		if _, err := secret.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("the error repeats the text: %v", err)
		}
	}
	k := secret.NewKey()
	back, err := secret.ParseKey(k.Text())
	if err != nil || back.ID() != k.ID() {
		t.Errorf("a key's Text does not parse back: %v", err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", k, k, k, k); strings.Contains(s, k.Text()) || strings.Contains(s, k.Text()[:10]) {
		t.Errorf("printing a key shows its material: %s", s)
	}
}

func TestFutureFormatIsNotPlain(t *testing.T) {
	box := secret.NewBox(secret.NewKey())
	if !secret.IsSealed("enc:v2:abcd:xyz") {
		t.Error("a value of a later format counts as plain, and would be sealed twice")
	}
	if _, err := box.Open("enc:v2:abcd:xyz", ""); err == nil || !strings.Contains(err.Error(), `format "v2"`) {
		t.Errorf("Open of a later format: %v", err)
	}
}

func TestInspect(t *testing.T) {
	old, cur := secret.NewKey(), secret.NewKey()
	lost := secret.NewKey()
	a, b, c := secret.SourceOption("a", "token"), secret.SourceOption("b", "password"), secret.SourceOption("c", "api_key")
	sealedOld, _ := a.Seal(secret.NewBox(old), "1")
	sealedCur, _ := b.Seal(secret.NewBox(cur), "2")
	sealedLost, _ := c.Seal(secret.NewBox(lost), "3")
	stored := []secret.Stored{{a, sealedOld}, {b, sealedCur}, {c, sealedLost}, {secret.SourceOption("d", "pwd"), "legacy plain"}}
	got := secret.Inspect(secret.NewBox(cur, old), stored)
	want := secret.Report{Total: 4, Plain: 1, ByKey: map[string]int{old.ID(): 1, cur.ID(): 1, lost.ID(): 1},
		Failed: []string{fmt.Sprintf(`cannot decrypt option api_key of source "c": wrong key (sealed under key id %s; the key loaded is %s, %s)`, lost.ID(), cur.ID(), old.ID())}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Inspect (-want +got):\n%s", diff)
	}
}
