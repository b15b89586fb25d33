package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/jobs"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// every is the period of the test jobs: short, so a test sees many.
const every = 100 * time.Millisecond

// nodes opens n handles on one fresh, migrated database of the engine, as
// n nodes of one deployment would.
func nodes(t *testing.T, engine string, n int) []*store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.DSN(t, engine)
	var out []*store.DB
	for i := range n {
		db, err := store.Open(ctx, dsn, store.Options{Synchronous: "NORMAL", AuditKey: storetest.Key})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, db)
	}
	return out
}

// logBuffer collects the runners' logs.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// start runs the runners in the background; the returned function stops
// them and waits until they have returned.
func start(t *testing.T, runners ...func(ctx context.Context)) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() { r(ctx) })
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("jobs.Run did not return after its context was cancelled")
		}
	}
	t.Cleanup(stop)
	return stop
}

func lease(t *testing.T, db *store.DB, name string) store.JobLease {
	t.Helper()
	var l store.JobLease
	err := db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		var err error
		l, err = ptx.JobLease(context.Background(), name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRun(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Run("OnePerPeriod", func(t *testing.T) { testOnePerPeriod(t, engine) })
			t.Run("RetryAfterFailure", func(t *testing.T) { testRetry(t, engine) })
			t.Run("Panic", func(t *testing.T) { testPanic(t, engine) })
			t.Run("Stop", func(t *testing.T) { testStop(t, engine) })
		})
	}
}

// testOnePerPeriod runs the same job on two nodes of one database: each
// period, exactly one of them runs it.
func testOnePerPeriod(t *testing.T, engine string) {
	dbs := nodes(t, engine, 2)
	log, _ := newLog()
	var mu sync.Mutex
	byPeriod := map[time.Time][]string{}
	byNode := map[string]int{}
	job := func(node string) jobs.Job {
		return jobs.Job{Name: "count", Every: every, Run: func(ctx context.Context, now time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			p := now.Truncate(every)
			byPeriod[p] = append(byPeriod[p], node)
			byNode[node]++
			return nil
		}}
	}
	stop := start(t,
		func(ctx context.Context) { jobs.Run(ctx, dbs[0], log, job("a")) },
		func(ctx context.Context) { jobs.Run(ctx, dbs[1], log, job("b")) })
	time.Sleep(12 * every)
	stop()
	mu.Lock()
	defer mu.Unlock()
	for p, ns := range byPeriod {
		if len(ns) > 1 {
			t.Errorf("period %s ran %d times, by %v", p.Format("15:04:05.000"), len(ns), ns)
		}
	}
	// Both nodes try every period, so about 12 periods ran; allow for a
	// slow machine, but not for a runner that runs only once.
	if len(byPeriod) < 5 {
		t.Errorf("the job ran in %d periods of about 12 (by node: %v)", len(byPeriod), byNode)
	}
	if l := lease(t, dbs[0], "count"); l.LastRun == nil || l.LastError != "" {
		t.Errorf("lease %+v, want a last run without error", l)
	}
}

// testRetry: a run that fails is logged and recorded, and the job runs
// again at the next tick.
func testRetry(t *testing.T, engine string) {
	db := nodes(t, engine, 1)[0]
	log, logs := newLog()
	var mu sync.Mutex
	var calls []time.Time
	var recorded string // the lease's error as the second run found it
	job := jobs.Job{Name: "flaky", Every: every, Run: func(ctx context.Context, now time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, now)
		switch len(calls) {
		case 1:
			return errors.New("boom: the database was away")
		case 2:
			recorded = lease(t, db, "flaky").LastError
		}
		return nil
	}}
	stop := start(t, func(ctx context.Context) { jobs.Run(ctx, db, log, job) })
	waitFor(t, "the second run", func() bool { mu.Lock(); defer mu.Unlock(); return len(calls) >= 2 })
	stop()
	mu.Lock()
	defer mu.Unlock()
	if recorded != "boom: the database was away" {
		t.Errorf("the failure recorded with the lease is %q", recorded)
	}
	if !calls[1].Truncate(every).After(calls[0].Truncate(every)) {
		t.Errorf("the retry at %s is in the failed run's period (%s)", calls[1], calls[0])
	}
	if !strings.Contains(logs.String(), "boom: the database was away") {
		t.Errorf("the failure was not logged:\n%s", logs)
	}
	if l := lease(t, db, "flaky"); l.LastError != "" || l.LastRun == nil {
		t.Errorf("after the successful retry the lease is %+v", l)
	}
}

// testPanic: a job that panics is a failed run, not a dead node.
func testPanic(t *testing.T, engine string) {
	db := nodes(t, engine, 1)[0]
	log, _ := newLog()
	var mu sync.Mutex
	n := 0
	var recorded string
	job := jobs.Job{Name: "panicky", Every: every, Run: func(ctx context.Context, now time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 1 {
			panic("nil map")
		}
		if n == 2 {
			recorded = lease(t, db, "panicky").LastError
		}
		return nil
	}}
	stop := start(t, func(ctx context.Context) { jobs.Run(ctx, db, log, job) })
	waitFor(t, "the run after the panic", func() bool { mu.Lock(); defer mu.Unlock(); return n >= 2 })
	stop()
	if !strings.Contains(recorded, "panicked: nil map") {
		t.Errorf("the panic recorded with the lease is %q", recorded)
	}
}

// testStop: cancelling the context ends a run in progress and Run returns;
// the interrupted run is still recorded.
func testStop(t *testing.T, engine string) {
	db := nodes(t, engine, 1)[0]
	log, _ := newLog()
	started := make(chan struct{})
	job := jobs.Job{Name: "long", Every: 10 * time.Second, // the first run after 1 s
		Run: func(ctx context.Context, now time.Time) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}}
	stop := start(t, func(ctx context.Context) { jobs.Run(ctx, db, log, job) })
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the first run did not start")
	}
	stop()
	if l := lease(t, db, "long"); l.LastRun == nil || l.LastError != context.Canceled.Error() {
		t.Errorf("the interrupted run: lease %+v", l)
	}
}
