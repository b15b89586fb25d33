package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/jobs"
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

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ca, err := loadCA(cfg)
	if err != nil {
		return err
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	log.Info("blob store", "store", blobs.Describe())
	a := newApp(cfg, db, ca, log, blobs)
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
	defer startJobs(ctx, db, a, log)()
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
// ctx is done. Every node runs them; the leases in the database let one
// node run each job per period. The returned function stops them and
// waits for a run in progress, so the database is closed after them.
func startJobs(ctx context.Context, db *store.DB, a *app.App, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		jobs.Run(ctx, db, log, jobs.Job{
			// Residents whose sharing ended longer ago than their tenant keeps them.
			Name: "retention.residents", Every: 24 * time.Hour,
			Run: func(ctx context.Context, now time.Time) error {
				_, err := a.RunRetention(ctx, now)
				return err
			},
		})
	}()
	return func() {
		cancel()
		<-done
	}
}
