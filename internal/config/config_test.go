package config_test

import (
	"flag"
	"net/netip"
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
			name: "trusted proxies from env",
			env:  map[string]string{"SPOOR_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,2001:db8::/32,"},
			want: config.Config{DB: "spoor.db", Addr: "127.0.0.1:8080", LogLevel: "info", Format: "table",
				TrustedProxies: prefixes("10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32")},
		},
		{
			name: "trusted proxy flags replace env",
			env:  map[string]string{"SPOOR_TRUSTED_PROXIES": "10.0.0.0/8"},
			args: []string{"--trusted-proxy", "172.16.0.0/12", "--trusted-proxy", "10.1.2.3/8"},
			want: config.Config{DB: "spoor.db", Addr: "127.0.0.1:8080", LogLevel: "info", Format: "table",
				TrustedProxies: prefixes("172.16.0.0/12", "10.0.0.0/8")},
		},
		{name: "bad proxy in env", env: map[string]string{"SPOOR_TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}, error: true},
		{name: "bad proxy flag", args: []string{"--trusted-proxy", "10.0.0.0/33"}, error: true},
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
				c.Register(fs, config.FlagDB|config.FlagAddr|config.FlagFormat|config.FlagSecureCookies|config.FlagLogLevel|config.FlagTrustedProxy|
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
			if diff := cmp.Diff(tt.want, c, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func prefixes(ps ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

func TestStringHidesPassword(t *testing.T) {
	c := config.Default()
	c.DB = "postgres://spoor:s3cret@db.internal:5432/spoor"
	c.SecretKey = "c2VjcmV0LWtleS1tYXRlcmlhbA=="
	if got, want := c.String(), "db=postgres://…@db.internal:5432/spoor addr=127.0.0.1:8080"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
