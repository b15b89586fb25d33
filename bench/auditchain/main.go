// Command auditchain measures the tamper-evident audit log, per engine,
// beside raw baselines measured in the same run:
//
//   - append: one audited request's entry, a transaction each, through
//     Tx.AppendAudit (lock the chain head, HMAC, insert, move the head)
//     versus a raw INSERT of the same row in its own transaction;
//   - append in bulk: 1000 entries per transaction, the same two ways, so
//     the chain's own cost shows without the commit's;
//   - verify: DB.VerifyChain over -entries entries (target ≥ 100,000
//     entries/s) versus a raw scan of the same rows without MACs.
//
// See bench/README.md.
package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// targetVerify is the verify-audit target of issue 5.
const targetVerify = 100_000

type options struct {
	duration    time.Duration
	concurrency int
	entries     int
	bulk        int
}

func main() {
	engine := flag.String("engine", "both", "engine to measure: sqlite, postgres or both")
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each append measurement")
	flag.IntVar(&o.concurrency, "concurrency", 4, "concurrent writers in the append measurements (all on one tenant's chain)")
	flag.IntVar(&o.entries, "entries", 1_000_000, "entries in the chain that verify reads")
	flag.IntVar(&o.bulk, "bulk", 1000, "entries per transaction in the bulk append measurement")
	flag.Parse()
	engines, err := loadgen.Engines(*engine)
	if err != nil {
		fmt.Fprintf(os.Stderr, "auditchain: %v\n", err)
		os.Exit(2)
	}
	if o.concurrency < 1 || o.entries < 1 || o.bulk < 1 || o.duration <= 0 {
		fmt.Fprintln(os.Stderr, "auditchain: -concurrency, -entries, -bulk and -duration must be positive")
		os.Exit(2)
	}
	fmt.Printf("auditchain: %s, %s/%s, GOMAXPROCS %d; %d writers, %s per append measurement, %d entries per bulk transaction, %d entries verified\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), o.concurrency, o.duration, o.bulk, o.entries)
	failed := false
	for _, e := range engines {
		if err := run(context.Background(), e, o); err != nil {
			fmt.Fprintf(os.Stderr, "auditchain: %s: %v\n", e, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// sample is the entry every measurement writes: the fields of a typical
// post view.
func sample(i int64) *audit.Entry {
	return &audit.Entry{ActorID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", ActorLogin: "nurse-sato", ActorRole: "member",
		Action: audit.PostView, TargetType: "post", TargetID: "0193a1b2-c3d4-7e5f-8a9b-" + fmt.Sprintf("%012d", i),
		ResidentID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", IP: "192.0.2.10",
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15", Result: audit.OK}
}

const rawInsert = `INSERT INTO audit_log (tenant_id, id, at, actor_id, actor_login, actor_role, action, target_type,
	target_id, resident_id, ip, user_agent, result, detail, seq, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`

func rebind(engine, q string) string {
	if engine != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func rawArgs(tenantID string, e *audit.Entry) []any {
	return []any{tenantID, store.NewID(), time.Now().UTC(), e.ActorID, e.ActorLogin, e.ActorRole, string(e.Action), e.TargetType,
		e.TargetID, e.ResidentID, e.IP, e.UserAgent, string(e.Result), e.Detail}
}

func newTenant(ctx context.Context, db *store.DB, slug string) (string, error) {
	var id string
	err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
		t := care.Tenant{Slug: slug, Name: slug}
		err := ptx.CreateTenant(ctx, &t)
		id = t.ID
		return err
	})
	return id, err
}

type line struct {
	what, ours, raw string
	ratio           float64
}

func run(ctx context.Context, engine string, o options) error {
	d, err := loadgen.NewDatabase(ctx, engine)
	if err != nil {
		return err
	}
	defer d.Cleanup()
	key := audit.NewKey()
	db, err := store.Open(ctx, d.DSN, store.Options{AuditKey: key})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	chained, err := newTenant(ctx, db, "chained")
	if err != nil {
		return err
	}
	rawTenant, err := newTenant(ctx, db, "raw")
	if err != nil {
		return err
	}
	raw, err := d.OpenRaw(rawTenant, loadgen.Writer)
	if err != nil {
		return err
	}
	defer raw.Close()
	ins := rebind(engine, rawInsert)
	warm := min(time.Second, o.duration/5)
	var lines []line
	var n atomic.Int64

	// 1. One entry per transaction.
	ours := func(ctx context.Context) error {
		return db.InTenant(ctx, chained, func(tx *store.Tx) error { return tx.AppendAudit(ctx, sample(n.Add(1))) })
	}
	bare := func(ctx context.Context) error {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ins, rawArgs(rawTenant, sample(n.Add(1)))...); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	or, rr, err := measurePair(o, warm, ours, bare)
	if err != nil {
		return err
	}
	lines = append(lines, line{"append, 1 entry per transaction (µs/entry)", us(or, 1), us(rr, 1), perEntry(or, 1) / perEntry(rr, 1)})

	// 2. Many entries per transaction.
	oursBulk := func(ctx context.Context) error {
		return db.InTenant(ctx, chained, func(tx *store.Tx) error {
			for range o.bulk {
				if err := tx.AppendAudit(ctx, sample(n.Add(1))); err != nil {
					return err
				}
			}
			return nil
		})
	}
	bareBulk := func(ctx context.Context) error {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for range o.bulk {
			if _, err := tx.ExecContext(ctx, ins, rawArgs(rawTenant, sample(n.Add(1)))...); err != nil {
				tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}
	or, rr, err = measurePair(o, warm, oursBulk, bareBulk)
	if err != nil {
		return err
	}
	lines = append(lines, line{fmt.Sprintf("append, %d entries per transaction (µs/entry)", o.bulk), us(or, o.bulk), us(rr, o.bulk),
		perEntry(or, o.bulk) / perEntry(rr, o.bulk)})

	// 3. Verify a long chain.
	verified, err := newTenant(ctx, db, "verified")
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := fill(ctx, d, engine, key, verified, o.entries); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	fmt.Printf("\n%s: %d chained entries written in %s\n", engine, o.entries, time.Since(t0).Round(time.Millisecond))
	reader, err := d.OpenRaw(verified, loadgen.Reader)
	if err != nil {
		return err
	}
	defer reader.Close()
	t0, c0 := time.Now(), cpuTime()
	scanned, err := scan(ctx, reader, engine, verified)
	if err != nil {
		return err
	}
	rawTook, rawCPU := time.Since(t0), cpuTime()-c0
	t0, c0 = time.Now(), cpuTime()
	st, err := db.VerifyChain(ctx, verified, nil)
	if err != nil {
		return err
	}
	took, verifyCPU := time.Since(t0), cpuTime()-c0
	if st.Break != nil || st.Count != int64(o.entries) || scanned != int64(o.entries) {
		return fmt.Errorf("verify: %d entries (scan %d), break %v", st.Count, scanned, st.Break)
	}
	rate, rawRate := float64(st.Count)/took.Seconds(), float64(scanned)/rawTook.Seconds()
	lines = append(lines, line{fmt.Sprintf("verify %d entries (entries/s)", o.entries), fmt.Sprintf("%.0f", rate),
		fmt.Sprintf("%.0f", rawRate), rawRate / rate})
	// CPU time of this process (the database server's is not counted on
	// PostgreSQL): on a shared machine the wall-clock rate says more about
	// the neighbours than about the code.
	lines = append(lines, line{"  same, per CPU-second of this process", fmt.Sprintf("%.0f", float64(st.Count)/verifyCPU.Seconds()),
		fmt.Sprintf("%.0f", float64(scanned)/rawCPU.Seconds()), verifyCPU.Seconds() / rawCPU.Seconds()})

	fmt.Printf("\n%s\n", engine)
	const format = "%-46s | %12s | %12s | %s\n"
	fmt.Printf(format, "what", "renrakucho", "raw", "cost ratio (ours/raw)")
	fmt.Println(strings.Repeat("-", 46) + "-|-" + strings.Repeat("-", 12) + "-|-" + strings.Repeat("-", 12) + "-|-" + strings.Repeat("-", 21))
	for _, l := range lines {
		fmt.Printf(format, l.what, l.ours, l.raw, fmt.Sprintf("%.2f", l.ratio))
	}
	verdict := "MET"
	if rate < targetVerify {
		verdict = "NOT MET"
	}
	fmt.Printf("target: verify ≥ %d entries/s: %s (%.0f)\n", targetVerify, verdict, rate)
	return nil
}

func measurePair(o options, warm time.Duration, ours, raw func(context.Context) error) (loadgen.Result, loadgen.Result, error) {
	if err := ours(context.Background()); err != nil {
		return loadgen.Result{}, loadgen.Result{}, fmt.Errorf("chained append: %w", err)
	}
	if err := raw(context.Background()); err != nil {
		return loadgen.Result{}, loadgen.Result{}, fmt.Errorf("raw insert: %w", err)
	}
	loadgen.Measure(o.concurrency, warm, raw)
	rr := loadgen.Measure(o.concurrency, o.duration, raw)
	loadgen.Measure(o.concurrency, warm, ours)
	or := loadgen.Measure(o.concurrency, o.duration, ours)
	if err := rr.Err(); err != nil {
		return or, rr, fmt.Errorf("raw insert: %w", err)
	}
	return or, rr, or.Err()
}

// perEntry is the wall time per entry of a measurement, in µs: elapsed
// over entries written (throughput, all writers together).
func perEntry(r loadgen.Result, per int) float64 {
	return r.Elapsed.Seconds() * 1e6 / float64(r.N*per)
}

func us(r loadgen.Result, per int) string { return fmt.Sprintf("%.1f", perEntry(r, per)) }

// fill writes n entries of the tenant's chain fast: MACs computed here
// with the same key, rows inserted many per statement in large
// transactions (COPY is not allowed under row-level security), then the
// head set. The result is what n appends would leave.
func fill(ctx context.Context, d *loadgen.Database, engine string, key audit.Key, tenantID string, n int) error {
	db, err := d.OpenRaw(tenantID, loadgen.Writer)
	if err != nil {
		return err
	}
	defer db.Close()
	const perStmt = 500
	const perTx = 50_000
	cols := `(tenant_id, id, at, actor_id, actor_login, actor_role, action, target_type, target_id, resident_id, ip, user_agent, result, detail, seq, mac)`
	var prev []byte
	at := time.Now().UTC().Add(-time.Duration(n) * time.Millisecond).Truncate(time.Microsecond)
	var tx *sql.Tx
	for seq := int64(1); seq <= int64(n); {
		if tx == nil {
			if tx, err = db.BeginTx(ctx, nil); err != nil {
				return err
			}
		}
		k := min(perStmt, n-int(seq)+1)
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_log ` + cols + ` VALUES `)
		args := make([]any, 0, k*16)
		for i := range k {
			e := sample(seq)
			e.ID = store.NewID()
			e.At = at.Add(time.Duration(seq) * time.Millisecond)
			mac := key.MAC(tenantID, seq, prev, e)
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, tenantID, e.ID, e.At, e.ActorID, e.ActorLogin, e.ActorRole, string(e.Action), e.TargetType,
				e.TargetID, e.ResidentID, e.IP, e.UserAgent, string(e.Result), e.Detail, seq, hex.EncodeToString(mac))
			prev = mac
			seq++
		}
		if _, err := tx.ExecContext(ctx, rebind(engine, b.String()), args...); err != nil {
			tx.Rollback()
			return err
		}
		if (seq-1)%perTx == 0 || seq > int64(n) {
			if seq > int64(n) {
				if _, err := tx.ExecContext(ctx, rebind(engine, `INSERT INTO audit_heads (tenant_id, seq, mac) VALUES (?, ?, ?)`),
					tenantID, int64(n), hex.EncodeToString(prev)); err != nil {
					tx.Rollback()
					return err
				}
			}
			if err := tx.Commit(); err != nil {
				return err
			}
			tx = nil
		}
	}
	return nil
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// scan reads the chain's rows as verify does, without checking them: the
// raw baseline of verification.
func scan(ctx context.Context, db *sql.DB, engine, tenantID string) (int64, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: engine == "postgres"})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, rebind(engine, `SELECT id, at, actor_id, actor_login, actor_role, action, target_type,
		target_id, resident_id, ip, user_agent, result, detail, seq, mac FROM audit_log WHERE tenant_id = ? AND seq > 0 ORDER BY seq`), tenantID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	var e audit.Entry
	for rows.Next() {
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorLogin, &e.ActorRole, &e.Action, &e.TargetType, &e.TargetID,
			&e.ResidentID, &e.IP, &e.UserAgent, &e.Result, &e.Detail, &e.Seq, &e.MAC); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
