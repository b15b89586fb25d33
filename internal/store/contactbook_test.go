package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

func newResident(t testing.TB, db *store.DB, tenantID, facilityID, userID, name string) care.Resident {
	t.Helper()
	r := care.Resident{FacilityID: facilityID, Name: name, Kana: "サトウ ハナ", BirthDate: "1938-04-01", Sex: "female",
		CareLevel: "care2", CreatedBy: userID}
	err := db.InTenant(context.Background(), tenantID, func(tx *store.Tx) error {
		if err := tx.CreateResident(context.Background(), &r); err != nil {
			return err
		}
		now := tx.Now()
		return tx.PutTeamMember(context.Background(), care.TeamMember{ResidentID: r.ID, UserID: userID, Status: care.TeamActive,
			InvitedBy: userID, CreatedAt: now, JoinedAt: &now})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResidentStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, fa, _, ua, ub := seed(t, db)
		r := newResident(t, db, a.ID, fa.ID, ua.ID, "佐藤 ハナ")
		t.Run("ResidentFor", func(t *testing.T) {
			err := db.ReadTenant(ctx, a.ID, func(tx *store.Tx) error {
				got, m, err := tx.ResidentFor(ctx, r.ID, ua.ID)
				if err != nil {
					return err
				}
				if got.Name != "佐藤 ハナ" || got.Version != 1 || got.ConsentActive || got.Ended() {
					t.Errorf("resident %+v", got)
				}
				if m.Status != care.TeamActive || !m.UserActive || !m.InFacility {
					t.Errorf("standing %+v", m)
				}
				_, m, err = tx.ResidentFor(ctx, r.ID, "nobody")
				if err != nil || m.Status != "" || m.UserActive || m.InFacility {
					t.Errorf("a stranger's standing %+v %v", m, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrOtherTenant", func(t *testing.T) {
			err := db.ReadTenant(ctx, b.ID, func(tx *store.Tx) error {
				_, _, err := tx.ResidentFor(ctx, r.ID, ub.ID)
				return err
			})
			if care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("got %v, want not found", err)
			}
			err = db.InTenant(ctx, b.ID, func(tx *store.Tx) error {
				stale := r
				return tx.UpdateResident(ctx, &stale)
			})
			if care.ErrorCode(err) != care.EConflict {
				t.Fatalf("update through another tenant: %v", err)
			}
		})
		t.Run("OptimisticUpdate", func(t *testing.T) {
			err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
				x := r
				x.Phone = "045-000-0000"
				if err := tx.UpdateResident(ctx, &x); err != nil || x.Version != 2 {
					return fmt.Errorf("first update: %v %d", err, x.Version)
				}
				y := r // still version 1
				y.Phone = "090"
				if err := tx.UpdateResident(ctx, &y); care.AsError(err).Key != "error.stale" {
					return fmt.Errorf("stale update: %v", err)
				}
				got, err := tx.Resident(ctx, r.ID)
				if err != nil || got.Phone != "045-000-0000" || got.Version != 2 {
					return fmt.Errorf("stored %+v %v", got, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("Consent", func(t *testing.T) {
			err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
				c := care.Consent{ResidentID: r.ID, Method: "written", ObtainedAt: "2026-01-01", ObtainedBy: "x", RecordedBy: ua.ID}
				if err := tx.CreateConsent(ctx, &c); err != nil {
					return err
				}
				if got, _ := tx.Resident(ctx, r.ID); !got.ConsentActive {
					return fmt.Errorf("consent not active")
				}
				if err := tx.RevokeConsent(ctx, r.ID, c.ID, ua.ID); err != nil {
					return err
				}
				if err := tx.RevokeConsent(ctx, r.ID, c.ID, ua.ID); care.ErrorCode(err) != care.EConflict {
					return fmt.Errorf("second revocation: %v", err)
				}
				if err := tx.RevokeConsent(ctx, r.ID, "nope", ua.ID); care.ErrorCode(err) != care.ENotFound {
					return fmt.Errorf("unknown consent: %v", err)
				}
				if got, _ := tx.Resident(ctx, r.ID); got.ConsentActive {
					return fmt.Errorf("revoked consent still active")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestPostStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, fa, _, ua, ub := seed(t, db)
		r := newResident(t, db, a.ID, fa.ID, ua.ID, "佐藤 ハナ")
		var ids []string
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			for i := range 5 {
				p := care.Post{ResidentID: r.ID, AuthorID: ua.ID, Category: "notice", Importance: "normal",
					Body: fmt.Sprintf("記事%d 100%% <b>&", i), Template: care.TemplateHandover,
					Fields: map[string]string{"cautions": "嚥下 <注意> & \"引用\""}, Addressees: []string{ua.ID}}
				if err := tx.CreatePost(ctx, &p); err != nil {
					return err
				}
				ids = append(ids, p.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(ids)
		t.Run("Keyset", func(t *testing.T) {
			err := db.ReadTenant(ctx, a.ID, func(tx *store.Tx) error {
				first, err := tx.Posts(ctx, store.PostFilter{ResidentID: r.ID, Limit: 2}, ua.ID)
				if err != nil {
					return err
				}
				rest, err := tx.Posts(ctx, store.PostFilter{ResidentID: r.ID, Before: first[1].ID, Limit: 10}, ua.ID)
				if err != nil {
					return err
				}
				var got []string
				for _, p := range append(first, rest...) {
					got = append(got, p.ID)
				}
				if !slices.Equal(got, ids) {
					return fmt.Errorf("got %v, want %v", got, ids)
				}
				p := first[0]
				if p.Fields["cautions"] != "嚥下 <注意> & \"引用\"" || !slices.Equal(p.Addressees, []string{ua.ID}) || p.AuthorName != ua.Name {
					return fmt.Errorf("round trip %+v", p)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrOtherTenant", func(t *testing.T) {
			err := db.ReadTenant(ctx, b.ID, func(tx *store.Tx) error {
				if _, err := tx.Post(ctx, ids[0], ub.ID); care.ErrorCode(err) != care.ENotFound {
					return fmt.Errorf("post of another tenant: %v", err)
				}
				ps, err := tx.Posts(ctx, store.PostFilter{ResidentID: r.ID, Limit: 10}, ub.ID)
				if err != nil || len(ps) != 0 {
					return fmt.Errorf("timeline of another tenant: %d %v", len(ps), err)
				}
				ps, err = tx.SearchPosts(ctx, store.SearchFilter{Words: []string{"記事"}, ResidentIDs: []string{r.ID}, Limit: 10}, ub.ID)
				if err != nil || len(ps) != 0 {
					return fmt.Errorf("search in another tenant: %d %v", len(ps), err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("MarkRead", func(t *testing.T) {
			var first time.Time
			for i := range 2 {
				err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
					rr, created, err := tx.MarkRead(ctx, ids[0], ua.ID)
					if err != nil {
						return err
					}
					if i == 0 {
						first = rr.ReadAt
					}
					if created != (i == 0) || !rr.ReadAt.Equal(first) {
						return fmt.Errorf("read %d: %+v created %v", i, rr, created)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
		t.Run("Search", func(t *testing.T) {
			err := db.ReadTenant(ctx, a.ID, func(tx *store.Tx) error {
				for _, tc := range []struct {
					words []string
					n     int
				}{{[]string{"100%"}, 5}, {[]string{"0%"}, 5}, {[]string{"記事3"}, 1}, {[]string{"<注意>"}, 5}, {[]string{"<B>"}, 5},
					{[]string{"記事_"}, 0}, {[]string{"記事", "嚥下"}, 5}, {[]string{"\\"}, 0}, {[]string{"cautions"}, 0}, {[]string{"引用"}, 5}} {
					ps, err := tx.SearchPosts(ctx, store.SearchFilter{Words: tc.words, ResidentIDs: []string{r.ID}, Limit: 10}, ua.ID)
					if err != nil {
						return err
					}
					if len(ps) != tc.n {
						return fmt.Errorf("%q found %d, want %d", tc.words, len(ps), tc.n)
					}
				}
				ps, err := tx.SearchPosts(ctx, store.SearchFilter{Words: []string{"記事"}, ResidentIDs: []string{"other"}, Limit: 10}, ua.ID)
				if err != nil || len(ps) != 0 {
					return fmt.Errorf("search outside the allowed residents: %d %v", len(ps), err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("Purge", func(t *testing.T) {
			err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
				if _, err := tx.PurgeResident(ctx, r.ID); err != nil {
					return err
				}
				if _, err := tx.Resident(ctx, r.ID); care.ErrorCode(err) != care.ENotFound {
					return fmt.Errorf("purged resident: %v", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}

// BenchmarkSearch measures a member's search across their 50 residents in a
// tenant of 200 residents and 10,000 posts (the allowed residents passed as
// a list, as the app does).
func BenchmarkSearch(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, engine, nil)
			tn := care.Tenant{Slug: "bench", Name: "bench"}
			var f care.Facility
			var u care.User
			err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
				if err := ptx.CreateTenant(ctx, &tn); err != nil {
					return err
				}
				tx, err := ptx.InTenant(ctx, tn.ID)
				if err != nil {
					return err
				}
				f = care.Facility{Kind: "clinic", Name: "c"}
				if err := tx.CreateFacility(ctx, &f); err != nil {
					return err
				}
				u = care.User{LoginID: "u", Name: "u", Profession: "nurse", Role: care.RoleMember, Facilities: []string{f.ID}}
				return tx.CreateUser(ctx, &u, "x")
			})
			if err != nil {
				b.Fatal(err)
			}
			var mine []string
			words := []string{"血圧", "転倒", "発熱", "食事", "排便", "睡眠", "服薬", "入浴"}
			err = db.InTenant(ctx, tn.ID, func(tx *store.Tx) error {
				for i := range 200 {
					r := care.Resident{FacilityID: f.ID, Name: "r", Kana: "ア", BirthDate: "1940-01-01", Sex: "male", CareLevel: "none", CreatedBy: u.ID}
					if err := tx.CreateResident(ctx, &r); err != nil {
						return err
					}
					if i%4 == 0 {
						mine = append(mine, r.ID)
					}
					for j := range 50 {
						p := care.Post{ResidentID: r.ID, AuthorID: u.ID, Category: "notice", Importance: "normal",
							Body: fmt.Sprintf("本日の訪問記録 %d。%sについて確認しました。特記事項なし。", j, words[(i+j)%len(words)])}
						if err := tx.CreatePost(ctx, &p); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				err := db.ReadTenant(ctx, tn.ID, func(tx *store.Tx) error {
					ps, err := tx.SearchPosts(ctx, store.SearchFilter{Words: []string{"転倒"}, ResidentIDs: mine, Limit: 50}, u.ID)
					if err == nil && len(ps) != 50 {
						err = fmt.Errorf("found %d", len(ps))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
