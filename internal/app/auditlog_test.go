package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// TestAuditUpkeep runs the daily audit job across a year: it writes
// checkpoint files, then purges what is past each chain's retention (the
// tenant's own when longer than the platform's), logs each purge, and
// leaves every chain verifiable against the files. The clock starts years
// back, so PostgreSQL's own clock (its purge policy) agrees the entries
// are old.
func TestAuditUpkeep(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2023, 3, 1, 9, 0, 0, 0, time.UTC))
			db := storetest.Open(t, engine, clock.Now)
			a := app.New(db, auth.NewHasher(cheap, 0), app.Options{})
			op, err := a.InitOperator(ctx, "operator", "運用 太郎", "", pw, adminO)
			if err != nil {
				t.Fatal(err)
			}
			admins := map[string]care.Actor{}
			for _, slug := range []string{"alpha", "beta"} {
				if _, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: slug, Name: slug, AdminLogin: "admin",
					AdminName: "管理 花子", AdminPassword: pw}); err != nil {
					t.Fatal(err)
				}
				if admins[slug], err = a.TenantAdminActor(ctx, slug, "admin", adminO); err != nil {
					t.Fatal(err)
				}
			}
			// alpha keeps its log 400 days; below a year is refused.
			if _, err := a.UpdateTenantSettings(ctx, admins["alpha"], app.Settings{EndedRetentionYears: 5, AuditRetentionDays: 364}); care.ErrorCode(err) != care.EInvalid {
				t.Fatalf("364 days accepted: %v", err)
			}
			if _, err := a.UpdateTenantSettings(ctx, admins["alpha"], app.Settings{EndedRetentionYears: 5, AuditRetentionDays: 400}); err != nil {
				t.Fatal(err)
			}
			if s, err := a.TenantSettings(ctx, admins["alpha"]); err != nil || s.AuditRetentionDays != 400 {
				t.Fatalf("settings %+v, %v", s, err)
			}
			before := map[string]int{}
			for slug, adm := range admins {
				es, err := a.Audit(ctx, adm, app.AuditFilter{})
				if err != nil {
					t.Fatal(err)
				}
				before[slug] = len(es) + 1 // and this view's own entry
			}

			dir := filepath.Join(t.TempDir(), "checkpoints")
			if err := a.RunAuditUpkeep(ctx, clock.Now(), dir, 365); err != nil {
				t.Fatal(err)
			}
			clock.Advance(366 * 24 * time.Hour)
			if err := a.RunAuditUpkeep(ctx, clock.Now(), dir, 365); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "audit-checkpoint-*.json"))
			if len(files) != 2 {
				t.Fatalf("checkpoint files %v", files)
			}
			var extra []store.AuditCheckpoint
			for _, f := range files {
				cf, err := app.ReadCheckpointFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if len(cf.Chains) != 3 {
					t.Errorf("%s: %d chains, want 3", f, len(cf.Chains))
				}
				extra = append(extra, cf.Chains...)
			}
			if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
				t.Errorf("checkpoint directory mode %v", fi.Mode().Perm())
			}

			purges := func(act care.Actor) []audit.Entry {
				t.Helper()
				es, err := a.Audit(ctx, act, app.AuditFilter{Action: string(audit.AuditPurge)})
				if err != nil {
					t.Fatal(err)
				}
				return es
			}
			// beta (365 days) lost its first year, in one checkpointed
			// segment, and says so; alpha (400 days) kept everything.
			if es := purges(admins["beta"]); len(es) != 1 || !strings.Contains(es[0].Detail, "seq 1–") ||
				!strings.Contains(es[0].Detail, "retention 365 days") {
				t.Errorf("beta purge entries %+v", es)
			}
			if es := purges(admins["alpha"]); len(es) != 0 {
				t.Errorf("alpha purged before its 400 days: %+v", es)
			}
			if es := purges(op); len(es) != 1 {
				t.Errorf("platform purge entries %+v", es)
			}
			firstYear := app.AuditFilter{To: clock.Now().Add(-365 * 24 * time.Hour)}
			if es, _ := a.Audit(ctx, admins["alpha"], firstYear); len(es) != before["alpha"] || len(es) == 0 {
				t.Errorf("alpha holds %d first-year entries, want %d", len(es), before["alpha"])
			}
			if es, _ := a.Audit(ctx, admins["beta"], firstYear); len(es) != 0 {
				t.Errorf("beta still holds %d first-year entries", len(es))
			}
			sts, err := db.VerifyAudit(ctx, extra)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range sts {
				if st.Break != nil {
					t.Errorf("chain %q: %v", st.TenantID, st.Break)
				}
			}
		})
	}
}
