package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

func TestFactors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, _, _, ua, _ := seed(t, db)
		in := func(tenant string, fn func(f store.Factors) error) error {
			return db.InTenant(ctx, tenant, func(tx *store.Tx) error { return fn(tx.Factors()) })
		}
		secret := []byte("0123456789abcdefghij")
		t.Run("OK", func(t *testing.T) {
			if err := in(a.ID, func(f store.Factors) error { return f.SetTOTPSecret(ctx, ua.ID, secret) }); err != nil {
				t.Fatal(err)
			}
			var got []byte
			var st store.TOTP
			err := in(a.ID, func(f store.Factors) error {
				var err error
				if got, err = f.TOTPSecret(ctx, ua.ID); err != nil {
					return err
				}
				st, err = f.TOTP(ctx, ua.ID)
				return err
			})
			if err != nil || string(got) != string(secret) || st.Confirmed {
				t.Fatalf("secret %q, state %+v, %v", got, st, err)
			}
		})
		t.Run("ErrOtherTenant", func(t *testing.T) {
			err := in(b.ID, func(f store.Factors) error { _, err := f.TOTPSecret(ctx, ua.ID); return err })
			if care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("beta read alpha's secret: %v", err)
			}
			if err := in(b.ID, func(f store.Factors) error { return f.DeletePasskey(ctx, ua.ID, "x") }); care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("delete: %v", err)
			}
		})
		t.Run("StepAcceptedOnceUnderRace", func(t *testing.T) {
			var (
				wg  sync.WaitGroup
				mu  sync.Mutex
				won int
			)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := in(a.ID, func(f store.Factors) error {
						ok, err := f.AcceptTOTPStep(ctx, ua.ID, 1000)
						if ok {
							mu.Lock()
							won++
							mu.Unlock()
						}
						return err
					})
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if won != 1 {
				t.Fatalf("step accepted %d times", won)
			}
			var ok bool
			in(a.ID, func(f store.Factors) error { ok, _ = f.AcceptTOTPStep(ctx, ua.ID, 999); return nil })
			if ok {
				t.Fatal("an earlier step was accepted after a later one")
			}
		})
		t.Run("RecoveryCodesAndPasskeys", func(t *testing.T) {
			err := in(a.ID, func(f store.Factors) error {
				if err := f.SetRecoveryCodes(ctx, ua.ID, []string{"h1", "h2"}); err != nil {
					return err
				}
				if ok, err := f.UseRecoveryCode(ctx, ua.ID, "h1"); err != nil || !ok {
					t.Errorf("first use: %v %v", ok, err)
				}
				if ok, _ := f.UseRecoveryCode(ctx, ua.ID, "h1"); ok {
					t.Error("a recovery code was used twice")
				}
				if n, err := f.RecoveryCodesLeft(ctx, ua.ID); err != nil || n != 1 {
					t.Errorf("left %d %v", n, err)
				}
				if err := f.AddPasskey(ctx, store.Passkey{ID: "cred1", UserID: ua.ID, Name: "タブレット", Credential: `{}`}); err != nil {
					return err
				}
				if err := f.UsePasskey(ctx, ua.ID, "cred1", `{"n":1}`); err != nil {
					return err
				}
				ps, err := f.Passkeys(ctx, ua.ID)
				if err != nil || len(ps) != 1 || ps[0].Credential != `{"n":1}` || ps[0].LastUsedAt == nil {
					t.Errorf("passkeys %+v %v", ps, err)
				}
				n, err := f.DeleteAll(ctx, ua.ID)
				if err != nil || n != 2 {
					t.Errorf("deleted %d factors, %v", n, err)
				}
				if n, _ := f.RecoveryCodesLeft(ctx, ua.ID); n != 0 {
					t.Errorf("%d recovery codes left after DeleteAll", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("OperatorFactors", func(t *testing.T) {
			err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
				return ptx.OperatorFactors().SetTOTPSecret(ctx, "op-1", secret)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := in(a.ID, func(f store.Factors) error { _, err := f.TOTPSecret(ctx, "op-1"); return err }); care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("a tenant read an operator's secret: %v", err)
			}
		})
		t.Run("SessionPolicy", func(t *testing.T) {
			err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
				return tx.SetSessionPolicy(ctx, store.SessionPolicy{IdleTimeout: 5 * time.Minute, FactorRequired: true})
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				tenant string
				want   store.SessionPolicy
			}{{a.ID, store.SessionPolicy{IdleTimeout: 5 * time.Minute, FactorRequired: true}}, {b.ID, store.SessionPolicy{IdleTimeout: 15 * time.Minute}}} {
				var p store.SessionPolicy
				db.ReadTenant(ctx, tc.tenant, func(tx *store.Tx) error { p, err = tx.SessionPolicy(ctx); return err })
				if err != nil || p != tc.want {
					t.Errorf("policy %+v %v, want %+v", p, err, tc.want)
				}
			}
		})
	})
}
