package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

func TestAcquireLease(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
			db := storetest.Open(t, engine, clock.Now)
			acquire := func(holder string, until time.Time) bool {
				t.Helper()
				ok, err := db.AcquireLease(ctx, "purge", holder, until)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			lease := func() store.JobLease {
				t.Helper()
				var l store.JobLease
				err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
					var err error
					l, err = ptx.JobLease(ctx, "purge")
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			end := clock.Now().Add(time.Hour)

			t.Run("OKFirst", func(t *testing.T) {
				if !acquire("a", end) {
					t.Fatal("the first node did not get a lease nobody held")
				}
				if l := lease(); l.Holder != "a" || !l.Until.Equal(end) || l.LastRun != nil || l.LastError != "" {
					t.Fatalf("lease %+v", l)
				}
			})
			t.Run("ErrHeld", func(t *testing.T) {
				if acquire("b", end.Add(time.Hour)) {
					t.Fatal("b took a lease that a holds")
				}
				if acquire("a", end.Add(time.Hour)) {
					t.Fatal("a took its own lease again before it ran out")
				}
				if l := lease(); l.Holder != "a" || !l.Until.Equal(end) {
					t.Fatalf("a refused acquisition changed the lease: %+v", l)
				}
			})
			t.Run("Finish", func(t *testing.T) {
				if err := db.FinishLease(ctx, "purge", "b", "not mine"); err != nil {
					t.Fatal(err)
				}
				if l := lease(); l.LastRun != nil || l.LastError != "" {
					t.Fatalf("a node without the lease recorded a run: %+v", l)
				}
				clock.Advance(time.Minute)
				if err := db.FinishLease(ctx, "purge", "a", "boom"); err != nil {
					t.Fatal(err)
				}
				l := lease()
				if l.LastRun == nil || !l.LastRun.Equal(clock.Now()) || l.LastError != "boom" || l.Holder != "a" || !l.Until.Equal(end) {
					t.Fatalf("after finishing: %+v", l)
				}
				// Finishing keeps the lease to the end of its period.
				if acquire("b", end.Add(time.Hour)) {
					t.Fatal("b took the lease after a finished, before it ran out")
				}
			})
			t.Run("OKExpired", func(t *testing.T) {
				clock.Advance(end.Sub(clock.Now())) // exactly at the end: it has run out
				next := end.Add(time.Hour)
				if !acquire("b", next) {
					t.Fatal("b did not get a lease that ran out")
				}
				if l := lease(); l.Holder != "b" || !l.Until.Equal(next) || l.LastError != "boom" {
					t.Fatalf("lease %+v", l)
				}
				if acquire("a", next) {
					t.Fatal("a took b's lease")
				}
			})
			t.Run("OneOfMany", func(t *testing.T) {
				clock.Advance(2 * time.Hour)
				until := clock.Now().Add(time.Hour)
				var wg sync.WaitGroup
				var mu sync.Mutex
				won := 0
				for i := range 8 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ok, err := db.AcquireLease(ctx, "purge", fmt.Sprint("node", i), until)
						if err != nil {
							t.Error(err)
						}
						if ok {
							mu.Lock()
							won++
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				if won != 1 {
					t.Fatalf("%d nodes took the lease at once, want 1", won)
				}
			})
			t.Run("ErrNotFound", func(t *testing.T) {
				err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
					_, err := ptx.JobLease(ctx, "nonexistent")
					return err
				})
				if care.ErrorCode(err) != care.ENotFound {
					t.Fatalf("got %v, want not found", err)
				}
			})
		})
	}
}

func TestEndedRetentionYears(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, _, _, _, _ := seed(t, db)
		years := func(tenant string) int {
			t.Helper()
			var n int
			err := db.ReadTenant(ctx, tenant, func(tx *store.Tx) error {
				var err error
				n, err = tx.EndedRetentionYears(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := years(a.ID); n != 5 {
			t.Fatalf("default %d, want 5", n)
		}
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error { return tx.SetEndedRetentionYears(ctx, 7) })
		if err != nil {
			t.Fatal(err)
		}
		if n := years(a.ID); n != 7 {
			t.Fatalf("after setting: %d, want 7", n)
		}
		if n := years(b.ID); n != 5 {
			t.Fatalf("the other tenant's setting changed to %d", n)
		}
	})
}
