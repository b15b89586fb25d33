package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const auditPW = "Hanamizuki-2026-kaze"

// initData runs init on a fresh data directory of the engine and returns
// its settings.
func initData(t *testing.T, engine string) (data string, args []string) {
	t.Helper()
	data, args = dataArgs(t, engine)
	code, stdout, stderr := runCLI(t, noEnv, append([]string{"init", "--login", "root", "--name", "運用 太郎", "--password", auditPW}, args...)...)
	if code != exitOK {
		t.Fatalf("init: exit %d\n%s\n%s", code, stdout, stderr)
	}
	return data, args
}

// dsnOf returns the --db value among args.
func dsnOf(args []string) string {
	for i, a := range args {
		if a == "--db" {
			return args[i+1]
		}
	}
	return ""
}

// tableCounts counts the rows of the tables a backup must carry.
func tableCounts(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	out := map[string]int64{}
	err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
		ts, err := ptx.Tenants(ctx)
		out["tenants"] = int64(len(ts))
		for _, tn := range ts {
			tx, err := ptx.InTenant(ctx, tn.ID)
			if err != nil {
				return err
			}
			us, err := tx.Users(ctx, store.UserFilter{})
			if err != nil {
				return err
			}
			fs, err := tx.Facilities(ctx)
			if err != nil {
				return err
			}
			out["users "+tn.Slug], out["facilities "+tn.Slug] = int64(len(us)), int64(len(fs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := db.VerifyAudit(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.Break != nil {
			t.Errorf("chain %q: %v", st.TenantID, st.Break)
		}
		out["audit "+st.TenantID] = st.Count
		out["head "+st.TenantID] = st.HeadSeq
	}
	return out
}

func TestVerifyAudit(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			data, args := initData(t, engine)
			key := filepath.Join(data, "keys", audit.KeyFile)
			fi, err := os.Stat(key)
			if err != nil {
				t.Fatalf("init wrote no audit key: %v", err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("audit key mode %v", fi.Mode().Perm())
			}
			code, stdout, stderr := runCLI(t, noEnv, append([]string{"verify-audit"}, args...)...)
			if code != exitOK || !strings.Contains(stdout, "(platform)") || !strings.Contains(stdout, " ok") || !strings.Contains(stdout, "0 broken") {
				t.Fatalf("verify-audit: exit %d\n%s\n%s", code, stdout, stderr)
			}

			// A checkpoint, as the daily job writes it.
			cfg := config.Default()
			cfg.DataDir, cfg.DB = data, dsnOf(args)
			ctx := context.Background()
			db, keys, err := openStore(ctx, cfg, false)
			if err != nil {
				t.Fatal(err)
			}
			a := newApp(cfg, db, keys, nil, nil, nil)
			file, err := a.CheckpointAudit(ctx, time.Now(), cfg.CheckpointDir())
			if err != nil {
				t.Fatal(err)
			}
			cf, err := app.ReadCheckpointFile(file)
			if err != nil || len(cf.Chains) != 1 || cf.Chains[0].TenantID != "" {
				t.Fatalf("checkpoint file %+v, %v", cf, err)
			}
			head := cf.Chains[0]
			db.Close()

			code, stdout, _ = runCLI(t, noEnv, append([]string{"verify-audit", "--checkpoint", file}, args...)...)
			if code != exitOK || !strings.Contains(stdout, "1 checkpoint files") {
				t.Fatalf("verify-audit with checkpoint: exit %d\n%s", code, stdout)
			}

			// Tamper with the newest checkpointed entry, as someone with
			// the database but not the key would.
			if engine == "sqlite" {
				raw, err := sql.Open("sqlite", dsnOf(args))
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range []string{`DROP TRIGGER audit_log_no_update`,
					`UPDATE audit_log SET detail = 'nothing to see' WHERE tenant_id = '' AND seq = 2`} {
					if _, err := raw.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				raw.Close()
			} else {
				u, _ := url.Parse(dsnOf(args))
				admin, err := sql.Open("pgx", storetest.AdminDSN())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := admin.Exec(`SET search_path TO ` + u.Query().Get("search_path") + `; SET session_replication_role = replica;
					UPDATE audit_log SET detail = 'nothing to see' WHERE tenant_id = '' AND seq = 2`); err != nil {
					t.Fatal(err)
				}
				admin.Close()
			}
			code, stdout, _ = runCLI(t, noEnv, append([]string{"verify-audit", "--checkpoint", file}, args...)...)
			if code != exitError || !strings.Contains(stdout, "BROKEN chain (platform)") || !strings.Contains(stdout, "at seq 2") {
				t.Fatalf("verify-audit after tampering: exit %d\n%s", code, stdout)
			}
			if head.Seq < 2 {
				t.Fatalf("checkpoint head %d", head.Seq)
			}

			// The key is never silently replaced once the chain has begun.
			if err := os.Remove(key); err != nil {
				t.Fatal(err)
			}
			code, _, stderr = runCLI(t, noEnv, append([]string{"verify-audit"}, args...)...)
			if code != exitError || !strings.Contains(stderr, "no audit key") {
				t.Fatalf("without the key: exit %d, %s", code, stderr)
			}
		})
	}
}

// TestBackupRestore: a backup of a populated database, restored as the
// admin manual says, holds the same rows and the same verifiable chains.
func TestBackupRestore(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			if engine == "postgres" {
				for _, tool := range []string{"pg_dump", "pg_restore"} {
					if _, err := exec.LookPath(tool); err != nil {
						t.Skipf("%s is not installed", tool)
					}
				}
			}
			data, args := initData(t, engine)
			ctx := context.Background()
			cfg := config.Default()
			cfg.DataDir, cfg.DB = data, dsnOf(args)
			db, keys, err := openStore(ctx, cfg, false)
			if err != nil {
				t.Fatal(err)
			}
			a := newApp(cfg, db, keys, nil, nil, nil)
			// A tenant with its admin, a facility and a user: tenant rows
			// and a tenant chain, besides the platform's.
			op, err := a.OperatorActor(ctx, "root", origin("test"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: "minato", Name: "港区", AdminLogin: "admin",
				AdminName: "管理 花子", AdminPassword: auditPW}); err != nil {
				t.Fatal(err)
			}
			adm, err := a.TenantAdminActor(ctx, "minato", "admin", origin("test"))
			if err != nil {
				t.Fatal(err)
			}
			fac, err := a.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: "みなと在宅クリニック"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.CreateUser(ctx, adm, care.UserInput{LoginID: "nurse", Name: "看護 花子", Profession: "nurse",
				Role: care.RoleMember, Facilities: []string{fac.ID}, Password: auditPW}); err != nil {
				t.Fatal(err)
			}
			for i := range 50 {
				if err := a.RecordCommand(ctx, origin("test"), "test", "entry "+string(rune('A'+i%26)), audit.OK); err != nil {
					t.Fatal(err)
				}
			}
			want := tableCounts(t, db)
			db.Close()

			dir := t.TempDir()
			bargs := append([]string{"backup", dir}, args...)
			var restoreDSN string
			if engine == "postgres" {
				u, _ := url.Parse(dsnOf(args))
				schema := u.Query().Get("search_path")
				au, _ := url.Parse(storetest.AdminDSN())
				q := au.Query()
				q.Set("search_path", schema)
				au.RawQuery = q.Encode()
				bargs = append(bargs, "--pg-dump-dsn", au.String())
				restoreDSN = schema
			}
			code, stdout, stderr := runCLI(t, noEnv, bargs...)
			if code != exitOK {
				t.Fatalf("backup: exit %d\n%s\n%s", code, stdout, stderr)
			}
			manifests, _ := filepath.Glob(filepath.Join(dir, "*.manifest.json"))
			if len(manifests) != 1 {
				t.Fatalf("manifests %v", manifests)
			}
			var m BackupManifest
			b, _ := os.ReadFile(manifests[0])
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			size, sum, err := hashFile(filepath.Join(dir, m.File))
			if err != nil || sum != m.SHA256 || size != m.Size || m.Engine != engine || m.SchemaVersion == "" || m.KeysIncluded {
				t.Fatalf("manifest %+v; file %d bytes, sha256 %s, %v", m, size, sum, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Errorf("the backup directory holds %d files, want the backup and its manifest (no keys)", len(entries))
			}

			// Restore, as docs/admin-manual.md says.
			var restored string
			switch engine {
			case "sqlite":
				restored = filepath.Join(t.TempDir(), "renrakucho.db")
				copyFile(t, filepath.Join(dir, m.File), restored)
			case "postgres":
				restored = restorePostgres(t, filepath.Join(dir, m.File), restoreDSN)
			}
			key, err := audit.LoadKey(cfg.Keys())
			if err != nil {
				t.Fatal(err)
			}
			rdb, err := store.Open(ctx, restored, store.Options{AuditKey: key})
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			if err := rdb.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			got := tableCounts(t, rdb)
			if want["users minato"] != 2 || want["facilities minato"] < 2 || len(want) != 7 {
				t.Fatalf("the database was not populated: %v", want)
			}
			// The backup command's own entry is written once the backup is
			// made, so it is not in it.
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: restored %d, want %d", k, got[k], v)
				}
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// restorePostgres restores a pg_dump file into a fresh database as the
// admin manual says (pg_restore as a superuser, so row-level security
// does not stop the data), and returns a DSN of the app role on it.
func restorePostgres(t *testing.T, file, schema string) string {
	t.Helper()
	admin, err := sql.Open("pgx", storetest.AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 5)
	rand.Read(b)
	name := "restore_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", storetest.AdminDSN())
		if err == nil {
			a.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
			a.Close()
		}
	})
	u, _ := url.Parse(storetest.AdminDSN())
	u.Path = "/" + name
	out, err := exec.Command("pg_restore", "--exit-on-error", "--dbname="+u.String(), file).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	u.User = url.User(storetest.AppRole)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
