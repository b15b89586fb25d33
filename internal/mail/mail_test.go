package mail_test

import (
	"context"
	"io"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	rmail "github.com/renrakucho/renrakucho/internal/mail"
	"github.com/renrakucho/renrakucho/internal/mail/mailtest"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const subject = "【連絡帳】パスワード再設定のご案内"

func sender(t *testing.T, s *mailtest.Server, mod func(*rmail.Config)) *rmail.Sender {
	t.Helper()
	c := rmail.Config{Host: s.Host, Port: s.Port, From: "連絡帳 <renrakucho@example.jp>", TLS: s.Roots, Timeout: 10 * time.Second}
	if mod != nil {
		mod(&c)
	}
	snd, err := rmail.NewSender(c)
	if err != nil {
		t.Fatal(err)
	}
	return snd
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	body := "看護 花子 様\n\nhttps://care.example.jp/t/alpha/password/reset/xyz\n" + strings.Repeat("長い行。", 60)
	t.Run("OKStartTLS", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{})
		if err := sender(t, s, nil).Send(ctx, "hanako@example.jp", subject, body); err != nil {
			t.Fatal(err)
		}
		m := s.Wait(t, 1, 5*time.Second)
		if !m.TLS {
			t.Error("the message did not come over STARTTLS")
		}
		if m.From != "renrakucho@example.jp" || len(m.To) != 1 || m.To[0] != "hanako@example.jp" {
			t.Errorf("envelope %q → %q", m.From, m.To)
		}
		if m.Subject != subject {
			t.Errorf("subject %q", m.Subject)
		}
		if !strings.HasPrefix(m.Header.Get("Subject"), "=?UTF-8?b?") && !strings.HasPrefix(m.Header.Get("Subject"), "=?UTF-8?B?") {
			t.Errorf("raw subject %q is not RFC 2047 encoded", m.Header.Get("Subject"))
		}
		if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if m.Body != strings.ReplaceAll(body, "\n", "\r\n")+"" && m.Body != strings.ReplaceAll(body, "\n", "\r\n") {
			t.Errorf("body %q", m.Body)
		}
		for _, line := range strings.Split(string(m.Data), "\r\n") {
			if len(line) > 78 {
				t.Fatalf("line longer than 78 octets: %q", line)
			}
		}
		from, err := mail.ParseAddress(m.Header.Get("From"))
		if err != nil || from.Name != "連絡帳" {
			t.Errorf("From %q: %v", m.Header.Get("From"), err)
		}
	})
	t.Run("OKAuth", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{Username: "mailer", Password: "s3cret-pass"})
		snd := sender(t, s, func(c *rmail.Config) { c.Username, c.Password = "mailer", "s3cret-pass" })
		if err := snd.Send(ctx, "hanako@example.jp", subject, body); err != nil {
			t.Fatal(err)
		}
		if m := s.Wait(t, 1, 5*time.Second); m.User != "mailer" || !m.TLS {
			t.Errorf("user %q, TLS %v", m.User, m.TLS)
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{Username: "mailer", Password: "s3cret-pass"})
		snd := sender(t, s, func(c *rmail.Config) { c.Username, c.Password = "mailer", "wrong" })
		if err := snd.Send(ctx, "hanako@example.jp", subject, body); err == nil {
			t.Fatal("sent with a wrong password")
		}
	})
	t.Run("OKPlainWhenNotOffered", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{NoTLS: true})
		if err := sender(t, s, nil).Send(ctx, "hanako@example.jp", subject, body); err != nil {
			t.Fatal(err)
		}
		if m := s.Wait(t, 1, 5*time.Second); m.TLS {
			t.Error("TLS without STARTTLS?")
		}
	})
	t.Run("ErrRequireTLS", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{NoTLS: true})
		err := sender(t, s, func(c *rmail.Config) { c.RequireTLS = true }).Send(ctx, "hanako@example.jp", subject, body)
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("sent without TLS though required: %v", err)
		}
		if len(s.Messages()) != 0 {
			t.Fatal("the server received the message")
		}
	})
	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{})
		if err := sender(t, s, func(c *rmail.Config) { c.TLS = nil }).Send(ctx, "hanako@example.jp", subject, body); err == nil {
			t.Fatal("sent to a server whose certificate is not trusted")
		}
	})
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in   string
		want rmail.Config
		err  bool
	}{
		{"smtp://mail.example.jp", rmail.Config{Host: "mail.example.jp", Port: 587}, false},
		{"smtp://mail.example.jp:25", rmail.Config{Host: "mail.example.jp", Port: 25}, false},
		{"smtp://u%40x:p%3Aw@mail.example.jp:2525", rmail.Config{Host: "mail.example.jp", Port: 2525, Username: "u@x", Password: "p:w"}, false},
		{"smtps://mail.example.jp", rmail.Config{}, true},
		{"smtp://", rmail.Config{}, true},
		{"smtp://mail.example.jp:0", rmail.Config{}, true},
		{"smtp://mail.example.jp/path", rmail.Config{}, true},
	}
	for _, tt := range tests {
		got, err := rmail.ParseURL(tt.in)
		if (err != nil) != tt.err || !tt.err && (got.Host != tt.want.Host || got.Port != tt.want.Port ||
			got.Username != tt.want.Username || got.Password != tt.want.Password) {
			t.Errorf("ParseURL(%q) = %+v, %v", tt.in, got, err)
		}
	}
}

func queue(t *testing.T, db *store.DB, n int) {
	t.Helper()
	err := db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		for i := 0; i < n; i++ {
			if err := ptx.QueueMail(context.Background(), &store.Mail{To: "hanako@example.jp", Subject: subject, Body: "本文"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, db *store.DB) []store.Mail {
	t.Helper()
	var out []store.Mail
	if err := db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		var err error
		out, err = ptx.Outbox(context.Background(), 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWorker: the outbox is delivered through the real server, retried
// with backoff while the server refuses, and with several workers at once
// each message is sent exactly once (both engines).
func TestWorker(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
		db = db.WithClock(clock.Now)
		s := mailtest.Start(t, mailtest.Options{})
		w := &rmail.Worker{DB: db, Sender: sender(t, s, nil), Log: log}

		queue(t, db, 1)
		s.SetFail(true)
		if n, err := w.Deliver(ctx); err != nil || n != 1 {
			t.Fatalf("Deliver = %d, %v", n, err)
		}
		ob := outbox(t, db)
		if len(ob) != 1 || ob[0].SentAt != nil || ob[0].Attempts != 1 || ob[0].LastError == "" {
			t.Fatalf("after a refusal: %+v", ob)
		}
		s.SetFail(false)
		if n, _ := w.Deliver(ctx); n != 0 {
			t.Fatal("retried before the backoff")
		}
		clock.Advance(time.Minute)
		if n, err := w.Deliver(ctx); err != nil || n != 1 {
			t.Fatalf("retry: %d, %v", n, err)
		}
		if m := s.Wait(t, 1, 5*time.Second); m.Subject != subject || m.Body != "本文" {
			t.Fatalf("received %+v", m)
		}
		if ob := outbox(t, db); ob[0].SentAt == nil || ob[0].Attempts != 2 {
			t.Fatalf("after sending: %+v", ob[0])
		}
		if n, _ := w.Deliver(ctx); n != 0 {
			t.Fatal("a sent message was claimed again")
		}

		// Four workers, forty messages: each sent once.
		queue(t, db, 40)
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := w.Deliver(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		if got := len(s.Messages()); got != 41 {
			t.Fatalf("server received %d messages, want 41 (each once)", got)
		}
		for _, m := range outbox(t, db) {
			if m.SentAt == nil {
				t.Fatalf("unsent: %+v", m)
			}
		}
	})
}
