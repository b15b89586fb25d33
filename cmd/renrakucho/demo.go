package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/demo"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/server"
	"github.com/renrakucho/renrakucho/internal/store"
)

// demoPasswordFile keeps the generated demo password, so a restart prints
// the same one that the accounts and .p12 files were made with.
const demoPasswordFile = "demo-password"

// certSpec is one client certificate the demo provides.
type certSpec struct {
	tenant, login string
	base          string // file name without extension
}

// cmdDemo seeds what is missing of the demo (CA, operator, both tenants,
// their contact books, the admins' client certificates) and serves until
// interrupted. It takes the same settings as serve, plus --password.
func (c *cli) cmdDemo(ctx context.Context, args []string) error {
	cfg, rest, err := c.loadConfig("demo", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	password, warning, err := demoPassword(cfg)
	if err != nil {
		return err
	}
	log := c.logger(cfg)
	log.Info("starting", "command", "demo", "version", versionString(), "config", cfg.Redacted())

	db, keys, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	dir := certDir(cfg)
	ca, _, err := pki.LoadOrCreate(dir, db.Now())
	if err != nil {
		return err
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	a := newApp(cfg, db, keys, ca, log, blobs)
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	o := origin("demo")
	if err := demo.Seed(ctx, a, password, o); err != nil {
		return describe(cat, err)
	}
	// The contact books are written through an app on a clock that the
	// seeding moves from post to post, so they hold months of history; the
	// live app keeps the real clock.
	clock := demo.NewClock()
	if err := demo.SeedContactBook(ctx, newApp(cfg, db.WithClock(clock.Now), keys, ca, log, blobs), clock, password, o); err != nil {
		return describe(cat, err)
	}
	op, _, err := demo.OperatorActor(ctx, a, password, o)
	if err != nil {
		return describe(cat, err)
	}
	var certs []certSpec
	certs = append(certs, certSpec{"", demo.OperatorLogin, "operator"})
	for _, t := range demo.Tenants {
		for _, login := range t.Admins() {
			certs = append(certs, certSpec{t.Slug, login, t.Slug + "." + login})
		}
	}
	for _, cs := range certs {
		if err := ensureCert(ctx, db, a, op, dir, cs, password); err != nil {
			return fmt.Errorf("certificate %s: %w", cs.base, describe(cat, err))
		}
		if err := ensureTOTP(ctx, a, op, dir, cs); err != nil {
			return fmt.Errorf("totp %s: %w", cs.base, describe(cat, err))
		}
	}

	srv, err := server.New(server.Deps{Config: cfg, App: a, CA: ca, Cat: cat, Log: log})
	if err != nil {
		return err
	}
	// Seeding hashed every demo password (46 MiB of argon2id memory each);
	// give that memory back before serving, or the idle server keeps it.
	debug.FreeOSMemory()
	stop, err := startJobs(ctx, cfg, db, a, log)
	if err != nil {
		return err
	}
	defer stop()
	return srv.Run(ctx, func(userURL, adminURL string) {
		printDemo(c.stdout, cfg, userURL, adminURL, password, warning, certs)
		if cfg.SMTPURL == "" {
			fmt.Fprintln(c.stdout, "  Mail: no --smtp, so password-reset mails are queued in the outbox, not sent.")
		}
		if c.ready != nil {
			c.ready(userURL, adminURL)
		}
	})
}

// demoPassword returns the demo password: --password, else the one saved
// in DATA/demo-password, else a new one, saved there (mode 0600). The
// warning, when not empty, says that accounts made earlier keep another
// password.
func demoPassword(cfg config.Config) (password, warning string, err error) {
	file := filepath.Join(cfg.DataDir, demoPasswordFile)
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", "", err
	}
	saved := strings.TrimSpace(string(data))
	switch {
	case cfg.DemoPassword != "":
		password = cfg.DemoPassword
		if key := auth.CheckPassword(password, auth.Policy{}, demo.Logins()...); key != "" {
			cat, _ := i18n.Load()
			return "", "", usagef("--password: %s (nor may it contain a demo login or name)", cat.T(i18n.English, key))
		}
		if saved != "" && saved != password {
			warning = fmt.Sprintf("accounts and certificates made before keep the earlier password, saved in %s", file)
		}
	case saved != "":
		return saved, "", nil
	default:
		password = newDemoPassword()
	}
	if saved == "" {
		if err := writeSecret(file, password+"\n"); err != nil {
			return "", "", err
		}
	}
	return password, warning, nil
}

// newDemoPassword returns a password that is easy to type from a screen
// (no 0/O, 1/l/I) and meets the password policy for every demo account:
// four groups of four, e.g. "k7Fq-3mPx-9tRw-Hc2v".
func newDemoPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	for {
		var groups []string
		for range 4 {
			groups = append(groups, pick(alphabet, 4))
		}
		pw := strings.Join(groups, "-")
		if auth.CheckPassword(pw, auth.Policy{}, demo.Logins()...) == "" && strings.ContainsAny(pw, "23456789") {
			return pw
		}
	}
}

// pick returns n characters chosen uniformly from alphabet.
func pick(alphabet string, n int) string {
	b := make([]byte, n)
	max := 256 - 256%len(alphabet) // reject bytes that would bias the choice
	for i := 0; i < n; {
		var one [1]byte
		rand.Read(one[:])
		if int(one[0]) >= max {
			continue
		}
		b[i] = alphabet[int(one[0])%len(alphabet)]
		i++
	}
	return string(b)
}

// writeSecret creates file with mode 0600; it never replaces one.
func writeSecret(file, content string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ensureTOTP enrols the account with TOTP (keeping an existing secret)
// and writes its base32 secret to DATA/certs/BASE.totp (DESIGN §8), so
// people and scripts can compute codes.
func ensureTOTP(ctx context.Context, a *app.App, op care.Actor, dir string, cs certSpec) error {
	secret, err := a.SeedTOTP(ctx, op, cs.tenant, cs.login)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, cs.base+".totp"), []byte(auth.TOTPBase32(secret)+"\n"), 0o600)
}

// ensureCert issues the certificate unless its three files exist and the
// certificate is recorded for that account, unrevoked and unexpired, so a
// restart keeps the certificates people have imported.
func ensureCert(ctx context.Context, db *store.DB, a *app.App, op care.Actor, dir string, cs certSpec, password string) error {
	if ok, err := certUsable(ctx, db, dir, cs); err != nil || ok {
		return err
	}
	issued, err := a.IssueClientCert(ctx, op, cs.tenant, cs.login)
	if err != nil {
		return err
	}
	return issued.WriteFiles(dir, cs.base, password)
}

func certUsable(ctx context.Context, db *store.DB, dir string, cs certSpec) (bool, error) {
	for _, ext := range []string{".key", ".p12"} {
		if _, err := os.Stat(filepath.Join(dir, cs.base+ext)); err != nil {
			return false, nil
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, cs.base+".crt"))
	if err != nil {
		return false, nil
	}
	cert, err := pki.ParseCertPEM(data)
	if err != nil {
		return false, nil
	}
	if sub, ok := pki.SubjectOf(cert); !ok || sub != (pki.Subject{Tenant: cs.tenant, Login: cs.login}) {
		return false, nil
	}
	var rec store.ClientCert
	err = db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		rec, err = ptx.ClientCertByFingerprint(ctx, pki.Fingerprint(cert))
		return err
	})
	if care.ErrorCode(err) == care.ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return rec.LoginID == cs.login && rec.RevokedAt == nil && db.Now().Before(rec.NotAfter), nil
}

// printDemo prints what a person needs to try the demo.
func printDemo(w io.Writer, cfg config.Config, userURL, adminURL, password, warning string, certs []certSpec) {
	dir := filepath.Join(cfg.DataDir, "certs")
	fmt.Fprintf(w, "\nrenrakucho demo is running (demo data only; never enter real residents). Stop with Ctrl-C.\n\n")
	fmt.Fprintf(w, "User pages (members):\n")
	for _, t := range demo.Tenants {
		fmt.Fprintf(w, "  %s/t/%s/login    %s\n", userURL, t.Slug, t.Name)
	}
	fmt.Fprintf(w, "Admin console (client certificate required):\n  %s/\n\n", adminURL)
	fmt.Fprintf(w, "Demo password, for every account and every .p12 file:\n  %s\n", password)
	if warning != "" {
		fmt.Fprintf(w, "  Note: %s.\n", warning)
	}
	for _, t := range demo.Tenants {
		fmt.Fprintf(w, "\nTenant %s (%s):\n", t.Slug, t.Name)
		for _, u := range t.Users {
			where := "user pages"
			if u.Role.IsAdmin() {
				where = "admin console with " + t.Slug + "." + u.Login + ".p12"
			}
			fmt.Fprintf(w, "  %-13s %-15s %-40s %s\n", u.Login, u.Role, where, u.Name)
		}
	}
	fmt.Fprintf(w, "\nOperator (log in with the tenant left empty):\n  %-13s %-15s %-40s %s\n",
		demo.OperatorLogin, care.RoleOperator, "admin console with operator.p12", demo.Operator.Name)

	fmt.Fprintf(w, "\nSecond factor: every admin and the operator sign in with a TOTP code after the password.\n")
	fmt.Fprintf(w, "Their base32 secrets are beside the certificates; get a code with oathtool, e.g.\n")
	fmt.Fprintf(w, "  oathtool --totp -b $(cat %s)\n", filepath.Join(dir, "demo.admin.totp"))
	fmt.Fprintf(w, "or add the secret to an authenticator app by hand.\n")
	fmt.Fprintf(w, "\nCertificates in %s:\n", dir)
	fmt.Fprintf(w, "  CA (trust it to identify websites): %s\n", filepath.Join(dir, pki.CertFile))
	for _, cs := range certs {
		fmt.Fprintf(w, "  %-13s %s.p12 (and .crt, .key, .totp)\n", cs.base, filepath.Join(dir, cs.base))
	}
	fmt.Fprintf(w, `
To open the admin console in a browser, import the CA and one .p12 (password above):
  Firefox:        Settings > Privacy & Security > Certificates > View Certificates…
                  Authorities > Import… ca.crt ("Trust this CA to identify websites"),
                  Your Certificates > Import… the .p12
  Chrome / Edge:  Settings > Privacy and security > Security > Manage certificates:
                  import ca.crt as a trusted root, the .p12 as a personal certificate
                  (on Linux, Chrome uses the NSS store: the same two imports)
  macOS:          open the .p12 and ca.crt in Keychain Access; mark ca.crt "Always Trust"
Then open %s/ and choose the certificate when asked.
From a script:
  curl --cacert %s --cert %s --key %s %s/healthz
`, adminURL, filepath.Join(dir, pki.CertFile), filepath.Join(dir, "operator.crt"), filepath.Join(dir, "operator.key"), adminURL)
}
