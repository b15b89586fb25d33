package config

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env returns a getenv over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeFile writes a config file into a fresh directory and returns its path.
func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "renrakucho.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, args []string, getenv func(string) string) Config {
	t.Helper()
	c, _, err := Load("serve", args, getenv)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefault(t *testing.T) {
	c := mustLoad(t, nil, env(nil))
	if !reflect.DeepEqual(c, Default()) {
		t.Fatalf("Load with nothing set = %+v, want Default %+v", c, Default())
	}
	want := Config{
		DataDir: "./data", Addr: "127.0.0.1:8080", AdminAddr: "127.0.0.1:8443",
		LogLevel: "info", SQLiteSynchronous: "FULL",
		SessionIdle: 15 * time.Minute, SessionAbsolute: 12 * time.Hour, MaxBody: 1 << 20, LoginThrottle: 50,
		AuditRetentionDays: 365,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Default() = %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if got, want := c.DSN(), filepath.Join("data", "renrakucho.db"); got != want {
		t.Errorf("DSN() = %q, want %q", got, want)
	}
	if got, want := c.BaseURL(), "http://127.0.0.1:8080"; got != want {
		t.Errorf("BaseURL() = %q, want %q", got, want)
	}
	if c.UserTLS() {
		t.Error("UserTLS() = true by default")
	}
}

// TestPrecedence loads each case and compares the listed settings, by
// name, with Redacted-free getters so every setting kind is exercised.
func TestPrecedence(t *testing.T) {
	file := writeFile(t, `{
		"addr": "127.0.0.1:7000",
		"admin-addr": "127.0.0.1:7443",
		"session-idle": "20m",
		"insecure-http": true,
		"max-body": 2048,
		"trusted-proxies": ["10.0.0.0/8", "192.168.0.0/16"],
		"log-level": "debug"
	}`)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want map[string]string
	}{
		{
			name: "EnvOverridesDefault",
			env: map[string]string{
				"RENRAKUCHO_ADDR":               "127.0.0.1:9000",
				"RENRAKUCHO_SESSION_IDLE":       "30m",
				"RENRAKUCHO_LOG_LEVEL":          "debug",
				"RENRAKUCHO_INSECURE_HTTP":      "true",
				"RENRAKUCHO_SQLITE_SYNCHRONOUS": "normal",
				"RENRAKUCHO_DEMO_PASSWORD":      "pw",
			},
			want: map[string]string{
				"addr": "127.0.0.1:9000", "session-idle": "30m0s", "log-level": "debug",
				"insecure-http": "true", "sqlite-synchronous": "NORMAL", "demo-password": "pw",
				"admin-addr": "127.0.0.1:8443",
			},
		},
		{
			name: "FlagOverridesEnv",
			args: []string{"--addr", "127.0.0.1:9100", "--session-idle=45m", "--insecure-http=false", "--password", "flagpw"},
			env: map[string]string{
				"RENRAKUCHO_ADDR":          "127.0.0.1:9000",
				"RENRAKUCHO_SESSION_IDLE":  "30m",
				"RENRAKUCHO_INSECURE_HTTP": "true",
				"RENRAKUCHO_DEMO_PASSWORD": "envpw",
			},
			want: map[string]string{
				"addr": "127.0.0.1:9100", "session-idle": "45m0s", "insecure-http": "false",
				"demo-password": "flagpw",
			},
		},
		{
			name: "FileBelowEnv",
			args: []string{"--config", file},
			env:  map[string]string{"RENRAKUCHO_ADDR": "127.0.0.1:9000"},
			want: map[string]string{
				"addr": "127.0.0.1:9000", "admin-addr": "127.0.0.1:7443", "session-idle": "20m0s",
				"insecure-http": "true", "max-body": "2048", "trusted-proxies": "10.0.0.0/8,192.168.0.0/16",
				"log-level": "debug", "session-absolute": "12h0m0s",
			},
		},
		{
			name: "FileFromEnvBelowFlags",
			args: []string{"--admin-addr", "127.0.0.1:7444", "--trusted-proxies", "172.16.0.0/12"},
			env:  map[string]string{"RENRAKUCHO_CONFIG": file},
			want: map[string]string{
				"addr": "127.0.0.1:7000", "admin-addr": "127.0.0.1:7444", "trusted-proxies": "172.16.0.0/12",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.args, env(tt.env))
			for name, want := range tt.want {
				if got := lookup(name).get(c); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestLoadRest(t *testing.T) {
	_, rest, err := Load("backup", []string{"--data", "/srv/r", "out", "--x"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"out", "--x"}; !reflect.DeepEqual(rest, want) {
		t.Fatalf("rest = %q, want %q", rest, want)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string // body of a config file passed with --config
		want []string
	}{
		{name: "ErrUnknownFlag", args: []string{"--nope"}, want: []string{"-nope"}},
		{name: "ErrMissingValue", args: []string{"--addr"}, want: []string{"-addr"}},
		{name: "ErrFlagDuration", args: []string{"--session-idle", "soon"},
			want: []string{"--session-idle (RENRAKUCHO_SESSION_IDLE)", `"soon"`, "command line"}},
		{name: "ErrEnvBool", env: map[string]string{"RENRAKUCHO_INSECURE_HTTP": "yes please"},
			want: []string{"--insecure-http (RENRAKUCHO_INSECURE_HTTP)", "environment"}},
		{name: "ErrEnvMaxBody", env: map[string]string{"RENRAKUCHO_MAX_BODY": "1MiB"},
			want: []string{"--max-body (RENRAKUCHO_MAX_BODY)", `"1MiB"`}},
		{name: "ErrFileUnknownKey", file: `{"adr": "x"}`, want: []string{`unknown setting "adr"`}},
		{name: "ErrFileNotJSON", file: `addr = x`, want: []string{"not a JSON object"}},
		{name: "ErrFileType", file: `{"addr": {"host": "x"}}`, want: []string{"--addr (RENRAKUCHO_ADDR)"}},
		{name: "ErrFileDuration", file: `{"session-absolute": 3600}`,
			want: []string{"--session-absolute (RENRAKUCHO_SESSION_ABSOLUTE)", `"3600"`}},
		{name: "ErrFileMissing", args: []string{"--config", "/nonexistent/renrakucho.json"},
			want: []string{"--config (RENRAKUCHO_CONFIG)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", writeFile(t, tt.file)}, args...)
			}
			_, _, err := Load("serve", args, env(tt.env))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	stderr := os.Stderr
	os.Stderr = devnull
	defer func() { os.Stderr = stderr }()
	if _, _, err := Load("serve", []string{"-h"}, env(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Load(-h) = %v, want flag.ErrHelp", err)
	}
}

func TestPrintUsage(t *testing.T) {
	var b strings.Builder
	PrintUsage(&b, "serve")
	for _, w := range []string{"--trusted-proxies (RENRAKUCHO_TRUSTED_PROXIES)", "--demo-password, --password", `default "15m0s"`, "RENRAKUCHO_CONFIG"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("usage lacks %q:\n%s", w, b.String())
		}
	}
}

// TestValidate changes one setting of a valid config per case; the error
// must name that setting's flag and variable.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // flag (variable) named in the error; "" means valid
	}{
		{"OKPostgres", func(c *Config) { c.DB = "postgres://u:p@db.example/renrakucho?sslmode=require" }, ""},
		{"OKPostgresql", func(c *Config) { c.DB = "postgresql:///renrakucho?host=/run/postgresql" }, ""},
		{"OKSQLitePath", func(c *Config) { c.DB = "/srv/renrakucho/main.db" }, ""},
		{"OKSQLitePrefix", func(c *Config) { c.DB = "sqlite:/srv/renrakucho/main.db" }, ""},
		{"OKTLSAnyAddr", func(c *Config) { c.Addr, c.TLSCert, c.TLSKey = ":443", "c.pem", "k.pem" }, ""},
		{"OKInsecureHTTP", func(c *Config) { c.Addr, c.InsecureHTTP = "0.0.0.0:8080", true }, ""},
		{"OKLocalhost", func(c *Config) { c.Addr = "localhost:8080" }, ""},
		{"OKIPv6Loopback", func(c *Config) { c.Addr = "[::1]:8080" }, ""},
		{"OKPortZeroBoth", func(c *Config) { c.Addr, c.AdminAddr = "127.0.0.1:0", "127.0.0.1:0" }, ""},
		{"OKProxies", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "fd00::/8", "192.0.2.7"} }, ""},
		{"OKOperatorAllow", func(c *Config) {
			c.OperatorAllow = []string{"192.0.2.0/24", "2001:db8::/32", "::ffff:10.0.0.0/104", "198.51.100.7"}
		}, ""},
		{"OKPublicURL", func(c *Config) { c.PublicURL = "https://care.example.jp/" }, ""},
		{"OKLogLevelUpper", func(c *Config) { c.LogLevel = "WARN" }, ""},
		{"OKSessionEqual", func(c *Config) { c.SessionIdle, c.SessionAbsolute = time.Hour, time.Hour }, ""},
		{"OKSMTP", func(c *Config) { c.SMTPURL, c.MailFrom = "smtp://mail.example.jp:587", "renrakucho@example.jp" }, ""},
		{"OKSMTPAuthTLS", func(c *Config) {
			c.SMTPURL, c.MailFrom, c.SMTPRequireTLS = "smtp://u:p@mail.example.jp", "連絡帳 <renrakucho@example.jp>", true
		}, ""},
		{"OKThrottleOff", func(c *Config) { c.LoginThrottle = 0 }, ""},
		{"ErrSMTPScheme", func(c *Config) { c.SMTPURL, c.MailFrom = "smtps://mail.example.jp", "a@example.jp" }, "--smtp (RENRAKUCHO_SMTP_URL)"},
		{"ErrSMTPPath", func(c *Config) { c.SMTPURL, c.MailFrom = "smtp://mail.example.jp/x", "a@example.jp" }, "--smtp (RENRAKUCHO_SMTP_URL)"},
		{"ErrSMTPPort", func(c *Config) { c.SMTPURL, c.MailFrom = "smtp://mail.example.jp:0", "a@example.jp" }, "--smtp (RENRAKUCHO_SMTP_URL)"},
		{"ErrSMTPNoFrom", func(c *Config) { c.SMTPURL = "smtp://mail.example.jp" }, "--mail-from (RENRAKUCHO_MAIL_FROM)"},
		{"ErrMailFrom", func(c *Config) { c.MailFrom = "not an address" }, "--mail-from (RENRAKUCHO_MAIL_FROM)"},
		{"ErrRequireTLSWithoutSMTP", func(c *Config) { c.SMTPRequireTLS = true }, "--smtp-require-tls (RENRAKUCHO_SMTP_REQUIRE_TLS)"},
		{"ErrThrottle", func(c *Config) { c.LoginThrottle = -1 }, "--login-throttle (RENRAKUCHO_LOGIN_THROTTLE)"},
		{"OKBlobS3", func(c *Config) { c.Blob = "s3://AK:SK@minio.local:9000/renrakucho?secure=false" }, ""},
		{"OKBlobDir", func(c *Config) { c.Blob = "/srv/renrakucho/blobs" }, ""},

		{"ErrData", func(c *Config) { c.DataDir = "" }, "--data (RENRAKUCHO_DATA)"},
		{"ErrDBScheme", func(c *Config) { c.DB = "mysql://u:p@h/db" }, "--db (RENRAKUCHO_DB)"},
		{"ErrDBUpperScheme", func(c *Config) { c.DB = "POSTGRES://h/db" }, "--db (RENRAKUCHO_DB)"},
		{"ErrDBKeywords", func(c *Config) { c.DB = "host=h dbname=d" }, "--db (RENRAKUCHO_DB)"},
		{"ErrAddr", func(c *Config) { c.Addr = "8080" }, "--addr (RENRAKUCHO_ADDR)"},
		{"ErrAddrPort", func(c *Config) { c.Addr = "127.0.0.1:99999" }, "--addr (RENRAKUCHO_ADDR)"},
		{"ErrPlainHTTPPublic", func(c *Config) { c.Addr = "0.0.0.0:8080" }, "--addr (RENRAKUCHO_ADDR)"},
		{"ErrPlainHTTPAllInterfaces", func(c *Config) { c.Addr = ":8080" }, "--addr (RENRAKUCHO_ADDR)"},
		{"ErrAdminAddr", func(c *Config) { c.AdminAddr = "localhost" }, "--admin-addr (RENRAKUCHO_ADMIN_ADDR)"},
		{"ErrAdminAddrSame", func(c *Config) { c.AdminAddr = c.Addr }, "--admin-addr (RENRAKUCHO_ADMIN_ADDR)"},
		{"ErrPublicURLScheme", func(c *Config) { c.PublicURL = "ftp://care.example" }, "--public-url (RENRAKUCHO_PUBLIC_URL)"},
		{"ErrPublicURLPath", func(c *Config) { c.PublicURL = "https://care.example/app" }, "--public-url (RENRAKUCHO_PUBLIC_URL)"},
		{"ErrPublicURLHost", func(c *Config) { c.PublicURL = "https:///" }, "--public-url (RENRAKUCHO_PUBLIC_URL)"},
		{"ErrTLSCertOnly", func(c *Config) { c.TLSCert = "c.pem" }, "--tls-key (RENRAKUCHO_TLS_KEY)"},
		{"ErrTLSKeyOnly", func(c *Config) { c.TLSKey = "k.pem" }, "--tls-cert (RENRAKUCHO_TLS_CERT)"},
		{"ErrLogLevel", func(c *Config) { c.LogLevel = "verbose" }, "--log-level (RENRAKUCHO_LOG_LEVEL)"},
		{"ErrSynchronous", func(c *Config) { c.SQLiteSynchronous = "OFF" }, "--sqlite-synchronous (RENRAKUCHO_SQLITE_SYNCHRONOUS)"},
		{"ErrSessionIdleZero", func(c *Config) { c.SessionIdle = 0 }, `--session-idle (RENRAKUCHO_SESSION_IDLE): must be between 1m and 24h, got "0s"`},
		{"ErrSessionIdleLong", func(c *Config) { c.SessionIdle, c.SessionAbsolute = 25*time.Hour, 48*time.Hour }, "--session-idle (RENRAKUCHO_SESSION_IDLE)"},
		{"ErrSessionAbsolute", func(c *Config) { c.SessionAbsolute = 10 * time.Minute }, "--session-absolute (RENRAKUCHO_SESSION_ABSOLUTE)"},
		{"ErrTrustedProxies", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/33"} }, "--trusted-proxies (RENRAKUCHO_TRUSTED_PROXIES)"},
		{"ErrTrustedProxiesName", func(c *Config) { c.TrustedProxies = []string{"proxy.local"} }, "--trusted-proxies (RENRAKUCHO_TRUSTED_PROXIES)"},
		{"ErrOperatorAllow", func(c *Config) { c.OperatorAllow = []string{"192.0.2.0/33"} }, "--operator-allow (RENRAKUCHO_OPERATOR_ALLOW)"},
		{"ErrOperatorAllowName", func(c *Config) { c.OperatorAllow = []string{"office.example"} }, "--operator-allow (RENRAKUCHO_OPERATOR_ALLOW)"},
		{"ErrOperatorAllowMapped", func(c *Config) { c.OperatorAllow = []string{"::ffff:10.0.0.0/64"} }, "--operator-allow (RENRAKUCHO_OPERATOR_ALLOW)"},
		{"ErrMaxBody", func(c *Config) { c.MaxBody = 0 }, "--max-body (RENRAKUCHO_MAX_BODY)"},
		{"ErrBlobScheme", func(c *Config) { c.Blob = "gs://bucket" }, "--blob (RENRAKUCHO_BLOB_URL)"},
		{"ErrBlobNoSecret", func(c *Config) { c.Blob = "s3://AK@minio:9000/bucket" }, "--blob (RENRAKUCHO_BLOB_URL)"},
		{"ErrBlobNoBucket", func(c *Config) { c.Blob = "s3://AK:SK@minio:9000/" }, "--blob (RENRAKUCHO_BLOB_URL)"},
		{"ErrBlobRelative", func(c *Config) { c.Blob = "blobs" }, "--blob (RENRAKUCHO_BLOB_URL)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want an error naming %s", tt.want)
			case tt.want != "" && !strings.HasPrefix(err.Error(), "config: "+tt.want):
				t.Fatalf("Validate() = %q, want it to start with %q", err, "config: "+tt.want)
			}
		})
	}
}

func TestValidateReportsAll(t *testing.T) {
	c := Default()
	c.LogLevel, c.MaxBody = "loud", -1
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	for _, w := range []string{"--log-level", "--max-body"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
}

func TestValidateHidesPasswords(t *testing.T) {
	c := Default()
	c.DB = "mysql://u:secret@h/db"
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("Validate() = %v, want an error without the password", err)
	}
	c = Default()
	c.Blob = "s3://AK:secret@minio/bucket"
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("Validate() = %v, want a blob error without the secret key", err)
	}
}

func TestRedacted(t *testing.T) {
	c := Default()
	c.DB = "postgres://u:secret@h/db"
	c.SMTPURL = "smtp://mailer:secret@mail.example.jp:587"
	c.DemoPassword = "secret"
	c.Blob = "s3://AK:secret@minio:9000/bucket?secure=false"
	m := c.Redacted()
	for k, v := range m {
		if strings.Contains(v, "secret") && !strings.Contains(v, "secret_access_key") {
			t.Errorf("Redacted()[%q] = %q reveals the password", k, v)
		}
	}
	if got, want := m["db"], "postgres://u:xxxxx@h/db"; got != want {
		t.Errorf("Redacted()[db] = %q, want %q", got, want)
	}
	if got, want := m["addr"], "127.0.0.1:8080"; got != want {
		t.Errorf("Redacted()[addr] = %q, want %q", got, want)
	}
	for _, s := range settings {
		if _, ok := m[s.name]; !ok {
			t.Errorf("Redacted() lacks %q", s.name)
		}
	}
	if got, want := Default().Redacted()["db"], filepath.Join("data", "renrakucho.db"); got != want {
		t.Errorf("Default().Redacted()[db] = %q, want %q", got, want)
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"Public", Config{PublicURL: "https://care.example/", Addr: "127.0.0.1:8080"}, "https://care.example"},
		{"Loopback", Config{Addr: "127.0.0.1:8080"}, "http://127.0.0.1:8080"},
		{"Wildcard", Config{Addr: ":8080"}, "http://localhost:8080"},
		{"WildcardV6", Config{Addr: "[::]:8080"}, "http://localhost:8080"},
		{"V6", Config{Addr: "[::1]:8080"}, "http://[::1]:8080"},
		{"TLS443", Config{Addr: "0.0.0.0:443", TLSCert: "c", TLSKey: "k"}, "https://localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTrustedPrefixes(t *testing.T) {
	c := mustLoad(t, []string{"--trusted-proxies", " 10.1.2.3/8, ::1 ,"}, env(nil))
	got, err := c.TrustedPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("TrustedPrefixes() = %v, want %v", got, want)
	}
}

func TestOperatorPrefixes(t *testing.T) {
	c := Default()
	c.OperatorAllow = []string{"::ffff:10.1.2.3/104", "2001:db8::1", "192.0.2.77/24"}
	got, err := c.OperatorPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "2001:db8::1/128", "192.0.2.0/24"}
	if len(got) != len(want) {
		t.Fatalf("OperatorPrefixes() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, got[i], want[i])
		}
	}
	env := map[string]string{}
	l, _, err := Load("serve", []string{"--operator-allow", "192.0.2.0/24,2001:db8::/32"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(l.OperatorAllow) != 2 || l.OperatorAllow[1] != "2001:db8::/32" {
		t.Errorf("Load: OperatorAllow = %q", l.OperatorAllow)
	}
}
