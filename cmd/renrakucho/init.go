package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
)

// initPasswordEnv carries the first operator's password for unattended
// installs.
const initPasswordEnv = "RENRAKUCHO_INIT_PASSWORD"

// cmdInit bootstraps a deployment: the CA, the first operator and the
// operator's client certificate, which opens the admin console. It refuses
// to run twice (app.InitOperator), so it cannot be used later to get round
// the consoles.
func (c *cli) cmdInit(ctx context.Context, args []string) error {
	own, args, err := splitFlags(args, "login", "name", "email", "password")
	if err != nil {
		return err
	}
	cfg, rest, err := c.loadConfig("init", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	login, name, email := own["login"], own["name"], own["email"]
	if login == "" || name == "" {
		return usagef("--login and --name are required: renrakucho init --data DIR --login LOGIN --name NAME")
	}
	password, err := c.initPassword(own)
	if err != nil {
		return err
	}
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	if key := auth.CheckPassword(password, auth.Policy{}, login, name); key != "" {
		return usagef("password: %s", cat.T(i18n.English, key))
	}

	log := c.logger(cfg)
	db, keys, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if ok, err := newApp(cfg, db, keys, nil, log, nil).Initialised(ctx); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("%s is already initialised (an operator exists); more operators and admins are added from the admin console or with `renrakucho ca issue`", cfg.DataDir)
	}
	dir := certDir(cfg)
	ca, created, err := pki.LoadOrCreate(dir, db.Now())
	if err != nil {
		return err
	}
	a := newApp(cfg, db, keys, ca, log, nil)
	o := origin("init")
	act, err := a.InitOperator(ctx, login, name, email, password, o)
	if err != nil {
		return describe(cat, err)
	}
	issued, err := a.IssueClientCert(ctx, act, "", login)
	if err != nil {
		return describe(cat, err)
	}
	if err := issued.WriteFiles(dir, "operator", issued.P12Password); err != nil {
		return err
	}

	w := c.stdout
	fmt.Fprintf(w, "renrakucho is initialised in %s.\n\n", cfg.DataDir)
	if created {
		fmt.Fprintf(w, "  Deployment CA:       %s\n", filepath.Join(dir, pki.CertFile))
		fmt.Fprintf(w, "                       (its key %s signs every admin certificate: keep it secret and backed up)\n",
			filepath.Join(dir, pki.KeyFile))
	} else {
		fmt.Fprintf(w, "  Deployment CA:       %s (already present, reused)\n", filepath.Join(dir, pki.CertFile))
	}
	fmt.Fprintf(w, "  First operator:      %s (%s)\n", login, name)
	fmt.Fprintf(w, "  Client certificate:  %s\n", filepath.Join(dir, "operator.p12"))
	fmt.Fprintf(w, "                       (also as operator.crt and operator.key)\n")
	fmt.Fprintf(w, "  .p12 password:       %s\n", issued.P12Password)
	fmt.Fprintf(w, "                       (shown only now and stored nowhere: note it)\n\n")
	fmt.Fprintf(w, "Next:\n")
	fmt.Fprintf(w, "  1. Import operator.p12 into your browser with the password above, and trust\n")
	fmt.Fprintf(w, "     ca.crt as a certificate authority (see docs/admin-manual.md).\n")
	fmt.Fprintf(w, "  2. Start the server:  renrakucho serve --data %s\n", cfg.DataDir)
	fmt.Fprintf(w, "  3. Open the admin console (https://%s/) and log in as %s, with the tenant left empty.\n",
		cfg.AdminAddr, login)
	fmt.Fprintf(w, "  4. Create the first tenant; issue its admins' certificates there or with\n")
	fmt.Fprintf(w, "     renrakucho ca issue --data %s --tenant SLUG --login LOGIN\n", cfg.DataDir)
	return nil
}

// initPassword returns the first operator's password: --password, else
// RENRAKUCHO_INIT_PASSWORD, else asked for twice on a terminal.
func (c *cli) initPassword(own map[string]string) (string, error) {
	if pw := own["password"]; pw != "" {
		return pw, nil
	}
	if pw := c.getenv(initPasswordEnv); pw != "" {
		return pw, nil
	}
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("no password: pass --password, set %s, or run on a terminal to be asked", initPasswordEnv)
	}
	fmt.Fprintf(c.stderr, "Password for the first operator (at least %d characters, letters with digits or symbols): ", care.MinPasswordLen)
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(c.stderr, "The same password again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", usagef("the two passwords differ")
	}
	return string(first), nil
}

// describe turns an app error into a sentence in English (the command
// line's language), field by field.
func describe(cat *i18n.Catalogs, err error) error {
	var e *care.Error
	if !errors.As(err, &e) || e.Code == care.EInternal {
		return err
	}
	first := cat.T(i18n.English, e.Key)
	if e.Field != "" && len(e.Fields) == 0 {
		first += " (" + e.Field + ")"
	}
	parts := []string{first}
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+cat.T(i18n.English, f.Key))
	}
	return errors.New(strings.Join(parts, "; "))
}
