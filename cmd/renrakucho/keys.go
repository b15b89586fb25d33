package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/seal"
)

// cmdKeys manages the encryption keys: init, status, rotate, shred.
func (c *cli) cmdKeys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("keys needs a subcommand: init, status, rotate or shred")
	}
	switch args[0] {
	case "init":
		return c.keysInit(args[1:])
	case "status", "rotate", "shred":
		return c.keysAdmin(ctx, args[0], args[1:])
	}
	return usagef("unknown keys subcommand %q: init, status, rotate or shred", args[0])
}

// keysInit creates the key directory (the master key-encryption key) for
// a deployment made before keys existed; init and demo do it themselves.
func (c *cli) keysInit(args []string) error {
	cfg, rest, err := c.loadConfig("keys init", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	created, err := seal.InitDir(cfg.Keys())
	if err != nil {
		return err
	}
	if !created {
		fmt.Fprintf(c.stdout, "The key directory %s already holds a master key; nothing changed.\n", cfg.Keys())
		return nil
	}
	fmt.Fprintf(c.stdout, "Created the master key-encryption key in %s.\nKeep this directory outside the database's backups, and back it up separately.\n", cfg.Keys())
	return nil
}

// keysAdmin runs the audited key operations as an operator (the first
// one unless --as names another).
func (c *cli) keysAdmin(ctx context.Context, sub string, args []string) error {
	own, args, err := splitFlags(args, "tenant", "as", "confirm")
	if err != nil {
		return err
	}
	flags := map[string]bool{}
	var rest []string
	for _, a := range args {
		switch a {
		case "--kek", "--wait":
			flags[a] = true
		default:
			rest = append(rest, a)
		}
	}
	cfg, rest, err := c.loadConfig("keys "+sub, rest)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	log := c.logger(cfg)
	db, keys, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	a := newApp(cfg, db, keys, nil, log, nil)
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	as := own["as"]
	if as == "" {
		if as, err = firstOperator(cfg); err != nil {
			return err
		}
	}
	act, err := a.OperatorActor(ctx, as, origin("keys "+sub))
	if err != nil {
		return fmt.Errorf("operator %q: %w", as, describe(cat, err))
	}
	switch sub {
	case "status":
		return c.keysStatus(ctx, a, act)
	case "rotate":
		if flags["--kek"] {
			rep, err := a.RotateKEK(ctx, act)
			if err != nil {
				return describe(cat, err)
			}
			fmt.Fprintf(c.stdout, "New master key %d; %d tenant keys re-wrapped under it.\n", rep.MasterKeyID, rep.Rewrapped)
			return nil
		}
		versions, err := a.RotateKeys(ctx, act, own["tenant"])
		if err != nil {
			return describe(cat, err)
		}
		for _, slug := range sortedKeys(versions) {
			fmt.Fprintf(c.stdout, "%s: data keys rotated (keyset version %d).\n", slug, versions[slug])
		}
		if !flags["--wait"] {
			fmt.Fprintln(c.stdout, "The running server re-encrypts older data in the background; `renrakucho keys status` shows how far it has got.")
			return nil
		}
		counts, err := a.Reencrypt(ctx, act, own["tenant"])
		if err != nil {
			return describe(cat, err)
		}
		for _, slug := range sortedKeys(counts) {
			fmt.Fprintf(c.stdout, "%s: %d rows re-encrypted under the new key.\n", slug, counts[slug])
		}
		return nil
	case "shred":
		slug := own["tenant"]
		if slug == "" || own["confirm"] != slug {
			return usagef("keys shred destroys a tenant's keys for good: give --tenant SLUG --confirm SLUG")
		}
		if err := a.ShredTenant(ctx, act, slug); err != nil {
			return describe(cat, err)
		}
		fmt.Fprintf(c.stdout, "%s: deactivated and its keys destroyed; its data can no longer be read, here or in any backup.\n", slug)
		return nil
	}
	return nil
}

func (c *cli) keysStatus(ctx context.Context, a *app.App, act care.Actor) error {
	list, err := a.KeyStatus(ctx, act)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TENANT\tKEYSET\tROTATED\tRE-ENCRYPTION")
	for _, s := range list {
		state := "done"
		if s.Pending != nil {
			state = fmt.Sprintf("in progress (%d rows so far, at %s)", s.Pending.Resealed, orDash(s.Pending.Table))
		}
		fmt.Fprintf(w, "%s\tv%d\t%s\t%s\n", s.Slug, s.Version, s.RotatedAt.In(tokyo()).Format("2006-01-02 15:04 MST"), state)
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
