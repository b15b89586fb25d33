package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// chainTenant creates a tenant and returns its id.
func chainTenant(t *testing.T, db *store.DB, slug string) string {
	t.Helper()
	var id string
	err := db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		tn := care.Tenant{Slug: slug, Name: slug}
		err := ptx.CreateTenant(context.Background(), &tn)
		id = tn.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// appendN appends n entries to the tenant's chain, one transaction each,
// and returns them in seq order.
func appendN(t *testing.T, db *store.DB, tenantID string, n int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for i := range n {
		e := &audit.Entry{ActorID: "u1", ActorLogin: "doctor", ActorRole: "member", Action: audit.PostView,
			TargetType: "post", TargetID: "p" + strconv.Itoa(i), ResidentID: "r1", IP: "192.0.2.1",
			UserAgent: "test", Result: audit.OK, Detail: "entry " + strconv.Itoa(i)}
		err := db.InTenant(context.Background(), tenantID, func(tx *store.Tx) error { return tx.AppendAudit(context.Background(), e) })
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *e)
	}
	return out
}

// tamper runs statements on the database as an attacker with full access
// would: around the triggers, and on PostgreSQL as a superuser, around
// row-level security too. Statements use ? placeholders.
func tamper(t *testing.T, db *store.DB, stmts ...string) func(args ...any) {
	t.Helper()
	ctx := context.Background()
	return func(args ...any) {
		t.Helper()
		if db.Engine() == "sqlite" {
			for _, trg := range []string{"audit_log_no_update", "audit_log_purge_only", "audit_checkpoints_no_update", "audit_checkpoints_no_delete"} {
				if _, err := db.RawDB().ExecContext(ctx, `DROP TRIGGER IF EXISTS `+trg); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range stmts {
				n := strings.Count(s, "?")
				if _, err := db.RawDB().ExecContext(ctx, s, args[:n]...); err != nil {
					t.Fatalf("tamper %q: %v", s, err)
				}
				args = args[n:]
			}
			return
		}
		admin, super := adminIsSuperuser(t)
		if !super {
			t.Skip("the admin role does not bypass row-level security")
		}
		var schema string
		if err := db.RawDB().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		conn, err := admin.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SET search_path TO `+schema+`; SET session_replication_role = replica`); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, `RESET session_replication_role`)
		for _, s := range stmts {
			n := strings.Count(s, "?")
			q := s
			for i := 1; i <= n; i++ {
				q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
			}
			if _, err := conn.ExecContext(ctx, q, args[:n]...); err != nil {
				t.Fatalf("tamper %q: %v", s, err)
			}
			args = args[n:]
		}
	}
}

func verifyOne(t *testing.T, db *store.DB, tenantID string, extra ...store.AuditCheckpoint) store.ChainStatus {
	t.Helper()
	st, err := db.VerifyChain(context.Background(), tenantID, extra)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestAuditChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := chainTenant(t, db, "alpha")
		es := appendN(t, db, tn, 10)
		for i, e := range es {
			if e.Seq != int64(i+1) || len(e.MAC) != 2*audit.MACSize {
				t.Fatalf("entry %d: seq %d mac %q", i, e.Seq, e.MAC)
			}
		}
		// The platform's chain is separate, and starts at 1 too.
		err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
			return ptx.AppendAudit(ctx, &audit.Entry{ActorLogin: "op", Action: audit.TenantCreate, Result: audit.OK})
		})
		if err != nil {
			t.Fatal(err)
		}
		all, err := db.VerifyAudit(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 {
			t.Fatalf("%d chains, want 2", len(all))
		}
		for _, st := range all {
			if st.Break != nil {
				t.Errorf("chain %q: %v", st.TenantID, st.Break)
			}
		}
		if all[0].TenantID != "" || all[0].Count != 1 || all[1].Count != 10 || all[1].HeadSeq != 10 || all[1].HeadMAC != es[9].MAC {
			t.Errorf("statuses %+v", all)
		}
		// The listing carries seq and MAC, and they verify as a segment.
		var listed []audit.Entry
		db.ReadTenant(ctx, tn, func(tx *store.Tx) error {
			listed, err = tx.AuditEntries(ctx, store.AuditFilter{})
			return err
		})
		if len(listed) != 10 || listed[0].Seq != 10 {
			t.Fatalf("listed %d entries, first seq %d", len(listed), listed[0].Seq)
		}
		if err := storetest.Key.VerifySegment(tn, 0, "", es); err != nil {
			t.Errorf("segment: %v", err)
		}
		if err := audit.NewKey().VerifySegment(tn, 0, "", es); err == nil {
			t.Error("segment verified under another key")
		}
	})
}

func TestAuditChainConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := chainTenant(t, db, "alpha")
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for g := range 10 {
			wg.Go(func() {
				for i := range 10 {
					e := &audit.Entry{ActorLogin: "u" + strconv.Itoa(g), Action: audit.PostView, Result: audit.OK, Detail: strconv.Itoa(i)}
					if err := db.InTenant(ctx, tn, func(tx *store.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		st := verifyOne(t, db, tn)
		if st.Break != nil || st.Count != 100 || st.HeadSeq != 100 {
			t.Fatalf("after concurrent appends: %+v %v", st, st.Break)
		}
	})
}

// TestAuditTamper: each kind of tampering is found, at the right entry.
func TestAuditTamper(t *testing.T) {
	type trial struct {
		name  string
		do    func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint
		seq   int64
		id    func(es []audit.Entry) string
		words string
	}
	trials := []trial{{
		name: "Edit",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			tamper(t, db, `UPDATE audit_log SET actor_login = 'someone else' WHERE tenant_id = ? AND seq = 4`)(tn)
			return nil
		},
		seq: 4, id: func(es []audit.Entry) string { return es[3].ID }, words: "MAC does not match",
	}, {
		name: "Delete",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			tamper(t, db, `DELETE FROM audit_log WHERE tenant_id = ? AND seq = 4`)(tn)
			return nil
		},
		seq: 4, id: func(es []audit.Entry) string { return es[4].ID }, words: "missing",
	}, {
		name: "DeleteAndRenumber",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			tamper(t, db, `DELETE FROM audit_log WHERE tenant_id = ? AND seq = 4`,
				`UPDATE audit_log SET seq = -seq WHERE tenant_id = ? AND seq > 4`,
				`UPDATE audit_log SET seq = -seq - 1 WHERE tenant_id = ? AND seq < -4`)(tn, tn, tn)
			return nil
		},
		seq: 4, id: func(es []audit.Entry) string { return es[4].ID }, words: "MAC does not match",
	}, {
		name: "Insert",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			tamper(t, db,
				`UPDATE audit_log SET seq = -seq WHERE tenant_id = ? AND seq >= 4`,
				`UPDATE audit_log SET seq = -seq + 1 WHERE tenant_id = ? AND seq <= -4`,
				`INSERT INTO audit_log (tenant_id, id, at, action, result, seq, mac) SELECT tenant_id, 'forged', at, action, result, 4, mac
					FROM audit_log WHERE tenant_id = ? AND seq = 3`)(tn, tn, tn)
			return nil
		},
		seq: 4, id: func(es []audit.Entry) string { return "forged" }, words: "MAC does not match",
	}, {
		name: "Swap",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			tamper(t, db,
				`UPDATE audit_log SET seq = -100 WHERE tenant_id = ? AND seq = 4`,
				`UPDATE audit_log SET seq = 4 WHERE tenant_id = ? AND seq = 6`,
				`UPDATE audit_log SET seq = 6 WHERE tenant_id = ? AND seq = -100`)(tn, tn, tn)
			return nil
		},
		seq: 4, id: func(es []audit.Entry) string { return es[5].ID }, words: "MAC does not match",
	}, {
		name: "TruncateTail",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			// The daily checkpoint is taken and shipped off the machine;
			// then the attacker cuts the last two entries, rewinds the
			// head and removes the checkpoint rows from the database.
			cps, err := db.CheckpointAudit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, db, `DELETE FROM audit_log WHERE tenant_id = ? AND seq > 8`,
				`UPDATE audit_heads SET seq = 8, mac = ? WHERE tenant_id = ?`,
				`DELETE FROM audit_checkpoints WHERE tenant_id = ?`)(tn, es[7].MAC, tn, tn)
			if st := verifyOne(t, db, tn); st.Break != nil || st.HeadSeq != 8 {
				t.Fatalf("without the checkpoint file the cut chain should look whole: %+v", st)
			}
			return cps
		},
		seq: 9, id: func(es []audit.Entry) string { return "" }, words: "cut off",
	}, {
		name: "TruncateTailKeepHead",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			tamper(t, db, `DELETE FROM audit_log WHERE tenant_id = ? AND seq > 8`)(tn)
			return nil
		},
		seq: 9, id: func(es []audit.Entry) string { return "" }, words: "head records seq 10",
	}, {
		name: "UnchainedInsert",
		do: func(t *testing.T, db *store.DB, tn string, es []audit.Entry) []store.AuditCheckpoint {
			tamper(t, db, `INSERT INTO audit_log (tenant_id, id, at, action, result) SELECT tenant_id, 'stray', at, action, result
				FROM audit_log WHERE tenant_id = ? AND seq = 3`)(tn)
			return nil
		},
		seq: 0, id: func(es []audit.Entry) string { return "stray" }, words: "outside the chain",
	}}
	for _, tr := range trials {
		t.Run(tr.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				tn := chainTenant(t, db, "alpha")
				other := chainTenant(t, db, "beta")
				es := appendN(t, db, tn, 10)
				appendN(t, db, other, 3)
				if st := verifyOne(t, db, tn); st.Break != nil {
					t.Fatalf("before tampering: %v", st.Break)
				}
				extra := tr.do(t, db, tn, es)
				st := verifyOne(t, db, tn, extra...)
				if st.Break == nil {
					t.Fatalf("tampering not detected: %+v", st)
				}
				b := st.Break
				if b.Seq != tr.seq || b.ID != tr.id(es) || b.TenantID != tn || !strings.Contains(b.Problem, tr.words) {
					t.Errorf("break %v; want seq %d, id %q, %q", b, tr.seq, tr.id(es), tr.words)
				}
				// The other tenant's chain is untouched.
				if st := verifyOne(t, db, other); st.Break != nil || st.Count != 3 {
					t.Errorf("other chain: %+v %v", st, st.Break)
				}
			})
		})
	}
}

// TestAuditSeal: entries from before the chain are chained, resumably,
// after whatever the chain already holds.
func TestAuditSeal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := chainTenant(t, db, "alpha")
		appendN(t, db, tn, 2)
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		err := db.InTenant(ctx, tn, func(tx *store.Tx) error {
			for i := range 1500 {
				if _, err := tx.RawExec(ctx, `INSERT INTO audit_log (tenant_id, id, at, action, result, detail, seq)
					VALUES (?, ?, ?, 'post.view', 'ok', ?, -1)`, tn, store.NewID(), base.Add(time.Duration(i)*time.Second), strconv.Itoa(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if st := verifyOne(t, db, tn); st.Break == nil || !strings.Contains(st.Break.Problem, "1500 entries are outside") {
			t.Fatalf("unchained entries not reported: %+v", st.Break)
		}
		n, err := db.SealAudit(ctx)
		if err != nil || n != 1500 {
			t.Fatalf("sealed %d, %v", n, err)
		}
		st := verifyOne(t, db, tn)
		if st.Break != nil || st.Count != 1503 {
			t.Fatalf("after sealing: %+v %v", st, st.Break)
		}
		var es []audit.Entry
		db.ReadTenant(ctx, tn, func(tx *store.Tx) error {
			es, err = tx.AuditEntries(ctx, store.AuditFilter{Action: string(audit.AuditSeal)})
			return err
		})
		if len(es) != 1 || es[0].Seq != 1503 || !strings.Contains(es[0].Detail, "1500") {
			t.Errorf("seal entry: %+v", es)
		}
		if n, err := db.SealAudit(ctx); err != nil || n != 0 {
			t.Errorf("second seal: %d, %v", n, err)
		}
	})
}

// TestAuditAppendOnly: the app's own role cannot change or remove entries
// or checkpoints (PostgreSQL: trigger and policies; SQLite: triggers).
func TestAuditAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := chainTenant(t, db, "alpha")
		appendN(t, db, tn, 3)
		if _, err := db.CheckpointAudit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE audit_log SET detail = 'x'`,
			`UPDATE audit_log SET seq = seq + 10`,
			`UPDATE audit_log SET mac = ''`,
			`UPDATE audit_checkpoints SET mac = ''`,
			`DELETE FROM audit_checkpoints`,
		} {
			err := db.InTenant(ctx, tn, func(tx *store.Tx) error {
				n, err := tx.RawExec(ctx, q)
				if err == nil && n > 0 {
					return errors.New("changed " + strconv.FormatInt(n, 10) + " rows")
				}
				return err
			})
			if err == nil && db.Engine() == "sqlite" {
				t.Errorf("%s: allowed", q)
			}
			if err != nil && strings.Contains(err.Error(), "changed") {
				t.Errorf("%s: %v", q, err)
			}
		}
		// Young entries cannot be deleted, checkpointed or not: on
		// PostgreSQL by the database's own clock.
		err := db.InTenant(ctx, tn, func(tx *store.Tx) error {
			n, err := tx.RawExec(ctx, `DELETE FROM audit_log`)
			if err == nil && n > 0 {
				return errors.New("deleted " + strconv.FormatInt(n, 10) + " rows")
			}
			return nil
		})
		if err != nil && db.Engine() == "postgres" {
			t.Error(err)
		}
		if st := verifyOne(t, db, tn); st.Break != nil || st.Count != 3 {
			t.Errorf("after the attempts: %+v %v", st, st.Break)
		}
		// An entry from before the chain may be chained once, and nothing
		// else of it changed: the trigger refuses (PostgreSQL: SQLSTATE
		// 42501, like a policy).
		err = db.InTenant(ctx, tn, func(tx *store.Tx) error {
			_, err := tx.RawExec(ctx, `INSERT INTO audit_log (tenant_id, id, at, action, result, seq) VALUES (?, 'legacy', ?, 'post.view', 'ok', -1)`,
				tn, time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE audit_log SET detail = 'x' WHERE id = 'legacy'`,
			`UPDATE audit_log SET detail = 'x', seq = 99, mac = 'ab' WHERE id = 'legacy'`,
		} {
			err := db.InTenant(ctx, tn, func(tx *store.Tx) error {
				_, err := tx.RawExec(ctx, q)
				return err
			})
			if err == nil {
				t.Errorf("%s: allowed", q)
			} else if db.Engine() == "postgres" && !isRLSViolation(err) {
				t.Errorf("%s: %v, want SQLSTATE 42501", q, err)
			}
		}
		if n, err := db.SealAudit(ctx); err != nil || n != 1 {
			t.Errorf("sealing the legacy entry: %d, %v", n, err)
		}
		if st := verifyOne(t, db, tn); st.Break != nil || st.Count != 5 {
			t.Errorf("after sealing: %+v %v", st, st.Break)
		}
	})
}

// TestAuditRetentionBoundary: at 366 days an entry is purged, at 365 too
// (kept a full year), at 364 not, and only in checkpointed segments; the
// remaining chain verifies from the purge boundary. The clock starts
// years back so PostgreSQL's own clock agrees the entries are old.
func TestAuditRetentionBoundary(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2022, 4, 1, 9, 0, 0, 0, time.UTC))
			db := storetest.Open(t, engine, clock.Now)
			tn := chainTenant(t, db, "alpha")
			day := 24 * time.Hour
			var batches [][]audit.Entry
			for range 3 { // day 0, 1, 2: three entries each, then a checkpoint
				batches = append(batches, appendN(t, db, tn, 3))
				if _, err := db.CheckpointAudit(ctx); err != nil {
					t.Fatal(err)
				}
				clock.Advance(day)
			}
			start := batches[0][0].At
			purge := func(now time.Time) store.AuditPurge {
				t.Helper()
				var p store.AuditPurge
				err := db.WithClock(func() time.Time { return now }).InTenant(ctx, tn, func(tx *store.Tx) error {
					var err error
					p, err = tx.PurgeAudit(ctx, now.Add(-365*day))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			// At 364 days after day 0 nothing is a year old.
			if p := purge(start.Add(364 * day)); p.Count != 0 {
				t.Fatalf("purged at 364 days: %+v", p)
			}
			// At 365 days day 0 is a year old; day 1 is 364 days old.
			p := purge(start.Add(365 * day))
			if p.Count != 3 || p.FromSeq != 1 || p.ToSeq != 3 {
				t.Fatalf("at 365 days: %+v", p)
			}
			st := verifyOne(t, db, tn)
			if st.Break != nil || st.Count != 6 || st.BaseSeq != 3 {
				t.Fatalf("after the first purge: %+v %v", st, st.Break)
			}
			// At 366 days after day 0, day 1 is 365 days old and goes;
			// one second short of it, it stays.
			if p := purge(start.Add(366*day - time.Second)); p.Count != 0 {
				t.Fatalf("purged day 1 at 364 days 23:59:59: %+v", p)
			}
			if p := purge(start.Add(366 * day)); p.Count != 3 || p.FromSeq != 4 || p.ToSeq != 6 {
				t.Fatalf("at 366 days: %+v", p)
			}
			// An entry after the last checkpoint is never purged, however
			// old: segments are whole and checkpointed.
			appendN(t, db, tn, 1)
			if p := purge(start.Add(3000 * day)); p.Count != 3 || p.ToSeq != 9 {
				t.Fatalf("late purge: %+v", p)
			}
			st = verifyOne(t, db, tn)
			if st.Break != nil || st.Count != 1 || st.BaseSeq != 9 || st.HeadSeq != 10 {
				t.Fatalf("after the purges: %+v %v", st, st.Break)
			}
			// Faking the boundary is caught: it must match a checkpoint.
			tamper(t, db, `UPDATE audit_heads SET base_seq = 8 WHERE tenant_id = ?`)(tn)
			if st := verifyOne(t, db, tn); st.Break == nil {
				t.Fatal("a moved purge boundary was not detected")
			}
		})
	}
}

var _ = sql.ErrNoRows
