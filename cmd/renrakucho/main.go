// Command renrakucho is the renrakucho server and its bootstrap tools: one
// binary with subcommands (serve, demo, init, migrate, ca, version). The
// command line only bootstraps (the first operator, the CA, client
// certificates) and every such action is audited; all other
// administration goes through the consoles (DESIGN §3.7).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	_ "time/tzdata" // Asia/Tokyo on machines without a zone database

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/blob"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // bad command line or configuration, or not initialised
)

// notInitialised is what serve says on a data directory without a CA or
// operator. Scripts match it; keep it exact.
const notInitialised = "renrakucho is not initialised: run `renrakucho init --data DIR --login LOGIN --name NAME` first"

// usageError is a mistake on the command line or in the configuration; it
// exits with exitUsage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// cli is one invocation: its streams and environment, so tests run
// commands in-process.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// ready, when set, is called by long-running commands once both
	// listeners are bound (tests wait for it).
	ready func(userURL, adminURL string)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(c *cli, ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (both listeners)", (*cli).cmdServe},
		{"demo", "seed the demo tenants, certificates included, and run the server", (*cli).cmdDemo},
		{"init", "create the deployment CA, the first operator and their client certificate", (*cli).cmdInit},
		{"migrate", "apply database migrations and exit", (*cli).cmdMigrate},
		{"ca", "the deployment CA: init, issue, revoke and list client certificates", (*cli).cmdCA},
		{"keys", "encryption keys: keys status | rotate [--tenant SLUG] [--wait] | rotate --kek | shred --tenant SLUG --confirm SLUG | init", (*cli).cmdKeys},
		{"verify-audit", "check every audit chain (verify-audit [--checkpoint FILE,…])", (*cli).cmdVerifyAudit},
		{"backup", "write a consistent backup of the database to a directory (backup DIR)", (*cli).cmdBackup},
		{"version", "print the version", (*cli).cmdVersion},
		{"help", "show this help, or a command's flags (help COMMAND)", (*cli).cmdHelp},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(c.run(ctx, os.Args[1:]))
}

// run dispatches to the subcommand and returns the exit code.
func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	for _, cmd := range commands() {
		if cmd.name != name {
			continue
		}
		err := cmd.run(c, ctx, rest)
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(c.stderr, "renrakucho %s: %v\n", name, err)
			return exitUsage
		case errors.Is(err, errNotInitialised):
			fmt.Fprintln(c.stderr, notInitialised)
			return exitUsage
		default:
			fmt.Fprintf(c.stderr, "renrakucho %s: %v\n", name, err)
			return exitError
		}
	}
	fmt.Fprintf(c.stderr, "renrakucho: unknown command %q\n\n", name)
	c.usage(c.stderr)
	return exitUsage
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "renrakucho — a care-collaboration platform (連絡帳)")
	fmt.Fprintln(w, "\nUsage: renrakucho COMMAND [flags]\n\nCommands:")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nSettings come from flags, RENRAKUCHO_* environment variables and a JSON file")
	fmt.Fprintln(w, "(--config FILE); `renrakucho help serve` lists them.")
}

func (c *cli) cmdHelp(ctx context.Context, args []string) error {
	if len(args) == 0 {
		c.usage(c.stdout)
		return nil
	}
	switch args[0] {
	case "serve", "demo", "migrate":
		config.PrintUsage(c.stdout, "renrakucho "+args[0])
	case "init":
		fmt.Fprintln(c.stdout, "Usage: renrakucho init --login LOGIN --name NAME [--email EMAIL] [--password PW] [settings]")
		fmt.Fprintln(c.stdout, "  The password may also come from RENRAKUCHO_INIT_PASSWORD, or is asked for twice on a terminal.")
		config.PrintUsage(c.stdout, "renrakucho init")
	case "ca":
		fmt.Fprintln(c.stdout, "Usage: renrakucho ca init [settings]")
		fmt.Fprintln(c.stdout, "       renrakucho ca issue --tenant SLUG --login LOGIN [--as OPERATOR] [settings]")
		fmt.Fprintln(c.stdout, "       renrakucho ca revoke SERIAL | --tenant SLUG --login LOGIN [--as OPERATOR] [settings]")
		fmt.Fprintln(c.stdout, "       renrakucho ca list [--as OPERATOR] [settings]")
		fmt.Fprintln(c.stdout, "  --tenant \"\" issues an operator's certificate.")
		config.PrintUsage(c.stdout, "renrakucho ca")
	case "verify-audit":
		fmt.Fprintln(c.stdout, "Usage: renrakucho verify-audit [--checkpoint FILE[,FILE…]] [settings]")
		fmt.Fprintln(c.stdout, "  Checks every audit chain; with checkpoint files, also that no newest entries were cut off.")
		fmt.Fprintln(c.stdout, "  Exits with 1 when any chain is broken.")
		config.PrintUsage(c.stdout, "renrakucho verify-audit")
	case "backup":
		fmt.Fprintln(c.stdout, "Usage: renrakucho backup DIR [--pg-dump-dsn URL] [settings]")
		fmt.Fprintln(c.stdout, "  SQLite: a consistent online copy (VACUUM INTO); PostgreSQL: pg_dump, when on PATH.")
		fmt.Fprintln(c.stdout, "  Writes a manifest beside it. The key directory is NOT included: back it up separately.")
		config.PrintUsage(c.stdout, "renrakucho backup")
	case "version", "help":
		c.usage(c.stdout)
	default:
		return usagef("unknown command %q", args[0])
	}
	return nil
}

// loadConfig loads and validates the settings of the command called name.
// Errors name the setting at fault.
func (c *cli) loadConfig(name string, args []string) (config.Config, []string, error) {
	cfg, rest, err := config.Load("renrakucho "+name, args, c.getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, nil, err
		}
		return config.Config{}, nil, usageError{err.Error()}
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, nil, usageError{err.Error()}
	}
	return cfg, rest, nil
}

// logger returns the JSON logger at the configured level, on stderr.
func (c *cli) logger(cfg config.Config) *slog.Logger {
	return slog.New(slog.NewJSONHandler(c.stderr, &slog.HandlerOptions{Level: cfg.SlogLevel()}))
}

// openStore opens the key directory (creating it first when create is
// set: init and demo) and the database, refuses a PostgreSQL role that
// bypasses row-level security and applies the migrations.
func openStore(ctx context.Context, cfg config.Config, create bool) (*store.DB, *seal.Keyring, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("data directory: %w", err)
	}
	keys, err := openKeys(cfg, create)
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, cfg.DSN(), store.Options{Synchronous: cfg.SQLiteSynchronous, Keys: keys})
	if err != nil {
		return nil, nil, err
	}
	if err := db.CheckRole(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := openAuditChain(ctx, cfg, db); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, keys, nil
}

// openKeys opens the key directory, creating it when create is set.
func openKeys(cfg config.Config, create bool) (*seal.Keyring, error) {
	if create {
		if _, err := seal.InitDir(cfg.Keys()); err != nil {
			return nil, err
		}
	}
	kek, err := seal.OpenDir(cfg.Keys())
	if err != nil {
		return nil, err
	}
	return seal.NewKeyring(kek), nil
}

// newApp returns the application over db with the configured timeouts,
// storing file contents in blobs (nil for commands that touch no file),
// sealed with the tenants' keys.
func newApp(cfg config.Config, db *store.DB, keys *seal.Keyring, ca *pki.CA, log *slog.Logger, blobs blob.Store) *app.App {
	// Validate checked --operator-allow; a config that skipped it allows
	// no address rather than every one.
	operatorAllow, err := cfg.OperatorPrefixes()
	if err != nil {
		operatorAllow = []netip.Prefix{netip.PrefixFrom(netip.IPv6Unspecified(), 128)}
	}
	return app.New(db, auth.NewHasher(auth.DefaultParams, 0), app.Options{
		IdleTimeout: cfg.SessionIdle, AbsoluteTimeout: cfg.SessionAbsolute, CA: ca, Log: log, Keys: keys,
		OperatorAllow: operatorAllow, CRLPath: crlPath(cfg),
		LoginThrottle: throttle(cfg.LoginThrottle), PublicURL: cfg.BaseURL(), RPID: rpID(cfg),
		Blobs: blobs, BlobKeys: seal.Blobs{DB: db},
		// One node: the in-process hub. Several nodes will need the
		// PostgreSQL LISTEN/NOTIFY hub behind the same interface.
		Hub: realtime.NewLocal()})
}

// crlPath is where the CRL is rewritten after each revocation.
func crlPath(cfg config.Config) string { return filepath.Join(certDir(cfg), "crl.pem") }

// openBlobs opens the configured blob store (--blob): the local directory
// DATA/blobs by default, or an S3-compatible bucket.
func openBlobs(ctx context.Context, cfg config.Config) (blob.Store, error) {
	s, err := blob.Open(ctx, cfg.Blob, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open the blob store: %w", err)
	}
	return s, nil
}

// certDir is where the CA and issued certificates live.
func certDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "certs") }

var errNotInitialised = errors.New("not initialised")

// loadCA loads the deployment CA; a missing one means init has not run.
func loadCA(cfg config.Config) (*pki.CA, error) {
	ca, err := pki.Load(certDir(cfg))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotInitialised
	}
	return ca, err
}

// origin names the command and the person running it in the audit log.
func origin(command string) care.Origin {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	if h, err := os.Hostname(); err == nil {
		who += "@" + h
	}
	return care.Origin{UserAgent: "renrakucho " + command + " (command line, " + who + ")", Listener: care.AdminListener}
}

// splitFlags takes the command's own flags (names, each with a value) out
// of args and leaves the rest for config.Load. It accepts -name, --name,
// with the value as the next argument or after "=".
func splitFlags(args []string, names ...string) (own map[string]string, rest []string, err error) {
	own = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !contains(names, name) {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, usagef("flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		own[name] = value
	}
	return own, rest, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// throttle maps --login-throttle (0: off) to app.Options.LoginThrottle
// (0: the default, negative: off).
func throttle(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// rpID is the WebAuthn relying party ID: the host of the public URL.
func rpID(cfg config.Config) string {
	u, err := url.Parse(cfg.BaseURL())
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}
