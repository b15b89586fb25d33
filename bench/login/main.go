// Command login measures logins through the real application beside the
// raw argon2id rate at the same parameters, in one run on SQLite: raw
// argon2id (one hash per operation, as many workers as the app's), then
// POST /api/v1/sessions through the real user-listener stack (lockout
// reservation, password check, session, audit entry), then the peak
// memory of a burst of parallel logins, which the hasher's semaphore keeps
// flat. See bench/README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// targetRatio is the target: logins/s through the app at least
// 0.8 × the raw argon2id rate.
const targetRatio = 0.8

const benchPassword = "bench-Passw0rd-2026"

func main() {
	duration := flag.Duration("duration", 10*time.Second, "length of each rate measurement")
	conc := flag.Int("concurrency", 0, "concurrent workers for the rates (0: the hasher's bound, two per CPU)")
	burst := flag.Int("burst", 200, "parallel logins in the memory burst")
	flag.Parse()
	if *conc == 0 {
		*conc = 2 * runtime.NumCPU()
	}
	if *conc < 1 || *burst < 1 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "login: -concurrency, -burst and -duration must be positive")
		os.Exit(2)
	}
	if err := run(context.Background(), *duration, *conc, *burst); err != nil {
		fmt.Fprintf(os.Stderr, "login: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, d time.Duration, conc, burst int) error {
	p := auth.DefaultParams
	fmt.Printf("login: %s, %s/%s, GOMAXPROCS %d; argon2id m=%d MiB t=%d p=%d; %d workers, %s per rate in %d alternating rounds, burst of %d\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), p.Memory/1024, p.Time, p.Threads, conc, d, rounds, burst)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dbase, err := loadgen.NewDatabase(ctx, "sqlite")
	if err != nil {
		return err
	}
	defer dbase.Cleanup()
	db, err := store.Open(ctx, dbase.DSN, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	hasher := auth.NewHasher(p, 0)
	a := app.New(db, hasher, app.Options{Log: log, LoginThrottle: -1})
	members := max(burst, 64)
	if err := seed(ctx, a, db, hasher, members); err != nil {
		return err
	}
	h, cleanup, err := loadgen.UserHandler(a, log)
	if err != nil {
		return err
	}
	defer cleanup()
	base, stop, err := loadgen.Serve(h)
	if err != nil {
		return err
	}
	defer stop()

	// Raw: argon2id at the same parameters, nothing else.
	salt := []byte("0123456789abcdef")
	rawOp := func(context.Context) error {
		argon2.IDKey([]byte(benchPassword), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		return nil
	}
	client := loadgen.NewClient(conc)
	var next atomic.Int64
	body := func() []byte {
		i := next.Add(1) % int64(members)
		return []byte(fmt.Sprintf(`{"tenant":"bench","login_id":"member%03d","password":"%s"}`, i, benchPassword))
	}
	login := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/sessions", bytes.NewReader(body()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("login: status %d", resp.StatusCode)
		}
		return nil
	}
	// The two alternate in rounds, so a change in the machine's load
	// during the run falls on both alike.
	var raw, got loadgen.Result
	for range rounds {
		r := loadgen.Measure(conc, d/rounds, rawOp)
		g := loadgen.Measure(conc, d/rounds, login)
		if err := g.Err(); err != nil {
			return err
		}
		raw, got = add(raw, r), add(got, g)
	}
	ratio := got.Rate() / raw.Rate()
	fmt.Printf("%-34s %10s %10s %10s\n", "", "ops/s", "p50 (worst round)", "p99")
	fmt.Printf("%-34s %10.1f %10s %10s\n", "raw argon2id (IDKey)", raw.Rate(), loadgen.MS(raw.P50), loadgen.MS(raw.P99))
	fmt.Printf("%-34s %10.1f %10s %10s\n", "POST /api/v1/sessions (app)", got.Rate(), loadgen.MS(got.P50), loadgen.MS(got.P99))
	verdict := "meets"
	if ratio < targetRatio {
		verdict = "MISSES"
	}
	fmt.Printf("app / raw = %.2f (%s the target of ≥ %.1f)\n", ratio, verdict, targetRatio)

	// The bursts: peak resident memory with a tenth of the burst at once,
	// then the whole burst. The hasher's semaphore bounds the argon2id
	// memory in flight, so the two peaks should be alike.
	small := max(1, burst/10)
	for _, n := range []int{small, burst} {
		peak, before, took, reset, err := burstPeak(ctx, base, body, n)
		if err != nil {
			return err
		}
		note := ", peak not resettable"
		if reset {
			note = ""
		}
		fmt.Printf("burst of %3d parallel logins: %8s; peak RSS %4d MiB (%d MiB before%s)\n",
			n, took.Round(time.Millisecond), peak/1024, before/1024, note)
	}
	fmt.Printf("hasher bound: %d slots × %d MiB = %d MiB of argon2id memory at once\n",
		2*runtime.NumCPU(), p.Memory/1024, 2*runtime.NumCPU()*int(p.Memory/1024))
	if ratio < targetRatio {
		return fmt.Errorf("app / raw = %.2f, below %.1f", ratio, targetRatio)
	}
	return nil
}

// burstPeak fires n parallel logins and returns the peak RSS during them
// (kB), the RSS before, how long they took and whether the peak could be
// reset before the burst (Linux /proc/self/clear_refs).
func burstPeak(ctx context.Context, base string, body func() []byte, n int) (peak, before int, took time.Duration, reset bool, err error) {
	runtime.GC()
	debug.FreeOSMemory()
	reset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	before = vmKB("VmRSS")
	c := loadgen.NewClient(n)
	c.Timeout = 10 * time.Minute // the logins queue for the hasher's slots
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/sessions", bytes.NewReader(body()))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				errs <- fmt.Errorf("burst login: status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	took = time.Since(start)
	close(errs)
	for e := range errs {
		return 0, 0, 0, false, e
	}
	return vmKB("VmHWM"), before, took, reset, nil
}

// rounds is how many times the raw and the app measurements alternate.
const rounds = 3

// add sums two measurements' counts and times; the percentiles kept are
// the worse of the two.
func add(a, b loadgen.Result) loadgen.Result {
	return loadgen.Result{N: a.N + b.N, Errors: a.Errors + b.Errors, Elapsed: a.Elapsed + b.Elapsed,
		P50: max(a.P50, b.P50), P99: max(a.P99, b.P99)}
}

// seed makes one tenant with n members. The members are written through
// the store with one hash made by the hasher, so seeding costs one
// argon2id hash rather than n; every login still checks its password at
// the full parameters. Many members, because the lockout reserves each
// attempt before the check: one account logging in more than the
// threshold's times at once is refused by design.
func seed(ctx context.Context, a *app.App, db *store.DB, hasher *auth.Hasher, n int) error {
	cli := care.Origin{IP: "127.0.0.1", UserAgent: "bench/login", Listener: care.AdminListener}
	op, err := a.InitOperator(ctx, "operator", "運用 太郎", "", benchPassword, cli)
	if err != nil {
		return fmt.Errorf("init operator: %w", err)
	}
	ct, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: "bench", Name: "ベンチ市", AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: benchPassword})
	if err != nil {
		return fmt.Errorf("create tenant: %w", err)
	}
	hash, err := hasher.Hash(ctx, benchPassword)
	if err != nil {
		return err
	}
	return db.InTenant(ctx, ct.Tenant.ID, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			u := care.User{LoginID: fmt.Sprintf("member%03d", i), Name: "看護 次郎", Profession: "nurse",
				Role: care.RoleMember, Facilities: []string{ct.Facility.ID}}
			if err := tx.CreateUser(ctx, &u, hash); err != nil {
				return fmt.Errorf("create member: %w", err)
			}
		}
		return nil
	})
}

// vmKB reads a kB field of /proc/self/status (0 where there is none).
func vmKB(field string) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			var n int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &n)
			return n
		}
	}
	return 0
}
