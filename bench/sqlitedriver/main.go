// Command sqlitedriver measures the two candidate SQLite drivers for
// database/sql side by side, so that the choice between them rests on numbers
// taken on the same machine in the same run:
//
//   - github.com/mattn/go-sqlite3 (cgo, driver name "sqlite3")
//   - modernc.org/sqlite (pure Go, driver name "sqlite")
//
// For each driver it creates a fresh database file in a temporary directory
// (journal_mode=WAL, synchronous=FULL, foreign_keys=ON, busy_timeout=5000),
// creates the posts table and its timeline index, bulk loads -rows rows spread
// over 1000 residents in transactions of 10,000 rows, and then measures, for
// -duration each:
//
//   - reads: the newest 50 posts of a random resident, from 2 concurrent
//     readers on a pool of 2 connections, each with its own prepared
//     statement;
//   - durable writes: single-row BEGIN; INSERT; COMMIT transactions from one
//     writer on a pool of 1 connection.
//
// It prints one table with load rows/s, read queries/s with p50/p99 latency
// and inserts/s with p50/p99 latency per driver.
//
// This directory is a separate Go module so that the cgo driver never enters
// the main module's build. Run it with:
//
//	cd bench/sqlitedriver && go run . -rows 1000000
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" (cgo)
	_ "modernc.org/sqlite"          // registers "sqlite" (pure Go)
)

const (
	tenantID     = "tenant-0001"
	numResidents = 1000
	loadBatch    = 10_000
	readers      = 2
	bodyMin      = 180
	bodyMax      = 220 // bodies are 180..220 random bytes, ~200 on average
)

const schema = `
CREATE TABLE posts (
	tenant_id   TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	resident_id TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	body        BLOB    NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
CREATE INDEX posts_timeline ON posts (tenant_id, resident_id, created_at DESC, id DESC);
`

const (
	insertSQL = `INSERT INTO posts (tenant_id, id, resident_id, created_at, body) VALUES (?, ?, ?, ?, ?)`
	readSQL   = `SELECT id, created_at, body FROM posts WHERE tenant_id = ? AND resident_id = ? ORDER BY created_at DESC, id DESC LIMIT 50`
)

// driver describes one database/sql driver under test.
type driver struct {
	label string                   // name printed in the table
	name  string                   // database/sql driver name
	mod   string                   // module path, for the version line
	dsn   func(path string) string // DSN that applies the connection settings
}

var drivers = []driver{
	{
		label: "mattn/go-sqlite3",
		name:  "sqlite3",
		mod:   "github.com/mattn/go-sqlite3",
		dsn: func(path string) string {
			return "file:" + path + "?_busy_timeout=5000&_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on"
		},
	},
	{
		label: "modernc.org/sqlite",
		name:  "sqlite",
		mod:   "modernc.org/sqlite",
		dsn: func(path string) string {
			return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)"
		},
	},
}

// result holds the measurements of one driver.
type result struct {
	label      string
	version    string // module version and SQLite library version
	loadRate   float64
	readRate   float64
	readP50    time.Duration
	readP99    time.Duration
	insertRate float64
	insertP50  time.Duration
	insertP99  time.Duration
}

func main() {
	rows := flag.Int("rows", 1_000_000, "rows to bulk load before measuring")
	duration := flag.Duration("duration", 5*time.Second, "length of each measured phase (reads, inserts)")
	only := flag.String("drivers", "sqlite3,sqlite", "comma-separated driver names to run, in this order (sqlite3 = mattn, sqlite = modernc)")
	flag.Parse()

	if *rows < numResidents {
		fatalf("-rows must be at least %d", numResidents)
	}

	var selected []driver
	for _, name := range strings.Split(*only, ",") {
		i := slices.IndexFunc(drivers, func(d driver) bool { return d.name == strings.TrimSpace(name) })
		if i < 0 {
			fatalf("unknown driver %q in -drivers", name)
		}
		selected = append(selected, drivers[i])
	}

	var results []result
	for _, d := range selected {
		fmt.Fprintf(os.Stderr, "== %s\n", d.label)
		r, err := run(d, *rows, *duration)
		if err != nil {
			fatalf("%s: %v", d.label, err)
		}
		results = append(results, r)
	}

	fmt.Printf("\nrows=%d residents=%d duration=%s readers=%d GOMAXPROCS=%d %s/%s %s\n",
		*rows, numResidents, *duration, readers, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	for _, r := range results {
		fmt.Printf("%s: %s\n", r.label, r.version)
	}
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "driver\t load rows/s\t read q/s\t read p50\t read p99\t insert/s\t insert p50\t insert p99\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t %.0f\t %.0f\t %s\t %s\t %.0f\t %s\t %s\t\n",
			r.label, r.loadRate, r.readRate, fmtDur(r.readP50), fmtDur(r.readP99),
			r.insertRate, fmtDur(r.insertP50), fmtDur(r.insertP99))
	}
	tw.Flush()
}

// run performs the whole measurement for one driver on a fresh database.
func run(d driver, rows int, duration time.Duration) (result, error) {
	res := result{label: d.label}
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "sqlitedriver-"+d.name+"-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	dsn := d.dsn(filepath.Join(dir, "bench.db"))

	// The write pool: exactly one connection, as the application will have.
	wdb, err := sql.Open(d.name, dsn)
	if err != nil {
		return res, err
	}
	defer wdb.Close()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	if err := checkPragmas(ctx, wdb); err != nil {
		return res, err
	}
	var libVersion string
	if err := wdb.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&libVersion); err != nil {
		return res, err
	}
	res.version = moduleVersion(d.mod) + " (SQLite " + libVersion + ")"
	if _, err := wdb.ExecContext(ctx, schema); err != nil {
		return res, fmt.Errorf("schema: %w", err)
	}

	// One prepared statement on the single write connection; tx.Stmt reuses it
	// inside each transaction without re-preparing.
	ins, err := wdb.PrepareContext(ctx, insertSQL)
	if err != nil {
		return res, fmt.Errorf("prepare insert: %w", err)
	}
	defer ins.Close()

	gen := newGenerator()

	// Bulk load.
	start := time.Now()
	if err := load(ctx, wdb, ins, gen, rows); err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	loadElapsed := time.Since(start)
	res.loadRate = float64(rows) / loadElapsed.Seconds()
	fmt.Fprintf(os.Stderr, "   load: %d rows in %s (%.0f rows/s)\n", rows, loadElapsed.Round(time.Millisecond), res.loadRate)

	// Fold the WAL back into the main file so both drivers start the read
	// phase from the same state.
	if _, err := wdb.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return res, fmt.Errorf("checkpoint: %w", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "bench.db")); err == nil {
		fmt.Fprintf(os.Stderr, "   db file: %.1f MiB\n", float64(fi.Size())/(1<<20))
	}

	// Reads.
	rdb, err := sql.Open(d.name, dsn)
	if err != nil {
		return res, err
	}
	defer rdb.Close()
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)

	n, elapsed, lat, err := measureReads(ctx, rdb, duration)
	if err != nil {
		return res, fmt.Errorf("reads: %w", err)
	}
	res.readRate = float64(n) / elapsed.Seconds()
	res.readP50, res.readP99 = percentile(lat, 0.50), percentile(lat, 0.99)
	fmt.Fprintf(os.Stderr, "   reads: %d queries (%.0f q/s) p50=%s p99=%s\n", n, res.readRate, fmtDur(res.readP50), fmtDur(res.readP99))

	// Durable single-row inserts.
	n, elapsed, lat, err = measureInserts(ctx, wdb, ins, gen, duration)
	if err != nil {
		return res, fmt.Errorf("inserts: %w", err)
	}
	res.insertRate = float64(n) / elapsed.Seconds()
	res.insertP50, res.insertP99 = percentile(lat, 0.50), percentile(lat, 0.99)
	fmt.Fprintf(os.Stderr, "   inserts: %d (%.0f /s) p50=%s p99=%s\n", n, res.insertRate, fmtDur(res.insertP50), fmtDur(res.insertP99))

	return res, nil
}

// checkPragmas verifies that the DSN really applied the intended settings, so
// that neither driver is measured with a silently different configuration.
func checkPragmas(ctx context.Context, db *sql.DB) error {
	want := map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"busy_timeout": "5000",
	}
	for p, w := range want {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+p).Scan(&got); err != nil {
			return fmt.Errorf("PRAGMA %s: %w", p, err)
		}
		if !strings.EqualFold(got, w) {
			return fmt.Errorf("PRAGMA %s = %q, want %q", p, got, w)
		}
	}
	return nil
}

// load inserts rows rows in transactions of loadBatch rows.
func load(ctx context.Context, db *sql.DB, ins *sql.Stmt, gen *generator, rows int) error {
	// Spread created_at over the past year, increasing with the row number,
	// as a real history would be.
	base := time.Now().Add(-365 * 24 * time.Hour).UnixMilli()
	step := max(int64(365*24*time.Hour/time.Millisecond)/int64(rows), 1)

	for done := 0; done < rows; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		st := tx.StmtContext(ctx, ins)
		end := min(done+loadBatch, rows)
		for i := done; i < end; i++ {
			createdAt := base + int64(i)*step
			if _, err := st.ExecContext(ctx, tenantID, gen.id(createdAt), gen.resident(), createdAt, gen.body()); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		done = end
	}
	return nil
}

// measureReads runs readers goroutines, each on its own connection with its
// own prepared statement, for d. It returns the number of queries, the wall
// time they took and their latencies.
func measureReads(ctx context.Context, db *sql.DB, d time.Duration) (int, time.Duration, []time.Duration, error) {
	type worker struct {
		conn *sql.Conn
		stmt *sql.Stmt
	}
	ws := make([]worker, readers)
	for i := range ws {
		conn, err := db.Conn(ctx)
		if err != nil {
			return 0, 0, nil, err
		}
		defer conn.Close()
		stmt, err := conn.PrepareContext(ctx, readSQL)
		if err != nil {
			return 0, 0, nil, err
		}
		defer stmt.Close()
		ws[i] = worker{conn, stmt}
	}

	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		all       []time.Duration
		totalRows int
		errs      []error
	)
	start := time.Now()
	deadline := start.Add(d)
	for i := range ws {
		wg.Add(1)
		go func(w worker, seed uint64) {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(seed, 0x5eed))
			lat := make([]time.Duration, 0, 1<<16)
			rowsRead := 0
			var (
				id        string
				createdAt int64
				body      []byte
			)
			for time.Now().Before(deadline) {
				resident := residentID(rng.IntN(numResidents))
				t0 := time.Now()
				rs, err := w.stmt.QueryContext(ctx, tenantID, resident)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				got := 0
				for rs.Next() {
					if err := rs.Scan(&id, &createdAt, &body); err != nil {
						rs.Close()
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					got++
				}
				err = rs.Err()
				rs.Close()
				lat = append(lat, time.Since(t0))
				rowsRead += got
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			all = append(all, lat...)
			totalRows += rowsRead
			mu.Unlock()
		}(ws[i], uint64(i)+1)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, 0, nil, err
	}
	if totalRows == 0 {
		return 0, 0, nil, errors.New("the read query returned no rows")
	}
	fmt.Fprintf(os.Stderr, "   reads: %.1f rows per query on average\n", float64(totalRows)/float64(len(all)))
	return len(all), elapsed, all, nil
}

// measureInserts runs durable single-row transactions from one writer for d.
func measureInserts(ctx context.Context, db *sql.DB, ins *sql.Stmt, gen *generator, d time.Duration) (int, time.Duration, []time.Duration, error) {
	lat := make([]time.Duration, 0, 1<<14)
	start := time.Now()
	deadline := start.Add(d)
	for time.Now().Before(deadline) {
		t0 := time.Now()
		createdAt := t0.UnixMilli()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, 0, nil, err
		}
		if _, err := tx.StmtContext(ctx, ins).ExecContext(ctx, tenantID, gen.id(createdAt), gen.resident(), createdAt, gen.body()); err != nil {
			tx.Rollback()
			return 0, 0, nil, err
		}
		if err := tx.Commit(); err != nil {
			return 0, 0, nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	return len(lat), time.Since(start), lat, nil
}

// generator produces row contents. It is used by one goroutine at a time.
type generator struct {
	rng *mrand.Rand
	buf []byte
}

func newGenerator() *generator {
	var seed [32]byte
	if _, err := io.ReadFull(rand.Reader, seed[:]); err != nil {
		panic(err)
	}
	return &generator{rng: mrand.New(mrand.NewChaCha8(seed)), buf: make([]byte, bodyMax)}
}

// id returns a time-ordered identifier in the spirit of UUIDv7: 48 bits of
// milliseconds followed by 80 random bits, hex encoded (32 characters).
func (g *generator) id(ms int64) string {
	var b [16]byte
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	for i := 6; i < 16; i++ {
		b[i] = byte(g.rng.Uint32())
	}
	return hex.EncodeToString(b[:])
}

func (g *generator) resident() string { return residentID(g.rng.IntN(numResidents)) }

// body returns bodyMin..bodyMax random bytes. The slice is reused; the
// drivers copy bound arguments before Exec returns.
func (g *generator) body() []byte {
	n := bodyMin + g.rng.IntN(bodyMax-bodyMin+1)
	b := g.buf[:n]
	for i := 0; i < n; i += 8 {
		v := g.rng.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// moduleVersion reports the version of module path linked into this binary.
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				if m.Replace != nil {
					m = m.Replace
				}
				return m.Version
			}
		}
	}
	return "(unknown version)"
}

func residentID(i int) string { return fmt.Sprintf("resident-%04d", i) }

// percentile returns the q-quantile (nearest rank) of lat, sorting it.
func percentile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	i := int(q*float64(len(lat))+0.5) - 1
	return lat[min(max(i, 0), len(lat)-1)]
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sqlitedriver: "+format+"\n", args...)
	os.Exit(1)
}
