package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
)

// cmdCA issues and lists admin client certificates of the deployment CA.
func (c *cli) cmdCA(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("ca needs a subcommand: issue or list")
	}
	switch args[0] {
	case "issue":
		return c.caIssue(ctx, args[1:])
	case "list":
		return c.caList(args[1:])
	}
	return usagef("unknown ca subcommand %q: issue or list", args[0])
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
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ca, err := loadCA(cfg)
	if err != nil {
		return err
	}
	a := newApp(cfg, db, ca, log, nil)
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

// caList lists the certificate files under DATA/certs with the account
// each is bound to and its expiry. Whether one is revoked is the
// database's to say (the admin console).
func (c *cli) caList(args []string) error {
	cfg, rest, err := c.loadConfig("ca list", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	dir := certDir(cfg)
	paths, err := filepath.Glob(filepath.Join(dir, "*.crt"))
	if err != nil {
		return err
	}
	sort.Strings(paths)
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tTENANT\tLOGIN\tEXPIRES\tSHA-256")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		cert, err := pki.ParseCertPEM(data)
		if err != nil {
			fmt.Fprintf(tw, "%s\t?\t?\t?\t%v\n", filepath.Base(p), err)
			continue
		}
		tenant, login := "", ""
		if sub, ok := pki.SubjectOf(cert); ok {
			tenant, login = sub.Tenant, sub.Login
			if tenant == "" {
				tenant = "(operator)"
			}
		} else if cert.IsCA {
			tenant, login = "(CA)", "-"
		}
		expires := cert.NotAfter.In(tokyo()).Format("2006-01-02")
		if time.Now().After(cert.NotAfter) {
			expires += " (expired)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", filepath.Base(p), tenant, login, expires,
			strings.ToUpper(pki.Fingerprint(cert)[:16])+"…")
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
