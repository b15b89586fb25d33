package mail

import (
	"context"
	"log/slog"
	"time"

	"github.com/renrakucho/renrakucho/internal/store"
)

// Worker delivers the outbox. Every node may run one: a message is leased
// (store.ClaimMail) before it is sent, so two nodes never send it both,
// and a node that dies mid-send lets the lease run out for another.
type Worker struct {
	DB     *store.DB
	Sender *Sender
	Log    *slog.Logger
	// Every is the pause between polls when the outbox is empty (5 s).
	Every time.Duration
	// MaxAttempts gives up on a message after this many failures (12,
	// about a day and a half of backoff).
	MaxAttempts int
}

// Lease is how long a claimed message is held by the claiming node.
const Lease = 2 * time.Minute

// backoff is the wait after the given number of failed attempts: a minute,
// doubling, at most six hours.
func backoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Run delivers until ctx is done.
func (w *Worker) Run(ctx context.Context) {
	every := w.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := w.Deliver(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("mail: deliver", "err", err)
		}
		if n > 0 {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Deliver claims the due messages and sends them, returning how many it
// tried.
func (w *Worker) Deliver(ctx context.Context) (int, error) {
	maxAttempts := w.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 12
	}
	var batch []store.Mail
	err := w.DB.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		batch, err = ptx.ClaimMail(ctx, 20, maxAttempts, Lease)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, m := range batch {
		sendErr := w.Sender.Send(ctx, m.To, m.Subject, m.Body)
		err := w.DB.Platform(ctx, func(ptx *store.PlatformTx) error {
			if sendErr != nil {
				return ptx.MailFailed(ctx, m.ID, ptx.Now().Add(backoff(m.Attempts+1)), sendErr.Error())
			}
			return ptx.MailSent(ctx, m.ID)
		})
		if sendErr != nil {
			w.Log.Warn("mail: send failed; will retry", "id", m.ID, "attempt", m.Attempts+1, "err", sendErr)
		}
		if err != nil {
			return len(batch), err
		}
	}
	return len(batch), nil
}
