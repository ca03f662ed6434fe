// Package config holds spoor's settings: defaults that work with no
// configuration, overridden by SPOOR_* environment variables, overridden
// by command-line flags. There are no globals: commands load a Config and
// pass it down.
package config

import (
	"flag"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Config is every setting a spoor command may read.
type Config struct {
	// DB is a SQLite file path or a postgres:// URL.
	DB string
	// Addr is the listen address of spoor serve.
	Addr string
	// SecureCookies marks session cookies Secure (behind TLS).
	SecureCookies bool
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// Format is how commands print results: table or json.
	Format string
	// TrustedProxies are the reverse proxies (CIDR prefixes) whose
	// Forwarded / X-Forwarded-For headers spoor serve believes.
	TrustedProxies []netip.Prefix
	// SecretKey is SPOOR_SECRET_KEY, the key that seals the secrets of
	// the store (comma-separated keys during a rotation); it wins over
	// SecretKeyFile. Never printed.
	SecretKey string
	// SecretKeyFile is the key file when SecretKey is not set; empty means
	// the file beside a SQLite database (spoor.db → spoor.key).
	SecretKeyFile string
	// ImportDirs are the only directories whose files the server (serve,
	// worker) reads for a source; none by default, so it reads no files.
	ImportDirs []string
	// AllowedHosts are the host names spoor serve answers to (the Host
	// header, without port); empty allows any, or only the loopback
	// names when it listens on loopback.
	AllowedHosts []string
}

// Default returns the settings that work on a laptop with no configuration.
func Default() Config {
	return Config{
		DB:       "spoor.db",
		Addr:     "127.0.0.1:8080",
		LogLevel: "info",
		Format:   "table",
	}
}

// FromEnv returns the defaults overridden by SPOOR_* variables read with
// getenv (os.Getenv in main, a map in tests). It does not Validate: a flag
// may still override a bad value, so the caller validates after the flags
// (only a value that cannot be read at all, a bad boolean, fails here).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Default()
	if v := getenv("SPOOR_DB"); v != "" {
		c.DB = v
	}
	if v := getenv("SPOOR_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("SPOOR_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	if v := getenv("SPOOR_FORMAT"); v != "" {
		c.Format = v
	}
	c.SecretKey = getenv("SPOOR_SECRET_KEY")
	if v := getenv("SPOOR_SECRET_KEY_FILE"); v != "" {
		c.SecretKeyFile = v
	}
	if v := getenv("SPOOR_IMPORT_DIRS"); v != "" {
		// A list as PATH is one: the OS's list separator (":" or ";").
		c.ImportDirs = nonEmpty(filepath.SplitList(v))
	}
	if v := getenv("SPOOR_ALLOWED_HOSTS"); v != "" {
		c.AllowedHosts = nonEmpty(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }))
	}
	if v := getenv("SPOOR_SECURE_COOKIES"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, intel.Errorf(intel.CodeInvalid, "SPOOR_SECURE_COOKIES=%q is not a boolean", v)
		}
		c.SecureCookies = b
	}
	if v := getenv("SPOOR_TRUSTED_PROXIES"); v != "" {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			p, err := ParseProxy(item)
			if err != nil {
				return c, intel.Errorf(intel.CodeInvalid, "SPOOR_TRUSTED_PROXIES: %s", intel.ErrorMessage(err))
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	return c, nil
}

// ParseProxy reads a trusted proxy: a CIDR prefix ("10.0.0.0/8") or one
// address (a /32 or /128).
func ParseProxy(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.Prefix{}, intel.Errorf(intel.CodeInvalid, "%q is neither a CIDR prefix nor an IP address", s)
}

// Flag names a setting a command exposes as a flag.
type Flag int

// Flags a command may register.
const (
	FlagDB Flag = 1 << iota
	FlagAddr
	FlagSecureCookies
	FlagLogLevel
	FlagFormat
	FlagTrustedProxy
	FlagImportDirs
	FlagAllowedHosts
)

// Register binds the chosen settings to flags of fs; the flags' defaults
// are the current values, so a flag given on the command line wins over
// the environment, which wins over the default.
func (c *Config) Register(fs *flag.FlagSet, which Flag) {
	if which&FlagDB != 0 {
		fs.StringVar(&c.DB, "db", c.DB, "SQLite file or postgres:// URL (env SPOOR_DB)")
		fs.StringVar(&c.SecretKeyFile, "secret-key-file", c.SecretKeyFile,
			"key file sealing the store's secrets, when SPOOR_SECRET_KEY is not set; default beside a SQLite database (env SPOOR_SECRET_KEY_FILE)")
	}
	if which&FlagAddr != 0 {
		fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env SPOOR_ADDR)")
	}
	if which&FlagSecureCookies != 0 {
		fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark session cookies Secure, for TLS (env SPOOR_SECURE_COOKIES)")
	}
	if which&FlagLogLevel != 0 {
		fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env SPOOR_LOG_LEVEL)")
	}
	if which&FlagFormat != 0 {
		fs.StringVar(&c.Format, "format", c.Format, "output format: table or json (env SPOOR_FORMAT)")
	}
	if which&FlagTrustedProxy != 0 {
		// The first flag replaces the environment's list; more add to it.
		fromFlags := false
		fs.Func("trusted-proxy", "a reverse proxy (CIDR or address) whose X-Forwarded-For/Forwarded name the client; repeat for more (env SPOOR_TRUSTED_PROXIES, comma-separated)",
			func(v string) error {
				p, err := ParseProxy(strings.TrimSpace(v))
				if err != nil {
					return err
				}
				if !fromFlags {
					c.TrustedProxies, fromFlags = nil, true
				}
				c.TrustedProxies = append(c.TrustedProxies, p)
				return nil
			})
	}
	if which&FlagImportDirs != 0 {
		fs.Var(&listValue{list: &c.ImportDirs}, "import-dir",
			"a directory whose files sources may read; repeatable (env SPOOR_IMPORT_DIRS, a path list)")
	}
	if which&FlagAllowedHosts != 0 {
		fs.Var(&listValue{list: &c.AllowedHosts}, "allowed-host",
			"a host name the server answers to; repeatable (env SPOOR_ALLOWED_HOSTS, comma-separated)")
	}
}

// listValue is a repeatable flag: the first use replaces the list the
// environment gave, later ones add to it.
type listValue struct {
	list *[]string
	set  bool
}

func (l *listValue) String() string {
	if l.list == nil {
		return ""
	}
	return strings.Join(*l.list, ",")
}

func (l *listValue) Set(v string) error {
	if !l.set {
		*l.list, l.set = nil, true
	}
	*l.list = append(*l.list, v)
	return nil
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks the settings after flags are parsed.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.DB) == "" {
		return intel.Errorf(intel.CodeInvalid, "the database (--db, SPOOR_DB) is empty")
	}
	switch c.Format {
	case "table", "json":
	default:
		return intel.Errorf(intel.CodeInvalid, "unknown format %q: use table or json", c.Format)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return intel.Errorf(intel.CodeInvalid, "unknown log level %q: use debug, info, warn or error", c.LogLevel)
	}
	for _, d := range c.ImportDirs {
		if strings.TrimSpace(d) == "" {
			return intel.Errorf(intel.CodeInvalid, "an import directory (--import-dir, SPOOR_IMPORT_DIRS) is empty")
		}
	}
	for _, h := range c.AllowedHosts {
		if h == "" || strings.ContainsAny(h, " /\\@?#") {
			return intel.Errorf(intel.CodeInvalid, "allowed host %q (--allowed-host, SPOOR_ALLOWED_HOSTS) is not a host name", h)
		}
	}
	return nil
}

// IsPostgres reports whether DB names a PostgreSQL database.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// String describes the settings without secrets (a PostgreSQL password).
func (c Config) String() string {
	return fmt.Sprintf("db=%s addr=%s", RedactDB(c.DB), c.Addr)
}

// RedactDB is a database setting fit to print: a PostgreSQL URL's user
// and password become "…".
func RedactDB(db string) string {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		if at := strings.LastIndex(db, "@"); at > 0 {
			if scheme := strings.Index(db, "://"); scheme > 0 && scheme+3 < at {
				db = db[:scheme+3] + "…" + db[at:]
			}
		}
	}
	return db
}
