package jsonpos_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/collect/jsonpos"
)

func TestPositionAndSkipSpace(t *testing.T) {
	input := "{\n  \"a\": [1,\n   {\"b\": x}]\n}"
	r := jsonpos.NewReader(strings.NewReader(input))
	if _, err := io.ReadAll(r); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		offset    int64
		line, col int
	}{{0, 1, 1}, {1, 1, 2}, {2, 2, 1}, {int64(strings.Index(input, "x")), 3, 10}}
	for _, tt := range tests {
		if l, c := r.Position(tt.offset); l != tt.line || c != tt.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tt.offset, l, c, tt.line, tt.col)
		}
	}
	afterComma := int64(strings.Index(input, "1,") + 2)
	if got, want := r.SkipSpace(afterComma), int64(strings.Index(input, "{\"b\"")); got != want {
		t.Errorf("SkipSpace(%d) = %d, want %d", afterComma, got, want)
	}
	if got, want := r.SyntaxErrorAt(0), int64(strings.Index(input, "x")); got != want {
		t.Errorf("SyntaxErrorAt(0) = %d, want %d (the x)", got, want)
	}
}

// A decoder over the Reader reports the syntax error of its second value
// at the bad byte, although its own offset counts from elsewhere.
func TestSyntaxErrorInLaterValue(t *testing.T) {
	input := `{"ok": 1}` + "\n" + `{"bad": tru}`
	r := jsonpos.NewReader(strings.NewReader(input))
	dec := json.NewDecoder(r)
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	start := dec.InputOffset()
	r.Mark(start)
	if err := dec.Decode(&v); err == nil {
		t.Fatal("decoded a bad value")
	}
	at := r.SyntaxErrorAt(r.SkipSpace(start))
	if l, c := r.Position(at); l != 2 || c != 12 {
		t.Errorf("error at %d:%d, want 2:12 (after tru)", l, c)
	}
}
