package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

func lockFor(earlier int) time.Duration { return time.Duration(earlier+1) * 15 * time.Minute }

func reserve(t *testing.T, db *store.DB, scope, login string) store.Attempt {
	t.Helper()
	var a store.Attempt
	err := db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		var err error
		a, err = ptx.ReserveLogin(context.Background(), scope, login, 3, lockFor)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReserveLogin(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
			db := storetest.Open(t, engine, clock.Now)
			for i := 1; i <= 2; i++ {
				if a := reserve(t, db, "t1", "nurse"); a.N != i || a.Locked || a.NewLock {
					t.Fatalf("attempt %d: %+v", i, a)
				}
			}
			a := reserve(t, db, "t1", "nurse")
			if a.N != 3 || a.Locked || !a.NewLock || a.Locks != 1 || !a.LockedUntil.Equal(clock.Now().Add(15*time.Minute)) {
				t.Fatalf("the attempt at the threshold: %+v", a)
			}
			if a := reserve(t, db, "t1", "nurse"); !a.Locked {
				t.Fatalf("past the threshold: %+v", a)
			}
			if a := reserve(t, db, "t2", "nurse"); a.N != 1 || a.Locked {
				t.Fatalf("another scope: %+v", a)
			}
			clock.Advance(15 * time.Minute)
			if a := reserve(t, db, "t1", "nurse"); a.N != 1 || a.Locked || a.Locks != 1 {
				t.Fatalf("after the lock: %+v", a)
			}
			reserve(t, db, "t1", "nurse")
			if a := reserve(t, db, "t1", "nurse"); !a.NewLock || a.Locks != 2 || !a.LockedUntil.Equal(clock.Now().Add(30*time.Minute)) {
				t.Fatalf("the second lock: %+v", a)
			}
			err := db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
				n, _, locked, err := ptx.LoginFailures(context.Background(), "t1", "nurse")
				if err != nil || n != 3 || !locked {
					t.Errorf("LoginFailures = %d, %v, %v", n, locked, err)
				}
				return ptx.ClearLogin(context.Background(), "t1", "nurse")
			})
			if err != nil {
				t.Fatal(err)
			}
			if a := reserve(t, db, "t1", "nurse"); a.N != 1 || a.Locked || a.Locks != 0 {
				t.Fatalf("after a clear: %+v", a)
			}
		})
	}
}

// TestReserveLoginRace: of 200 concurrent reservations at most the
// threshold may check a password, on either engine.
func TestReserveLoginRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			checked int
			newLock int
		)
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var a store.Attempt
				err := db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
					var err error
					a, err = ptx.ReserveLogin(context.Background(), "t1", "ghost", 3, lockFor)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if !a.Locked {
					checked++
				}
				if a.NewLock {
					newLock++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if checked != 3 || newLock != 1 {
			t.Fatalf("%d reservations may check, %d set the lock; want 3 and 1", checked, newLock)
		}
	})
}
