package main

import (
	"context"
	"fmt"
)

// cmdMigrate applies the embedded migrations and exits; serve does the same
// at start, so this is for deployments that migrate as a separate step.
func (c *cli) cmdMigrate(ctx context.Context, args []string) error {
	cfg, rest, err := c.loadConfig("migrate", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	db, _, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(c.stdout, "renrakucho: the %s database is up to date\n", db.Engine())
	return nil
}
