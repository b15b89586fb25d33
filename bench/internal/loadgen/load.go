// Package loadgen is what renrakucho's benchmark programs share: the load
// generator (concurrent workers, every latency recorded, nearest-rank
// percentiles), the HTTP client and request helpers, a fresh database of
// either engine with a raw database/sql pool beside the store's, and the
// real user listener's handler. See bench/README.md.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Result is one measurement: operations per second and latency
// percentiles.
type Result struct {
	N        int
	Errors   int64
	Elapsed  time.Duration
	P50, P99 time.Duration
	FirstErr error
	// CPU is the user and system CPU time the whole process used during
	// the run (server and clients alike, when both are in this process).
	CPU time.Duration
}

// CPUPerOp is the process's CPU time per successful operation. Unlike the
// rate, it hardly depends on what else the machine runs.
func (r Result) CPUPerOp() time.Duration {
	if r.N == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.N)
}

// ProcessCPU returns the user and system CPU time the process has used.
func ProcessCPU() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// ThreadCPU returns the user and system CPU time the calling OS thread has
// used; the caller locks its goroutine to the thread
// (runtime.LockOSThread). Linux only.
func ThreadCPU() time.Duration { return rusage(rusageThread) }

// rusageThread is Linux's RUSAGE_THREAD.
const rusageThread = 1

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Rate is the number of successful operations per second.
func (r Result) Rate() float64 { return float64(r.N) / r.Elapsed.Seconds() }

// Err returns nil, or an error that counts the failed operations and wraps
// the first failure.
func (r Result) Err() error {
	if r.Errors == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d operations failed, the first with: %w", r.Errors, int64(r.N)+r.Errors, r.FirstErr)
}

// Measure runs op in conc goroutines, each looping until d has passed, and
// records every latency in a slice preallocated per goroutine so that the
// recording itself allocates nothing. A failed operation is counted, not
// timed.
func Measure(conc int, d time.Duration, op func(ctx context.Context) error) Result {
	ctx := context.Background()
	perWorker := int(d.Seconds()*50_000/float64(conc)) + 1024
	lat := make([][]time.Duration, conc)
	for i := range lat {
		lat[i] = make([]time.Duration, 0, perWorker)
	}
	var (
		errs     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	cpu0 := ProcessCPU()
	start := time.Now()
	deadline := start.Add(d)
	for i := range conc {
		wg.Go(func() {
			l := lat[i]
			for {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				if err := op(ctx); err != nil {
					errs.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				l = append(l, time.Since(t0))
			}
			lat[i] = l
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := ProcessCPU() - cpu0
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	r := Result{N: len(all), Errors: errs.Load(), Elapsed: elapsed, FirstErr: firstErr, CPU: cpu}
	r.P50, r.P99 = Percentiles(all)
	return r
}

// Percentiles sorts the latencies in place and returns their nearest-rank
// p50 and p99 (zero for none).
func Percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	return lat[PercentileIndex(len(lat), 0.50)], lat[PercentileIndex(len(lat), 0.99)]
}

// PercentileIndex is the nearest-rank index of percentile p in n sorted
// values.
func PercentileIndex(n int, p float64) int {
	i := int(float64(n)*p+0.5) - 1
	return max(0, min(i, n-1))
}

// NewClient returns an HTTP client for conc workers: keep-alive
// connections, as many idle ones per host as there are workers.
func NewClient(conc int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        conc,
			MaxIdleConnsPerHost: conc,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// GetOp returns an operation that GETs url with the headers, reads the
// whole body and expects 200.
func GetOp(c *http.Client, url string, header http.Header) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header = header.Clone()
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
		}
		return nil
	}
}

// MS formats a duration in milliseconds with three significant places.
func MS(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	case v >= 1:
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.3f ms", v)
}
