package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// setting is one configurable value: its name (flag and file key), its
// environment variable, and how to read it from and write it to a Config.
// The table below is the only list of settings; flags, file keys,
// variables, usage text and Redacted all come from it.
type setting struct {
	name    string   // flag name and JSON key
	env     string   // environment variable, when not envName(name)
	aliases []string // further flag names
	isBool  bool     // a flag that needs no value
	usage   string
	set     func(c *Config, v string) error
	get     func(c Config) string
}

var settings = []setting{
	str("data", "directory for the SQLite database and certificates", func(c *Config) *string { return &c.DataDir }),
	str("db", "database: postgres://… URL or SQLite file path (default DATA/renrakucho.db)", func(c *Config) *string { return &c.DB }),
	{
		name: "blob", env: "RENRAKUCHO_BLOB_URL",
		usage: "file store: s3://ACCESS:SECRET@HOST:PORT/BUCKET?secure=false for an S3-compatible store, or a local directory (default DATA/blobs)",
		set:   func(c *Config, v string) error { c.Blob = v; return nil },
		get:   func(c Config) string { return c.Blob },
	},
	str("keys", "directory of the key-encryption keys, kept outside the database and its backups (default DATA/keys)", func(c *Config) *string { return &c.KeyDir }),
	str("audit-checkpoints", "directory of the daily audit checkpoint files, to ship off the machine (default DATA/audit-checkpoints)", func(c *Config) *string { return &c.AuditCheckpoints }),
	{
		name:  "audit-retention-days",
		usage: "days the audit log keeps entries before the daily purge (at least 365)",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("must be a whole number of days, got %q", v)
			}
			c.AuditRetentionDays = n
			return nil
		},
		get: func(c Config) string { return strconv.Itoa(c.AuditRetentionDays) },
	},
	str("addr", "user listener host:port", func(c *Config) *string { return &c.Addr }),
	str("admin-addr", "admin listener host:port (always TLS with client certificates)", func(c *Config) *string { return &c.AdminAddr }),
	str("public-url", "base URL of the user listener as users reach it (default derived from --addr)", func(c *Config) *string { return &c.PublicURL }),
	str("tls-cert", "user listener TLS certificate file (with --tls-key; none means plain HTTP)", func(c *Config) *string { return &c.TLSCert }),
	str("tls-key", "user listener TLS key file", func(c *Config) *string { return &c.TLSKey }),
	{
		name: "insecure-http", isBool: true,
		usage: "allow plain HTTP on a non-loopback --addr (behind a TLS-terminating proxy)",
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("must be true or false, got %q", v)
			}
			c.InsecureHTTP = b
			return nil
		},
		get: func(c Config) string { return strconv.FormatBool(c.InsecureHTTP) },
	},
	{
		name:  "log-level",
		usage: "debug, info, warn or error",
		set:   func(c *Config, v string) error { c.LogLevel = strings.ToLower(v); return nil },
		get:   func(c Config) string { return c.LogLevel },
	},
	{
		name:  "sqlite-synchronous",
		usage: "SQLite synchronous pragma: FULL, NORMAL or EXTRA",
		set:   func(c *Config, v string) error { c.SQLiteSynchronous = strings.ToUpper(v); return nil },
		get:   func(c Config) string { return c.SQLiteSynchronous },
	},
	dur("session-idle", "end a session after this long without a request (1m to 24h)", func(c *Config) *time.Duration { return &c.SessionIdle }),
	dur("session-absolute", "end a session this long after login (at least --session-idle)", func(c *Config) *time.Duration { return &c.SessionAbsolute }),
	{
		name:  "trusted-proxies",
		usage: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed",
		set: func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					c.TrustedProxies = append(c.TrustedProxies, p)
				}
			}
			return nil
		},
		get: func(c Config) string { return strings.Join(c.TrustedProxies, ",") },
	},
	{
		name:  "operator-allow",
		usage: "comma-separated CIDRs the operator console may be used from (empty: any address)",
		set: func(c *Config, v string) error {
			c.OperatorAllow = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					c.OperatorAllow = append(c.OperatorAllow, p)
				}
			}
			return nil
		},
		get: func(c Config) string { return strings.Join(c.OperatorAllow, ",") },
	},
	{
		name:  "max-body",
		usage: "largest JSON or form request body, in bytes",
		set: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("must be a whole number of bytes, got %q", v)
			}
			c.MaxBody = n
			return nil
		},
		get: func(c Config) string { return strconv.FormatInt(c.MaxBody, 10) },
	},
	withEnv(str("smtp", "SMTP server of outgoing mail: smtp://[user:pass@]host:port (none: mail stays queued)", func(c *Config) *string { return &c.SMTPURL }), "RENRAKUCHO_SMTP_URL"),
	boolean("smtp-require-tls", "send mail only over STARTTLS", func(c *Config) *bool { return &c.SMTPRequireTLS }),
	str("mail-from", "sender address of outgoing mail (required with --smtp)", func(c *Config) *string { return &c.MailFrom }),
	{
		name:  "login-throttle",
		usage: "failed logins one address may make in 10 minutes before it is throttled (0: never)",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("must be a whole number, got %q", v)
			}
			c.LoginThrottle = n
			return nil
		},
		get: func(c Config) string { return strconv.Itoa(c.LoginThrottle) },
	},
	withAliases(str("demo-password", "password of every demo account (demo only; generated when empty)", func(c *Config) *string { return &c.DemoPassword }), "password"),
}

func str(name, usage string, field func(*Config) *string) setting {
	return setting{
		name: name, usage: usage,
		set: func(c *Config, v string) error { *field(c) = v; return nil },
		get: func(c Config) string { return *field(&c) },
	}
}

func dur(name, usage string, field func(*Config) *time.Duration) setting {
	return setting{
		name: name, usage: usage,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("must be a duration such as 15m or 12h, got %q", v)
			}
			*field(c) = d
			return nil
		},
		get: func(c Config) string { return field(&c).String() },
	}
}

func boolean(name, usage string, field func(*Config) *bool) setting {
	return setting{
		name: name, usage: usage, isBool: true,
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("must be true or false, got %q", v)
			}
			*field(c) = b
			return nil
		},
		get: func(c Config) string { return strconv.FormatBool(*field(&c)) },
	}
}

func withEnv(s setting, env string) setting { s.env = env; return s }

func withAliases(s setting, aliases ...string) setting { s.aliases = aliases; return s }

// envVar returns the setting's environment variable.
func (s setting) envVar() string {
	if s.env != "" {
		return s.env
	}
	return envName(s.name)
}

// envName maps a flag name to its variable: session-idle →
// RENRAKUCHO_SESSION_IDLE.
func envName(flagName string) string {
	return "RENRAKUCHO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// configFlag is --config / RENRAKUCHO_CONFIG: where to read the file,
// so not itself a setting the file may hold.
const configFlag = "config"

var configEnv = envName(configFlag)

func lookup(name string) *setting {
	for i := range settings {
		if settings[i].name == name {
			return &settings[i]
		}
	}
	return nil
}

// settingError formats an error about one setting, naming its flag and
// variable: config: --session-idle (RENRAKUCHO_SESSION_IDLE): ….
func settingError(name, format string, args ...any) error {
	env := envName(name)
	if s := lookup(name); s != nil {
		env = s.envVar()
	}
	return fmt.Errorf("config: --%s (%s): %s", name, env, fmt.Sprintf(format, args...))
}

// recorder is the flag.Value of every flag: it only remembers the raw text,
// so that flags can be applied after the file and the environment however
// the command line is ordered, and every parse error reads the same.
type recorder struct {
	name   string
	isBool bool
	seen   map[string]string
}

func (r recorder) String() string   { return "" }
func (r recorder) IsBoolFlag() bool { return r.isBool }
func (r recorder) Set(v string) error {
	r.seen[r.name] = v
	return nil
}

// Load returns the configuration for the command called name (used in
// usage and error text) from, highest precedence first: args (flags), the
// environment read through getenv, the JSON file named by --config or
// RENRAKUCHO_CONFIG, and Default. An empty variable counts as unset. The
// file is one object whose keys are the flag names ("session-idle": "30m",
// "insecure-http": true, "max-body": 1048576, "trusted-proxies":
// ["10.0.0.0/8"]); an unknown key is an error, like an unknown flag.
//
// Load also returns the arguments left after the flags. With -h or -help it
// prints the usage to standard error and returns an error wrapping
// flag.ErrHelp. It does not call Validate.
func Load(name string, args []string, getenv func(string) string) (Config, []string, error) {
	seen := map[string]string{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Var(recorder{name: configFlag, seen: seen}, configFlag, "")
	for _, s := range settings {
		for _, f := range append([]string{s.name}, s.aliases...) {
			fs.Var(recorder{name: s.name, isBool: s.isBool, seen: seen}, f, s.usage)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			PrintUsage(os.Stderr, name)
			return Config{}, nil, fmt.Errorf("config: %w", err)
		}
		return Config{}, nil, fmt.Errorf("config: %s: %w", name, err)
	}

	c := Default()
	file, ok := seen[configFlag]
	if !ok {
		file = getenv(configEnv)
	}
	if file != "" {
		if err := c.loadFile(file); err != nil {
			return Config{}, nil, err
		}
	}
	for _, s := range settings {
		if v := getenv(s.envVar()); v != "" {
			if err := s.set(&c, v); err != nil {
				return Config{}, nil, settingError(s.name, "%v (from the environment)", err)
			}
		}
	}
	for _, s := range settings {
		if v, ok := seen[s.name]; ok {
			if err := s.set(&c, v); err != nil {
				return Config{}, nil, settingError(s.name, "%v (from the command line)", err)
			}
		}
	}
	return c, fs.Args(), nil
}

// loadFile applies the JSON object in file to c.
func (c *Config) loadFile(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config: --%s (%s): %w", configFlag, configEnv, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return fmt.Errorf("config: %s: not a JSON object: %w", file, err)
	}
	if dec.More() {
		return fmt.Errorf("config: %s: text after the JSON object", file)
	}
	for _, s := range settings { // table order, so errors are deterministic
		raw, ok := obj[s.name]
		if !ok {
			continue
		}
		delete(obj, s.name)
		v, err := fileValue(raw)
		if err != nil {
			return settingError(s.name, "%v (in %s)", err, file)
		}
		if err := s.set(c, v); err != nil {
			return settingError(s.name, "%v (in %s)", err, file)
		}
	}
	for k := range obj {
		return fmt.Errorf("config: %s: unknown setting %q", file, k)
	}
	return nil
}

// fileValue turns a JSON value into the text a flag would carry: strings as
// they are, booleans and numbers as written, arrays of strings joined with
// commas.
func fileValue(raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", fmt.Errorf("list items must be strings, got %s", raw)
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("must be a string, number, boolean or list of strings, got %s", raw)
}

// PrintUsage writes the flags of the command called name to w, each with
// its variable and default.
func PrintUsage(w io.Writer, name string) {
	d := Default()
	fmt.Fprintf(w, "Usage of %s:\n", name)
	fmt.Fprintf(w, "  --%s FILE (%s)\n    \tJSON file of settings, keyed by flag name\n", configFlag, configEnv)
	for _, s := range settings {
		flags := "--" + s.name
		for _, a := range s.aliases {
			flags += ", --" + a
		}
		def := ""
		if v := s.get(d); v != "" && v != "false" {
			def = fmt.Sprintf(", default %q", v)
		}
		fmt.Fprintf(w, "  %s (%s%s)\n    \t%s\n", flags, s.envVar(), def, s.usage)
	}
}
