package config

import (
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Config is every setting of a renrakucho process. The zero value is not
// useful; start from Default or Load, and call Validate before use.
type Config struct {
	// DataDir (--data) holds the SQLite database, local blobs and
	// certificates.
	DataDir string
	// DB (--db) is a postgres:// URL, a SQLite file path, or "" for
	// DataDir/renrakucho.db. Use DSN for the effective value.
	DB string
	// KeyDir (--keys) holds the key-encryption keys: the master keyset and
	// each tenant's wrapping keyset. It must live outside the database and
	// its backups; "" means DataDir/keys. Use Keys for the effective value.
	KeyDir string
	// AuditCheckpoints (--audit-checkpoints) is where the daily audit
	// checkpoint files are written, for an operator to ship off the
	// machine; "" means DataDir/audit-checkpoints. Use CheckpointDir.
	AuditCheckpoints string
	// AuditRetentionDays (--audit-retention-days) is how long the audit log
	// keeps entries, at least MinAuditRetentionDays; a tenant may keep its
	// own longer, never shorter.
	AuditRetentionDays int
	// Blob (--blob, RENRAKUCHO_BLOB_URL) is where file contents go:
	// "" for the local directory DataDir/blobs, an absolute path or
	// file:///path for another local directory, or
	// s3://ACCESS:SECRET@HOST:PORT/BUCKET?secure=false for an
	// S3-compatible object store (DESIGN §8).
	Blob string
	// Addr (--addr) is the user listener's host:port.
	Addr string
	// AdminAddr (--admin-addr) is the admin listener's host:port; it always
	// serves TLS with client certificates.
	AdminAddr string
	// PublicURL (--public-url) is the base URL users reach the user
	// listener at, printed at start and used in links; "" derives it from
	// Addr. Use BaseURL for the effective value.
	PublicURL string
	// TLSCert and TLSKey (--tls-cert, --tls-key) are the user listener's
	// certificate and key files; both empty means plain HTTP.
	TLSCert string
	TLSKey  string
	// InsecureHTTP (--insecure-http) allows plain HTTP on a non-loopback
	// Addr, for deployments behind a TLS-terminating proxy.
	InsecureHTTP bool
	// LogLevel (--log-level) is debug, info, warn or error.
	LogLevel string
	// SQLiteSynchronous (--sqlite-synchronous) is SQLite's synchronous
	// pragma: FULL, NORMAL or EXTRA.
	SQLiteSynchronous string
	// SessionIdle (--session-idle) ends a session after this long without
	// a request.
	SessionIdle time.Duration
	// SessionAbsolute (--session-absolute) ends a session this long after
	// login, however active.
	SessionAbsolute time.Duration
	// TrustedProxies (--trusted-proxies, comma-separated) are the CIDRs
	// whose X-Forwarded-For is believed. Use TrustedPrefixes to parse them.
	TrustedProxies []string
	// OperatorAllow (--operator-allow, comma-separated) are the CIDRs the
	// operator console may be used from; empty allows every address. Use
	// OperatorPrefixes to parse them.
	OperatorAllow []string
	// MaxBody (--max-body) bounds JSON and form request bodies, in bytes.
	MaxBody int64
	// SMTPURL (--smtp, RENRAKUCHO_SMTP_URL) is the SMTP server of outgoing
	// mail, smtp://[user:pass@]host:port; "" keeps mail queued in the
	// outbox. STARTTLS is used whenever the server offers it.
	SMTPURL string
	// SMTPRequireTLS (--smtp-require-tls) refuses to send mail to a server
	// that does not offer STARTTLS.
	SMTPRequireTLS bool
	// MailFrom (--mail-from) is the sender address of outgoing mail;
	// required with --smtp.
	MailFrom string
	// LoginThrottle (--login-throttle) is how many failed logins one
	// source address may make in ten minutes before it is throttled (429)
	// on accounts that already failed; 0 turns throttling off.
	LoginThrottle int
	// DemoPassword (--demo-password or --password) is the password of
	// every demo account; demo generates one when empty. Other commands
	// ignore it.
	DemoPassword string
}

// Default returns the settings used when nothing overrides them: SQLite
// and local blobs under ./data, both listeners on loopback.
func Default() Config {
	return Config{
		DataDir:           "./data",
		Addr:              "127.0.0.1:8080",
		AdminAddr:         "127.0.0.1:8443",
		LogLevel:          "info",
		SQLiteSynchronous: "FULL",
		SessionIdle:       15 * time.Minute,
		SessionAbsolute:   12 * time.Hour,
		MaxBody:           1 << 20,

		AuditRetentionDays: MinAuditRetentionDays,
		LoginThrottle:      50,
	}
}

// DSN returns the database to open, in the form store.Open takes: DB when
// set, else the SQLite file renrakucho.db in DataDir.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "renrakucho.db")
}

// Keys returns the key directory: KeyDir when set, else DataDir/keys.
func (c Config) Keys() string {
	if c.KeyDir != "" {
		return c.KeyDir
	}
	return filepath.Join(c.DataDir, "keys")
}

// MinAuditRetentionDays is the shortest audit retention allowed: a year.
const MinAuditRetentionDays = 365

// CheckpointDir returns where audit checkpoint files go: AuditCheckpoints
// when set, else DataDir/audit-checkpoints.
func (c Config) CheckpointDir() string {
	if c.AuditCheckpoints != "" {
		return c.AuditCheckpoints
	}
	return filepath.Join(c.DataDir, "audit-checkpoints")
}

// UserTLS reports whether the user listener serves HTTPS itself.
func (c Config) UserTLS() bool {
	return c.TLSCert != "" && c.TLSKey != ""
}

// BaseURL returns PublicURL without a trailing slash, or, when it is empty,
// the URL of the user listener: http or https as UserTLS says, and
// "localhost" for a wildcard host so the printed link works on this
// machine.
func (c Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	scheme := "http"
	if c.UserTLS() {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return scheme + "://" + c.Addr
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		if strings.Contains(host, ":") {
			return scheme + "://[" + host + "]"
		}
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// SlogLevel returns LogLevel as a slog.Level; an unknown name (which
// Validate rejects) gives slog.LevelInfo.
func (c Config) SlogLevel() slog.Level {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// TrustedPrefixes parses TrustedProxies. A bare address counts as a
// single host (/32 or /128); prefixes are masked, so 10.1.2.3/8 means
// 10.0.0.0/8.
func (c Config) TrustedPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, settingError("trusted-proxies", "%q is not a CIDR (e.g. 10.0.0.0/8): %v", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// OperatorPrefixes parses OperatorAllow, in the forms of TrustedPrefixes
// (IPv4-mapped prefixes become IPv4).
func (c Config) OperatorPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.OperatorAllow {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, settingError("operator-allow", "%q is not a CIDR (e.g. 192.0.2.0/24): %v", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	return care.ParsePrefix(s)
}

// Redacted returns every setting by name, as effective values (DSN for db,
// BaseURL for public-url), with secrets masked: the password in the db
// URL and the demo password. It is what to log at start.
func (c Config) Redacted() map[string]string {
	m := make(map[string]string, len(settings))
	for _, s := range settings {
		m[s.name] = s.get(c)
	}
	m["db"] = redactDSN(c.DSN())
	m["smtp"] = redactDSN(c.SMTPURL)
	m["blob"] = redactDSN(c.Blob)
	m["public-url"] = c.BaseURL()
	if c.DemoPassword != "" {
		m["demo-password"] = mask
	}
	return m
}

const mask = "xxxxx"

// redactDSN masks the password of a URL and the values of query parameters
// that look secret (password, secret, token, key). A string that is not a
// URL is masked from any password= onwards, in case it is a key=value DSN.
func redactDSN(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		if i := strings.Index(strings.ToLower(s), "password="); i >= 0 {
			return s[:i+len("password=")] + mask
		}
		if err != nil {
			return mask
		}
		return s
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), mask)
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			if strings.Contains(lk, "password") || strings.Contains(lk, "secret") ||
				strings.Contains(lk, "token") || strings.Contains(lk, "key") {
				q[k] = []string{mask}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
