package web

import (
	"strings"
	"testing"
)

func TestCheckUTF8NamesTheField(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"name":"fine","list":["ä","ö"]}`, ""},
		{"{\"name\":\"a\xff\"}", "field name: not valid UTF-8"},
		{"{\"a\":1,\"b\":{\"c\":true,\"d\":\"\xfe\"}}", "field b.d: not valid UTF-8"},
		{"{\"a\":[{\"b\":\"ok\"},{\"c\":[\"x\",\"\xc3\"]}],\"z\":1}", "field a[1].c[1]: not valid UTF-8"},
		{"{\"k\xff\":1}", "a field name is not valid UTF-8"},
		{"\"\xff\"", "request body: byte 1 is not valid UTF-8"},
		{"{\"a\":\"\xff", "request body: byte 6 is not valid UTF-8"},
	}
	for _, tt := range tests {
		err := checkUTF8([]byte(tt.body))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("checkUTF8(%q) = %v, want nil", tt.body, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("checkUTF8(%q) = %v, want %q", tt.body, err, tt.want)
		}
	}
}
