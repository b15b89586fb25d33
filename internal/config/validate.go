package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/blob"
)

// Session bounds: below a minute a user is logged out while typing; above
// a day "idle" no longer protects an unattended screen.
const (
	minSessionIdle = time.Minute
	maxSessionIdle = 24 * time.Hour
)

// Validate reports every bad setting at once, joined with errors.Join; each
// line names the flag and the variable, e.g.
//
//	config: --session-idle (RENRAKUCHO_SESSION_IDLE): must be between 1m and 24h, got "0s"
//
// Values that may hold credentials (db) appear with their
// passwords masked.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, settingError(name, format, args...))
	}

	if strings.TrimSpace(c.DataDir) == "" {
		bad("data", "must not be empty")
	}
	if msg := checkDB(c.DB); msg != "" {
		bad("db", "%s, got %q", msg, redactDSN(c.DB))
	}

	if err := blob.Check(c.Blob); err != nil {
		bad("blob", "%v", err)
	}

	if msg := checkHostPort(c.Addr); msg != "" {
		bad("addr", "%s, got %q", msg, c.Addr)
	} else if !c.UserTLS() && !c.InsecureHTTP && !isLoopback(c.Addr) {
		bad("addr", "plain HTTP on non-loopback address %q: set --tls-cert and --tls-key, "+
			"or --insecure-http behind a TLS-terminating proxy", c.Addr)
	}
	if msg := checkHostPort(c.AdminAddr); msg != "" {
		bad("admin-addr", "%s, got %q", msg, c.AdminAddr)
	} else if c.AdminAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
		bad("admin-addr", "must differ from --addr, got %q for both", c.Addr)
	}
	if c.PublicURL != "" {
		if msg := checkURL(c.PublicURL, "http", "https"); msg != "" {
			bad("public-url", "%s, got %q", msg, c.PublicURL)
		} else if u, _ := url.Parse(c.PublicURL); u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
			(u.Path != "" && u.Path != "/") {
			bad("public-url", "must be scheme://host[:port] only, since pages live at the root, got %q", c.PublicURL)
		}
	}

	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		bad("tls-key", "must be set together with --tls-cert")
	case c.TLSCert == "" && c.TLSKey != "":
		bad("tls-cert", "must be set together with --tls-key")
	}

	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch strings.ToUpper(c.SQLiteSynchronous) {
	case "FULL", "NORMAL", "EXTRA":
	default:
		bad("sqlite-synchronous", "must be FULL, NORMAL or EXTRA, got %q", c.SQLiteSynchronous)
	}

	if c.SessionIdle < minSessionIdle || c.SessionIdle > maxSessionIdle {
		bad("session-idle", "must be between 1m and 24h, got %q", c.SessionIdle)
	}
	if c.SessionAbsolute < c.SessionIdle || c.SessionAbsolute <= 0 {
		bad("session-absolute", "must be at least --session-idle (%s), got %q", c.SessionIdle, c.SessionAbsolute)
	}

	if _, err := c.TrustedPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.OperatorPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBody <= 0 {
		bad("max-body", "must be a positive number of bytes, got %d", c.MaxBody)
	}
	if c.AuditRetentionDays < MinAuditRetentionDays {
		bad("audit-retention-days", "must be at least %d (a year), got %d", MinAuditRetentionDays, c.AuditRetentionDays)
	}
	if c.SMTPURL != "" {
		if msg := checkSMTP(c.SMTPURL); msg != "" {
			bad("smtp", "%s, got %q", msg, redactDSN(c.SMTPURL))
		}
		if c.MailFrom == "" {
			bad("mail-from", "must be set with --smtp")
		}
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			bad("mail-from", "must be one mail address such as renrakucho@example.jp, got %q", c.MailFrom)
		}
	}
	if c.SMTPRequireTLS && c.SMTPURL == "" {
		bad("smtp-require-tls", "needs --smtp")
	}
	if c.LoginThrottle < 0 {
		bad("login-throttle", "must be 0 (off) or a positive number of failures, got %d", c.LoginThrottle)
	}
	return errors.Join(errs...)
}

// checkDB returns what is wrong with a --db value, or "". The rule matches
// store.Open: a postgres:// or postgresql:// URL is PostgreSQL, anything
// else a SQLite path, so a mistyped URL must not pass as a file name.
func checkDB(db string) string {
	if db == "" {
		return ""
	}
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		if _, err := url.Parse(db); err != nil {
			return "must be a valid postgres:// URL"
		}
		return ""
	}
	for _, kw := range []string{"host=", "dbname=", "user=", "port=", "password="} {
		if strings.HasPrefix(db, kw) {
			return "must be a postgres:// URL (key=value DSNs are not accepted) or a SQLite file path"
		}
	}
	if u, err := url.Parse(db); err == nil && len(u.Scheme) > 1 && u.Scheme != "sqlite" {
		return "must be a postgres:// URL or a SQLite file path"
	}
	return ""
}

// checkHostPort returns what is wrong with a listen address, or "".
func checkHostPort(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "must be host:port"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "must have a port number from 0 to 65535"
	}
	return ""
}

// isLoopback reports whether addr listens only on this machine. An empty
// host means every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// checkURL returns what is wrong with s as a URL of one of schemes with a
// host, or "".
func checkURL(s string, schemes ...string) string {
	want := strings.Join(schemes, "://… or ") + "://…"
	u, err := url.Parse(s)
	if err != nil {
		return "must be a URL " + want
	}
	ok := false
	for _, sc := range schemes {
		ok = ok || u.Scheme == sc
	}
	if !ok {
		return "must be a URL " + want
	}
	if u.Hostname() == "" {
		return "must name a host: " + want
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("must have a port number from 1 to 65535, not %q", p)
		}
	}
	return ""
}

// checkSMTP returns what is wrong with an --smtp URL, or "": it must be
// smtp://[user:pass@]host[:port] and nothing more.
func checkSMTP(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme != "smtp" || u.Opaque != "":
		return "must be smtp://[user:pass@]host:port"
	case u.Hostname() == "":
		return "must name a host"
	case u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "":
		return "must be smtp://[user:pass@]host:port and nothing more"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "must have a port from 1 to 65535"
		}
	}
	return ""
}
