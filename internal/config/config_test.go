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
		{name: "bad bool", env: map[string]string{"SPOOR_SECURE_COOKIES": "maybe"}, error: true},
		{name: "bad format", args: []string{"--format", "xml"}, error: true},
		{name: "bad format in env", env: map[string]string{"SPOOR_FORMAT": "xml"}, error: true},
		{
			name: "lists from env",
			env:  map[string]string{"SPOOR_IMPORT_DIRS": "/srv/feeds:/srv/reports:", "SPOOR_ALLOWED_HOSTS": "spoor.example.org, localhost"},
			want: config.Config{DB: "spoor.db", Addr: "127.0.0.1:8080", LogLevel: "info", Format: "table",
				ImportDirs: []string{"/srv/feeds", "/srv/reports"}, AllowedHosts: []string{"spoor.example.org", "localhost"}},
		},
		{
			name: "repeated flags replace the env list",
			env:  map[string]string{"SPOOR_IMPORT_DIRS": "/srv/feeds", "SPOOR_ALLOWED_HOSTS": "old.example.org"},
			args: []string{"--import-dir", "/a", "--import-dir", "/b", "--allowed-host", "new.example.org"},
			want: config.Config{DB: "spoor.db", Addr: "127.0.0.1:8080", LogLevel: "info", Format: "table",
				ImportDirs: []string{"/a", "/b"}, AllowedHosts: []string{"new.example.org"}},
		},
		{name: "empty import dir flag", args: []string{"--import-dir", " "}, error: true},
		{name: "allowed host is a URL", args: []string{"--allowed-host", "https://spoor.example.org/"}, error: true},
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
				c.Register(fs, config.FlagDB|config.FlagAddr|config.FlagFormat|config.FlagSecureCookies|config.FlagLogLevel|
					config.FlagImportDirs|config.FlagAllowedHosts)
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
	if got, want := c.String(), "db=postgres://…@db.internal:5432/spoor addr=127.0.0.1:8080"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
