package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is one measurement: operations per second and latency percentiles.
type result struct {
	n        int
	errors   int64
	elapsed  time.Duration
	p50, p99 time.Duration
	firstErr error
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// measure runs op in conc goroutines, each looping until d has passed, and
// records every latency in a slice preallocated per goroutine so that the
// recording itself allocates nothing. A failed operation is counted, not
// timed.
func measure(conc int, d time.Duration, op func(ctx context.Context) error) result {
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
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	r := result{n: len(all), errors: errs.Load(), elapsed: elapsed, firstErr: firstErr}
	if len(all) > 0 {
		r.p50 = all[percentileIndex(len(all), 0.50)]
		r.p99 = all[percentileIndex(len(all), 0.99)]
	}
	return r
}

// percentileIndex is the nearest-rank index of percentile p in n sorted values.
func percentileIndex(n int, p float64) int {
	i := int(float64(n)*p+0.5) - 1
	return max(0, min(i, n-1))
}

// newClient returns the one HTTP client every load generator shares: keep-
// alive connections, as many idle ones per host as there are workers.
func newClient(conc int) *http.Client {
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

// getOp returns an operation that GETs url with the headers, reads the
// whole body and expects 200.
func getOp(c *http.Client, url string, header http.Header) func(context.Context) error {
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
