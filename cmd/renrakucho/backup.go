package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
)

// backupDSNEnv names the PostgreSQL role pg_dump connects as, when it is
// not --pg-dump-dsn.
const backupDSNEnv = "RENRAKUCHO_PG_DUMP_DSN"

// BackupManifest is written beside each backup as NAME.manifest.json.
type BackupManifest struct {
	Format        string    `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	Engine        string    `json:"engine"`
	SchemaVersion string    `json:"schema_version"`
	File          string    `json:"file"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	Tool          string    `json:"tool"`
	// KeysIncluded is always false: the key directory is backed up
	// separately, so destroying a key also reaches old backups.
	KeysIncluded bool `json:"keys_included"`
}

// cmdBackup writes a consistent backup of the database to DIR with a
// manifest beside it. SQLite: VACUUM INTO, online, while the server runs.
// PostgreSQL: pg_dump in its custom format when it is on PATH, connecting
// as --pg-dump-dsn (or RENRAKUCHO_PG_DUMP_DSN), a role that may read every
// tenant's rows; without pg_dump it prints the command to run. The key
// directory is never part of a backup. The run is audited (cli.command).
func (c *cli) cmdBackup(ctx context.Context, args []string) error {
	own, args, err := splitFlags(args, "pg-dump-dsn")
	if err != nil {
		return err
	}
	// DIR may come first (backup DIR --data …) or after the settings.
	var dirs []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dirs, args = args[:1], args[1:]
	}
	cfg, rest, err := c.loadConfig("backup", args)
	if err != nil {
		return err
	}
	if dirs = append(dirs, rest...); len(dirs) != 1 {
		return usagef("backup needs one directory: renrakucho backup DIR")
	}
	dir := dirs[0]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("backup directory: %w", err)
	}
	db, keys, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	version, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	base := "renrakucho-" + now.Format("20060102T150405Z")
	m := BackupManifest{Format: "renrakucho-backup/1", CreatedAt: now, Engine: db.Engine(), SchemaVersion: version}
	switch db.Engine() {
	case "sqlite":
		m.File, m.Tool = base+".db", "sqlite VACUUM INTO"
		if err := db.BackupSQLite(ctx, filepath.Join(dir, m.File)); err != nil {
			return err
		}
	default:
		dsn := own["pg-dump-dsn"]
		if dsn == "" {
			dsn = c.getenv(backupDSNEnv)
		}
		if dsn == "" {
			dsn = cfg.DSN()
		}
		m.File = base + ".dump"
		cmdArgs, err := pgDumpArgs(dsn, filepath.Join(dir, m.File))
		if err != nil {
			return usagef("%v", err)
		}
		path, err := exec.LookPath("pg_dump")
		if err != nil {
			fmt.Fprintf(c.stdout, "pg_dump is not on PATH. Back up with (as a role that bypasses row-level security):\n  pg_dump %s\n",
				strings.Join(quoteArgs(redactArgs(cmdArgs)), " "))
			return errors.New("pg_dump not found: the command above makes the backup")
		}
		out, err := exec.CommandContext(ctx, path, cmdArgs...).CombinedOutput()
		if err != nil {
			os.Remove(filepath.Join(dir, m.File))
			hint := ""
			if strings.Contains(string(out), "row-level security") {
				hint = " (pg_dump must connect as a role that bypasses row-level security, such as the schema's migration owner: --pg-dump-dsn)"
			}
			return fmt.Errorf("pg_dump: %v: %s%s", err, strings.TrimSpace(string(out)), hint)
		}
		v, _ := exec.CommandContext(ctx, path, "--version").Output()
		m.Tool = strings.TrimSpace(string(v)) + " --format=custom"
	}
	if m.Size, m.SHA256, err = hashFile(filepath.Join(dir, m.File)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	manifest := filepath.Join(dir, base+".manifest.json")
	if err := os.WriteFile(manifest, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("backup manifest: %w", err)
	}
	detail := fmt.Sprintf("backup %s (%s, %d bytes, sha256 %s)", filepath.Join(dir, m.File), m.SchemaVersion, m.Size, m.SHA256)
	if err := newApp(cfg, db, keys, nil, c.logger(cfg), nil).RecordCommand(ctx, origin("backup"), "backup", detail, audit.OK); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Backup written:\n  %s\n  %s (manifest: sha256 %s)\n", filepath.Join(dir, m.File), manifest, m.SHA256)
	fmt.Fprintf(c.stdout, "The key directory %s is not in the backup: back it up separately (docs/admin-manual.md).\n", cfg.Keys())
	return nil
}

// pgDumpArgs returns pg_dump's arguments for the DSN: libpq takes the URL
// itself, except for pgx's search_path parameter, which becomes --schema.
func pgDumpArgs(dsn, file string) ([]string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("--pg-dump-dsn: must be a postgres:// URL")
	}
	q := u.Query()
	args := []string{"--format=custom", "--file=" + file}
	if sp := q.Get("search_path"); sp != "" {
		for _, s := range strings.Split(sp, ",") {
			if s = strings.TrimSpace(s); s != "" {
				args = append(args, "--schema="+s)
			}
		}
		q.Del("search_path")
		u.RawQuery = q.Encode()
	}
	return append(args, "--dbname="+u.String()), nil
}

// redactArgs masks a password in --dbname.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if s, ok := strings.CutPrefix(a, "--dbname="); ok {
			if u, err := url.Parse(s); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					u.User = url.UserPassword(u.User.Username(), "PASSWORD")
					out[i] = "--dbname=" + u.String()
				}
			}
		}
	}
	return out
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("backup: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
