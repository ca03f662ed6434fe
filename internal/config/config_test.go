package config_test

import (
	"flag"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/config"
)

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		want  config.Config
		error bool
	}{
		{name: "defaults", want: config.Default()},
		{
			name: "env overrides default",
			env:  map[string]string{"SPOOR_DB": "/var/lib/spoor.db", "SPOOR_ADDR": ":9000", "SPOOR_SECURE_COOKIES": "true"},
			want: config.Config{DB: "/var/lib/spoor.db", Addr: ":9000", SecureCookies: true, LogLevel: "info", Format: "table"},
		},
		{
			name: "flag overrides env",
			env:  map[string]string{"SPOOR_DB": "env.db", "SPOOR_FORMAT": "json"},
			args: []string{"--db", "flag.db"},
			want: config.Config{DB: "flag.db", Addr: "127.0.0.1:8080", LogLevel: "info", Format: "json"},
		},
		{
			name: "secret key from env, key file flag over env",
			env:  map[string]string{"SPOOR_SECRET_KEY": "a2V5", "SPOOR_SECRET_KEY_FILE": "/etc/spoor/env.key"},
			args: []string{"--secret-key-file", "/run/secrets/spoor.key"},
			want: config.Config{DB: "spoor.db", Addr: "127.0.0.1:8080", LogLevel: "info", Format: "table",
				SecretKey: "a2V5", SecretKeyFile: "/run/secrets/spoor.key"},
		},
		{name: "bad bool", env: map[string]string{"SPOOR_SECURE_COOKIES": "maybe"}, error: true},
		{name: "bad format", args: []string{"--format", "xml"}, error: true},
		{name: "bad format in env", env: map[string]string{"SPOOR_FORMAT": "xml"}, error: true},
		{
			name: "flag corrects env",
			env:  map[string]string{"SPOOR_FORMAT": "xml"},
			args: []string{"--format", "json"},
			want: config.Config{DB: "spoor.db", Addr: "127.0.0.1:8080", LogLevel: "info", Format: "json"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.FromEnv(func(k string) string { return tt.env[k] })
			if err == nil {
				fs := flag.NewFlagSet("test", flag.ContinueOnError)
				c.Register(fs, config.FlagDB|config.FlagAddr|config.FlagFormat|config.FlagSecureCookies|config.FlagLogLevel)
				if err = fs.Parse(tt.args); err == nil {
					err = c.Validate()
				}
			}
			if tt.error {
				if err == nil {
					t.Fatalf("got %+v, want an error", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStringHidesPassword(t *testing.T) {
	c := config.Default()
	c.DB = "postgres://spoor:s3cret@db.internal:5432/spoor"
	c.SecretKey = "c2VjcmV0LWtleS1tYXRlcmlhbA=="
	if got, want := c.String(), "db=postgres://…@db.internal:5432/spoor addr=127.0.0.1:8080"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
