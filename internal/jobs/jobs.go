// Package jobs runs renrakucho's background jobs (the retention purge, and
// later mail, exports, alert escalation) on every node, safely: before
// each run a node takes the job's lease in the shared database until the
// end of the current period, so however many nodes run, a job runs once
// per period. A run that fails is logged, recorded with the lease, and
// tried again at the next tick; a node that dies mid-run leaves a lease
// that runs out at the end of its period, when another node takes over.
//
// Periods are aligned to the clock (a daily job's period is a UTC day), so
// nodes started at different times still agree on them. The package uses
// the standard library only; the database comes in through Leases, which
// *store.DB satisfies.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Job is one background job.
type Job struct {
	// Name identifies the job and its lease across nodes.
	Name string
	// Every is the period: the job runs at most once per period of this
	// length, and each node tries once per period.
	Every time.Duration
	// Run does the work; now is the clock reading the lease was taken at.
	// It should stop when ctx is done.
	Run func(ctx context.Context, now time.Time) error
}

// Leases are the job leases of the shared database.
type Leases interface {
	// AcquireLease takes the job's lease for holder until the time given,
	// unless another holds it, and reports whether it did.
	AcquireLease(ctx context.Context, name, holder string, until time.Time) (bool, error)
	// FinishLease records the end of the holder's run ("" for success).
	FinishLease(ctx context.Context, name, holder, lastErr string) error
	// Now is the database's clock.
	Now() time.Time
}

// maxFirstDelay bounds the wait before a job's first run after start.
const maxFirstDelay = 30 * time.Second

// maxErrorLen bounds the error text recorded with a lease.
const maxErrorLen = 1000

// Run runs the jobs until ctx is done: each shortly after start, then
// every Every, each run only when this node gets the job's lease for the
// period. It returns once ctx is done and no run is in progress. log may
// be nil.
func Run(ctx context.Context, leases Leases, log *slog.Logger, jobs ...Job) {
	if log == nil {
		log = slog.Default()
	}
	holder := holderID()
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.Name == "" || j.Every <= 0 || j.Run == nil {
			log.Error("jobs: job skipped: it needs a name, a positive period and a function", "job", j.Name, "every", j.Every)
			continue
		}
		wg.Go(func() { loop(ctx, leases, log, holder, j) })
	}
	wg.Wait()
}

// loop ticks for one job until ctx is done.
func loop(ctx context.Context, leases Leases, log *slog.Logger, holder string, j Job) {
	first := time.NewTimer(min(j.Every/10, maxFirstDelay))
	defer first.Stop()
	select {
	case <-ctx.Done():
		return
	case <-first.C:
	}
	tick := time.NewTicker(j.Every)
	defer tick.Stop()
	for {
		runOnce(ctx, leases, log, holder, j)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// runOnce runs the job if this node gets its lease for the current period.
func runOnce(ctx context.Context, leases Leases, log *slog.Logger, holder string, j Job) {
	now := leases.Now()
	until := now.Truncate(j.Every).Add(j.Every)
	ok, err := leases.AcquireLease(ctx, j.Name, holder, until)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("jobs: taking the lease failed; trying again at the next tick", "job", j.Name, "err", err)
		}
		return
	}
	if !ok {
		log.Debug("jobs: another node runs this period", "job", j.Name)
		return
	}
	start := time.Now()
	err = call(ctx, j, now)
	var msg string
	if err != nil {
		msg = err.Error()
		if len(msg) > maxErrorLen {
			msg = msg[:maxErrorLen]
		}
		log.Error("jobs: run failed; trying again at the next tick", "job", j.Name, "err", err,
			"duration", time.Since(start))
	} else {
		log.Info("jobs: run done", "job", j.Name, "duration", time.Since(start))
	}
	// Record the outcome even when shutting down: the run happened.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := leases.FinishLease(fctx, j.Name, holder, msg); err != nil {
		log.Error("jobs: recording the run failed", "job", j.Name, "err", err)
	}
}

// call runs the job, turning a panic into an error so one broken job
// neither stops the node nor its other jobs.
func call(ctx context.Context, j Job, now time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: %s panicked: %v", j.Name, p)
		}
	}()
	return j.Run(ctx, now)
}

// holderID names this runner in the leases: host, process and a random
// part, so two runners of one process are two holders too.
func holderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}
