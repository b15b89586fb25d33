// Command apiread measures renrakucho's read path against its raw
// baselines, in one run per engine: the facilities query straight through
// database/sql, a bare net/http handler, and GET /api/v1/facilities through
// the real user-listener stack (session lookup, permission check, query,
// JSON). See bench/README.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/store"
)

// The targets of the foundation's read path (SQLite).
const (
	targetRatio = 0.35
	targetP99   = 10 * time.Millisecond
)

type options struct {
	duration    time.Duration
	concurrency int
	facilities  int
}

func main() {
	engine := flag.String("engine", "both", "engine to measure: sqlite, postgres or both")
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
	flag.IntVar(&o.concurrency, "concurrency", 8, "concurrent clients")
	flag.IntVar(&o.facilities, "facilities", 50, "facilities in the tenant (GET /api/v1/facilities returns them all)")
	flag.Parse()
	engines, err := loadgen.Engines(*engine)
	if err != nil {
		fmt.Fprintf(os.Stderr, "apiread: %v\n", err)
		os.Exit(2)
	}
	if o.concurrency < 1 || o.facilities < 1 || o.duration <= 0 {
		fmt.Fprintln(os.Stderr, "apiread: -concurrency, -facilities and -duration must be positive")
		os.Exit(2)
	}
	fmt.Printf("apiread: %s, %s/%s, GOMAXPROCS %d; %d clients, %s per measurement, %d facilities\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), o.concurrency, o.duration, o.facilities)
	failed := false
	for _, e := range engines {
		if err := run(context.Background(), e, o); err != nil {
			fmt.Fprintf(os.Stderr, "apiread: %s: %v\n", e, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// row is one line of an engine's table.
type row struct {
	what string
	res  loadgen.Result
}

// run sets up a fresh database of the engine and prints its table.
func run(ctx context.Context, engine string, o options) error {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	d, err := loadgen.NewDatabase(ctx, engine)
	if err != nil {
		return err
	}
	defer d.Cleanup()
	keys, cleanKeys, err := loadgen.NewKeys()
	if err != nil {
		return err
	}
	defer cleanKeys()
	db, err := store.Open(ctx, d.DSN, store.Options{Keys: keys, AuditKey: audit.NewKey()})
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := seed(ctx, db, keys, o.facilities, log)
	if err != nil {
		return err
	}
	warm := min(time.Second, o.duration/5)
	var rows []row

	// 1. The raw statement.
	raw, err := d.OpenRaw(s.tenantID, loadgen.Reader)
	if err != nil {
		return err
	}
	defer raw.Close()
	op := rawOp(raw, engine, s.tenantID, s.facilities)
	if err := op(ctx); err != nil {
		return fmt.Errorf("raw SQL: %w", err)
	}
	loadgen.Measure(o.concurrency, warm, op)
	res := loadgen.Measure(o.concurrency, o.duration, op)
	if err := res.Err(); err != nil {
		return fmt.Errorf("raw SQL: %w", err)
	}
	rows = append(rows, row{"raw SQL", res})

	client := loadgen.NewClient(o.concurrency)
	defer client.CloseIdleConnections()

	// 2. A bare net/http handler with a fixed small JSON body.
	body := []byte(`{"items":[],"next":null}` + "\n")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	res, err = serveAndMeasure(client, bare, "/", nil, o, warm, nil)
	if err != nil {
		return fmt.Errorf("bare net/http: %w", err)
	}
	rows = append(rows, row{"bare net/http", res})

	// 3. The real user listener.
	h, cleanup, err := loadgen.UserHandler(s.app, log)
	if err != nil {
		return err
	}
	defer cleanup()
	auth := http.Header{"Authorization": {"Bearer " + s.token}, "Accept": {"application/json"}}
	check := func(base string) error { return checkFacilities(client, base+"/api/v1/facilities", auth, s.facilities) }
	res, err = serveAndMeasure(client, h, "/api/v1/facilities", auth, o, warm, check)
	if err != nil {
		return fmt.Errorf("GET /api/v1/facilities: %w", err)
	}
	rows = append(rows, row{"renrakucho GET /api/v1/facilities", res})

	printTable(engine, rows)
	return nil
}

// serveAndMeasure serves h on 127.0.0.1:0, checks one request (with check,
// when not nil, given the base URL), warms up, then measures GET path with
// the shared client.
func serveAndMeasure(c *http.Client, h http.Handler, path string, header http.Header, o options, warm time.Duration,
	check func(base string) error) (loadgen.Result, error) {
	base, stop, err := loadgen.Serve(h)
	if err != nil {
		return loadgen.Result{}, err
	}
	defer stop()
	op := loadgen.GetOp(c, base+path, header)
	if err := op(context.Background()); err != nil {
		return loadgen.Result{}, err
	}
	if check != nil {
		if err := check(base); err != nil {
			return loadgen.Result{}, err
		}
	}
	loadgen.Measure(o.concurrency, warm, op)
	r := loadgen.Measure(o.concurrency, o.duration, op)
	return r, r.Err()
}

// checkFacilities GETs the facilities once and checks that the answer is
// the list of every facility, so the benchmark measures the real work.
func checkFacilities(c *http.Client, url string, header http.Header, want int) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header = header.Clone()
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK || len(body.Items) != want || body.Items[0].ID == "" || body.Items[0].Name == "" {
		return fmt.Errorf("GET %s: status %d, %d facilities, want 200 and %d", url, resp.StatusCode, len(body.Items), want)
	}
	return nil
}

func printTable(engine string, rows []row) {
	fmt.Printf("\n%s\n", engine)
	const format = "%-34s | %8s | %9s | %9s | %s\n"
	fmt.Printf(format, "what", "req/s", "p50", "p99", "ratio to raw SQL")
	fmt.Println(strings.Repeat("-", 34) + "-|-" + strings.Repeat("-", 8) + "-|-" + strings.Repeat("-", 9) + "-|-" +
		strings.Repeat("-", 9) + "-|-" + strings.Repeat("-", 16))
	base := rows[0].res.Rate()
	for _, r := range rows {
		fmt.Printf(format, r.what, fmt.Sprintf("%.0f", r.res.Rate()), loadgen.MS(r.res.P50), loadgen.MS(r.res.P99),
			fmt.Sprintf("%.2f", r.res.Rate()/base))
	}
	app := rows[len(rows)-1].res
	ratio := app.Rate() / base
	verdict := "PASS"
	var miss []string
	if ratio < targetRatio {
		miss = append(miss, fmt.Sprintf("ratio %.2f < %.2f", ratio, targetRatio))
	}
	if app.P99 > targetP99 {
		miss = append(miss, fmt.Sprintf("p99 %s > %s", loadgen.MS(app.P99), loadgen.MS(targetP99)))
	}
	if len(miss) > 0 {
		verdict = "MISS (" + strings.Join(miss, ", ") + ")"
	}
	const line = "target: ≥ 0.35 × raw query rate, p99 ≤ 10 ms (SQLite)"
	if engine == "sqlite" {
		fmt.Printf("%s: %s\n", line, verdict)
	} else {
		fmt.Printf("%s: not applied to %s; here it would be %s\n", line, engine, verdict)
	}
}
