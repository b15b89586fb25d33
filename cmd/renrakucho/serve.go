package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/jobs"
	"github.com/renrakucho/renrakucho/internal/mail"
	"github.com/renrakucho/renrakucho/internal/server"
	"github.com/renrakucho/renrakucho/internal/store"
)

// cmdServe runs the production server: both listeners until SIGINT or
// SIGTERM.
func (c *cli) cmdServe(ctx context.Context, args []string) error {
	cfg, rest, err := c.loadConfig("serve", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	log := c.logger(cfg)
	log.Info("starting", "command", "serve", "version", versionString(), "config", cfg.Redacted())

	// The CA first: without it nothing was initialised, and the message
	// says how to begin.
	ca, err := loadCA(cfg)
	if err != nil {
		return err
	}
	db, keys, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	log.Info("blob store", "store", blobs.Describe())
	a := newApp(cfg, db, keys, ca, log, blobs)
	ok, err := a.Initialised(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errNotInitialised
	}
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	srv, err := server.New(server.Deps{Config: cfg, App: a, CA: ca, Cat: cat, Log: log})
	if err != nil {
		return err
	}
	stop, err := startJobs(ctx, cfg, db, a, log)
	if err != nil {
		return err
	}
	defer stop()
	return srv.Run(ctx, func(userURL, adminURL string) {
		fmt.Fprintf(c.stdout, "renrakucho %s is running. Stop with Ctrl-C.\n", versionString())
		fmt.Fprintf(c.stdout, "  User pages and API:  %s/t/TENANT/login\n", userURL)
		fmt.Fprintf(c.stdout, "  Admin console:       %s/  (client certificate required)\n", adminURL)
		if c.ready != nil {
			c.ready(userURL, adminURL)
		}
	})
}

// startJobs runs the background jobs (DESIGN §5) beside the server until
// ctx is done: the periodic jobs, and the mail outbox's worker when an
// SMTP server is configured (without one, mail stays queued). Every node
// runs them; the leases in the database let one node run each job per
// period and send each message. The returned function stops them and
// waits for work in progress, so the database is closed after them.
func startJobs(ctx context.Context, cfg config.Config, db *store.DB, a *app.App, log *slog.Logger) (stop func(), err error) {
	var sender *mail.Sender
	if cfg.SMTPURL != "" {
		mc, err := mail.ParseURL(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		mc.From, mc.RequireTLS = cfg.MailFrom, cfg.SMTPRequireTLS
		if sender, err = mail.NewSender(mc); err != nil {
			return nil, err
		}
	} else {
		log.Warn("no --smtp: outgoing mail (password resets) stays queued in the outbox")
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		if sender != nil {
			(&mail.Worker{DB: db, Sender: sender, Log: log}).Run(ctx)
		}
	}()
	go func() {
		defer close(done)
		jobs.Run(ctx, db, log, jobs.Job{
			// Residents whose sharing ended longer ago than their tenant keeps them.
			Name: "retention.residents", Every: 24 * time.Hour,
			Run: func(ctx context.Context, now time.Time) error {
				_, err := a.RunRetention(ctx, now)
				return err
			},
		}, jobs.Job{
			// Re-sealing under a tenant's new data key after `keys rotate`;
			// resumable, one batch per transaction.
			Name: "keys.reencrypt", Every: time.Minute, Run: a.ReencryptAll,
		}, jobs.Job{
			// The audit log: a checkpoint of every chain (table and file),
			// then the purge of entries past their retention.
			Name: "audit.daily", Every: 24 * time.Hour,
			Run: func(ctx context.Context, now time.Time) error {
				return a.RunAuditUpkeep(ctx, now, cfg.CheckpointDir(), cfg.AuditRetentionDays)
			},
		})
	}()
	return func() {
		cancel()
		<-done
		<-mailDone
	}, nil
}
