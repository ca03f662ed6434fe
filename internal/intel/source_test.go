package intel

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSecretOption(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "Password": true, "db_passwd": true, "token": true, "api_token": true, "client_secret": true,
		"authkey": true, "api_key": true, "API-KEY": true, "passphrase": true, "pwd": true, "Authorization": true,
		"session_cookie": true, "credentials": true, "collection": false, "api_root": false, "username": false,
		"page_size": false, "tags": false, "type": false, "keys_url": false,
	} {
		if got := SecretOption(name); got != want {
			t.Errorf("SecretOption(%q) = %v, want %v", name, got, want)
		}
	}
}

// The JSON of a source never carries a secret option's value; the
// options map itself keeps it.
func TestSourceJSONRedactsSecrets(t *testing.T) {
	src := Source{Name: "feed", Options: SourceOptions{"collection": "abc", "username": "analyst",
		"password": "hunter2-secret", "authkey": "k3y-value", "token": ""}}
	b, err := json.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, secret := range []string{"hunter2-secret", "k3y-value"} {
		if strings.Contains(out, secret) {
			t.Errorf("JSON leaks %q: %s", secret, out)
		}
	}
	for _, want := range []string{`"collection":"abc"`, `"username":"analyst"`, `"password":"********"`,
		`"authkey":"********"`, `"token":""`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s: %s", want, out)
		}
	}
	if src.Options["password"] != "hunter2-secret" {
		t.Error("marshalling changed the options")
	}
	var back Source
	if err := json.Unmarshal(b, &back); err != nil || back.Options["collection"] != "abc" {
		t.Fatalf("read back: %+v, %v", back, err)
	}
	if err := back.Validate(); err == nil || !strings.Contains(err.Error(), "redacted form of a secret") {
		t.Errorf("a source read back from the API validates (%v); storing it would lose the password", err)
	}
}

func TestSourceOptionsValidate(t *testing.T) {
	long := strings.Repeat("x", 4097)
	many := SourceOptions{}
	for i := range 33 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	for _, tc := range []struct {
		o    SourceOptions
		want string
	}{
		{SourceOptions{"collection": "c", "api_root": "https://x/api/"}, ""},
		{SourceOptions{"": "v"}, "option name"},
		{SourceOptions{"bad key": "v"}, "option name"},
		{SourceOptions{"k": long}, "at most 4096"},
		{SourceOptions{"password": RedactedOption}, "redacted form"},
		{many, "at most 32"},
	} {
		err := (&Source{Name: "s", Options: tc.o}).Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%v) = %v, want %q", tc.o, err, tc.want)
		}
	}
}
