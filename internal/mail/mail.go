// Package mail sends renrakucho's outgoing mail: a plain-text UTF-8
// message over SMTP (net/smtp), upgraded with STARTTLS whenever the server
// offers it and refused without it when so configured. Mail is never sent
// from a request: use cases queue it in the outbox (store.QueueMail) in
// their own transaction, and the Worker delivers it with retries.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config says how to reach the SMTP server and who mail is from.
type Config struct {
	Host     string
	Port     int
	Username string // "" for no authentication
	Password string
	// RequireTLS refuses to send unless the server offers STARTTLS.
	RequireTLS bool
	// From is the sender address (with an optional display name).
	From string
	// TLS overrides the TLS settings of STARTTLS (tests trust their own
	// CA with it); nil verifies the server against the system roots.
	TLS *tls.Config
	// Timeout bounds one delivery, connection to QUIT (30 s by default).
	Timeout time.Duration
}

// ParseURL reads smtp://[user:pass@]host:port into a Config. The port
// defaults to 587 (submission).
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("mail: SMTP URL: %w", err)
	}
	if u.Scheme != "smtp" {
		return Config{}, errors.New("mail: SMTP URL must start with smtp://")
	}
	if u.Hostname() == "" {
		return Config{}, errors.New("mail: SMTP URL has no host")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return Config{}, errors.New("mail: SMTP URL must be smtp://[user:pass@]host:port and nothing more")
	}
	c := Config{Host: u.Hostname(), Port: 587}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("mail: SMTP URL port %q", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}

// CheckAddress reports whether s is one mail address (with an optional
// display name).
func CheckAddress(s string) error {
	if _, err := mail.ParseAddress(s); err != nil {
		return fmt.Errorf("mail: address %q: %w", s, err)
	}
	return nil
}

// Sender delivers messages to the configured SMTP server.
type Sender struct {
	cfg  Config
	from *mail.Address
}

// NewSender checks the configuration and returns a sender.
func NewSender(c Config) (*Sender, error) {
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", c.From, err)
	}
	if c.Host == "" || c.Port == 0 {
		return nil, errors.New("mail: no SMTP server")
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return &Sender{cfg: c, from: from}, nil
}

// Send delivers one message to one recipient.
func (s *Sender) Send(ctx context.Context, to, subject, body string) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("mail: recipient %q: %w", to, err)
	}
	msg := Compose(s.from, rcpt, subject, body, time.Now())
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mail: connect %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fmt.Errorf("mail: greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := s.cfg.TLS.Clone()
		if tc == nil {
			tc = &tls.Config{}
		}
		if tc.ServerName == "" {
			tc.ServerName = s.cfg.Host
		}
		tc.MinVersion = tls.VersionTLS12
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("mail: STARTTLS: %w", err)
		}
	} else if s.cfg.RequireTLS {
		return errors.New("mail: the server does not offer STARTTLS, which is required")
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("mail: authenticate: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(rcpt.Address); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("mail: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: end of message: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("mail: QUIT: %w", err)
	}
	return nil
}

// Compose returns the message: RFC 5322 headers with the subject (and
// display names) encoded per RFC 2047, a text/plain UTF-8 body in base64,
// CRLF line ends.
func Compose(from, to *mail.Address, subject, body string, now time.Time) []byte {
	var b strings.Builder
	id := make([]byte, 16)
	rand.Read(id)
	domain := "renrakucho.invalid"
	if _, d, ok := strings.Cut(from.Address, "@"); ok {
		domain = d
	}
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	// Encoded words are folded onto lines of their own, keeping every
	// line within 78 octets (RFC 5322 §2.1.1).
	if enc := mime.BEncoding.Encode("UTF-8", subject); enc != subject {
		b.WriteString("Subject:\r\n " + strings.ReplaceAll(enc, "?= =?", "?=\r\n =?") + "\r\n")
	} else {
		header("Subject", subject)
	}
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}
