package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
)

// cmdCA manages the deployment CA and its client certificates.
func (c *cli) cmdCA(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("ca needs a subcommand: init, issue, revoke or list")
	}
	switch args[0] {
	case "init":
		return c.caInit(args[1:])
	case "issue":
		return c.caIssue(ctx, args[1:])
	case "revoke":
		return c.caRevoke(ctx, args[1:])
	case "list":
		return c.caList(ctx, args[1:])
	}
	return usagef("unknown ca subcommand %q: init, issue, revoke or list", args[0])
}

// caInit creates the deployment CA in DATA/certs when there is none; it
// never overwrites one (every certificate issued depends on it).
func (c *cli) caInit(args []string) error {
	cfg, rest, err := c.loadConfig("ca init", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	dir := certDir(cfg)
	if _, err := os.Stat(filepath.Join(dir, pki.CertFile)); err == nil {
		return fmt.Errorf("%s exists: the deployment CA is never overwritten", filepath.Join(dir, pki.CertFile))
	}
	if _, err := pki.Create(dir, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Created the deployment CA:\n  %s\n  %s (its key: keep it secret and backed up)\n",
		filepath.Join(dir, pki.CertFile), filepath.Join(dir, pki.KeyFile))
	return nil
}

// operatorCLI opens the store and the CA and returns the app with the
// actor of the operator the command acts as (--as, else the first one).
func (c *cli) operatorCLI(ctx context.Context, cfg config.Config, as, command string) (*app.App, care.Actor, *i18n.Catalogs, func(), error) {
	log := c.logger(cfg)
	db, keys, err := openStore(ctx, cfg, false)
	if err != nil {
		return nil, care.Actor{}, nil, nil, err
	}
	ca, err := loadCA(cfg)
	if err != nil {
		db.Close()
		return nil, care.Actor{}, nil, nil, err
	}
	a := newApp(cfg, db, keys, ca, log, nil)
	fail := func(err error) (*app.App, care.Actor, *i18n.Catalogs, func(), error) {
		db.Close()
		return nil, care.Actor{}, nil, nil, err
	}
	if ok, err := a.Initialised(ctx); err != nil {
		return fail(err)
	} else if !ok {
		return fail(errNotInitialised)
	}
	if as == "" {
		if as, err = firstOperator(cfg); err != nil {
			return fail(err)
		}
	}
	cat, err := i18n.Load()
	if err != nil {
		return fail(err)
	}
	act, err := a.OperatorActor(ctx, as, origin(command))
	if err != nil {
		return fail(fmt.Errorf("operator %q: %w", as, describe(cat, err)))
	}
	return a, act, cat, func() { db.Close() }, nil
}

// caRevoke revokes a certificate by serial, or every valid certificate of
// one account (--tenant S --login L), audited, and rewrites the CRL
// (DATA/certs/crl.pem). The running server refuses it at once.
func (c *cli) caRevoke(ctx context.Context, args []string) error {
	own, args, err := splitFlags(args, "tenant", "login", "as")
	if err != nil {
		return err
	}
	// The serial comes first: the settings' flag parsing stops at it.
	var serialArg []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		serialArg, args = args[:1], args[1:]
	}
	cfg, rest, err := c.loadConfig("ca revoke", args)
	if err != nil {
		return err
	}
	rest = append(serialArg, rest...)
	_, byAccount := own["login"]
	switch {
	case len(rest) == 1 && !byAccount:
	case len(rest) == 0 && byAccount && own["login"] != "":
		if _, ok := own["tenant"]; !ok {
			return usagef("--tenant is required with --login (--tenant \"\" for an operator)")
		}
	default:
		return usagef("ca revoke needs a SERIAL or --tenant SLUG --login LOGIN")
	}
	a, act, cat, done, err := c.operatorCLI(ctx, cfg, own["as"], "ca revoke")
	if err != nil {
		return err
	}
	defer done()
	var serials []string
	if len(rest) == 1 {
		serials = []string{strings.ToLower(strings.TrimSpace(rest[0]))}
	} else {
		all, err := a.ClientCerts(ctx, act)
		if err != nil {
			return describe(cat, err)
		}
		for _, cert := range all {
			if cert.TenantSlug == own["tenant"] && cert.LoginID == own["login"] && !cert.Revoked() {
				serials = append(serials, cert.Serial)
			}
		}
		if len(serials) == 0 {
			return fmt.Errorf("no valid certificate is bound to %s", pki.Subject{Tenant: own["tenant"], Login: own["login"]}.CommonName())
		}
	}
	for _, s := range serials {
		got, err := a.RevokeClientCert(ctx, act, s)
		if err != nil {
			return fmt.Errorf("serial %s: %w", s, describe(cat, err))
		}
		fmt.Fprintf(c.stdout, "Revoked %s (%s, %s).\n", got.Serial, pki.Subject{Tenant: got.TenantSlug, Login: got.LoginID}.CommonName(), got.Kind)
	}
	fmt.Fprintf(c.stdout, "CRL written to %s.\n", crlPath(cfg))
	return nil
}

// caIssue issues a client certificate bound to one admin account, as an
// operator (the first one, whose certificate init wrote, unless --as
// names another), audited, and writes DATA/certs/TENANT.LOGIN.{crt,key,p12}
// (operator.LOGIN.… for an operator).
func (c *cli) caIssue(ctx context.Context, args []string) error {
	own, args, err := splitFlags(args, "tenant", "login", "as")
	if err != nil {
		return err
	}
	cfg, rest, err := c.loadConfig("ca issue", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	if _, ok := own["tenant"]; !ok || own["login"] == "" {
		return usagef("--tenant and --login are required (--tenant \"\" for an operator)")
	}
	tenant, login := own["tenant"], own["login"]
	sub := pki.Subject{Tenant: tenant, Login: login}
	if err := sub.Validate(); err != nil {
		return usagef("%v", err)
	}

	log := c.logger(cfg)
	db, keys, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	ca, err := loadCA(cfg)
	if err != nil {
		return err
	}
	a := newApp(cfg, db, keys, ca, log, nil)
	if ok, err := a.Initialised(ctx); err != nil {
		return err
	} else if !ok {
		return errNotInitialised
	}
	as := own["as"]
	if as == "" {
		if as, err = firstOperator(cfg); err != nil {
			return err
		}
	}
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	act, err := a.OperatorActor(ctx, as, origin("ca issue"))
	if err != nil {
		return fmt.Errorf("operator %q: %w", as, describe(cat, err))
	}
	issued, err := a.IssueClientCert(ctx, act, tenant, login)
	if err != nil {
		return describe(cat, err)
	}
	base := sub.CommonName() // TENANT.LOGIN, or operator.LOGIN
	dir := certDir(cfg)
	if err := issued.WriteFiles(dir, base, issued.P12Password); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Issued a client certificate for %s (serial %s, valid until %s).\n", base, issued.Serial,
		issued.NotAfter.In(tokyo()).Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(c.stdout, "  %s\n  %s\n  %s\n", filepath.Join(dir, base+".p12"), filepath.Join(dir, base+".crt"),
		filepath.Join(dir, base+".key"))
	fmt.Fprintf(c.stdout, ".p12 password: %s (shown only now; hand it over separately from the file)\n", issued.P12Password)
	return nil
}

// firstOperator returns the login bound to DATA/certs/operator.crt, the
// certificate init wrote for the first operator.
func firstOperator(cfg config.Config) (string, error) {
	path := filepath.Join(certDir(cfg), "operator.crt")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", usagef("cannot tell who the first operator is (%v): pass --as OPERATOR_LOGIN", err)
	}
	cert, err := pki.ParseCertPEM(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	sub, ok := pki.SubjectOf(cert)
	if !ok || sub.Tenant != "" {
		return "", errors.New(path + " is not an operator's certificate: pass --as OPERATOR_LOGIN")
	}
	return sub.Login, nil
}

// caList lists the certificates recorded in the database: serial,
// account, kind, expiry and whether revoked.
func (c *cli) caList(ctx context.Context, args []string) error {
	own, args, err := splitFlags(args, "as")
	if err != nil {
		return err
	}
	cfg, rest, err := c.loadConfig("ca list", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	a, act, cat, done, err := c.operatorCLI(ctx, cfg, own["as"], "ca list")
	if err != nil {
		return err
	}
	defer done()
	certs, err := a.ClientCerts(ctx, act)
	if err != nil {
		return describe(cat, err)
	}
	now := time.Now()
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tACCOUNT\tKIND\tNOT AFTER\tREVOKED")
	for _, cert := range certs {
		account := pki.Subject{Tenant: cert.TenantSlug, Login: cert.LoginID}.CommonName()
		notAfter := cert.NotAfter.In(tokyo()).Format("2006-01-02 15:04")
		if cert.Expired(now) {
			notAfter += " (expired)"
		}
		revoked := "-"
		if cert.RevokedAt != nil {
			revoked = cert.RevokedAt.In(tokyo()).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cert.Serial, account, cert.Kind, notAfter, revoked)
	}
	return tw.Flush()
}

// tokyo is Japan time, in which dates are shown (DESIGN §3.14).
func tokyo() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}
