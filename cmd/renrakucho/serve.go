package main

import (
	"context"
	"fmt"

	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/server"
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
	a := newApp(cfg, db, ca, log)
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
	return srv.Run(ctx, func(userURL, adminURL string) {
		fmt.Fprintf(c.stdout, "renrakucho %s is running. Stop with Ctrl-C.\n", versionString())
		fmt.Fprintf(c.stdout, "  User pages and API:  %s/t/TENANT/login\n", userURL)
		fmt.Fprintf(c.stdout, "  Admin console:       %s/  (client certificate required)\n", adminURL)
		if c.ready != nil {
			c.ready(userURL, adminURL)
		}
	})
}
