package store_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// sealedDB is a database with its DSN and key directory, for tests that
// look at the bytes at rest or reopen the database.
type sealedDB struct {
	db     *store.DB
	dsn    string
	keyDir string
}

func openSealed(t *testing.T, engine string) sealedDB {
	t.Helper()
	s := sealedDB{dsn: storetest.DSN(t, engine), keyDir: t.TempDir()}
	s.db = s.open(t, s.keyDir)
	if err := s.db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// open opens the database again with the key directory keyDir.
func (s sealedDB) open(t *testing.T, keyDir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), s.dsn, store.Options{Synchronous: "NORMAL", AuditKey: storetest.Key,
		Keys: seal.NewKeyring(storetest.KEK(t, keyDir))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// restBytes returns what an attacker with a copy of the database (and not
// the key directory) reads: the SQLite files, or a pg_dump of the schema.
func (s sealedDB) restBytes(t *testing.T) []byte {
	t.Helper()
	if s.db.Engine() == "sqlite" {
		var all []byte
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(s.dsn + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	u, err := url.Parse(s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := url.Parse(storetest.AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pg_dump", "--data-only", "--schema="+u.Query().Get("search_path"), admin.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}

// leaked returns the markers found in b, as written or hex-encoded (how a
// dump shows bytea).
func leaked(b []byte, markers []string) []string {
	var out []string
	for _, m := range markers {
		if bytes.Contains(b, []byte(m)) || bytes.Contains(b, []byte(hex.EncodeToString([]byte(m)))) {
			out = append(out, m)
		}
	}
	return out
}

// plant writes one resident, a consent, a post edited once (so it has a
// version), a deleted post and a comment, every protected field holding a
// marker naming it, and returns the markers and the post's ID.
func plant(t *testing.T, db *store.DB, tenantID, facilityID, userID string) ([]string, string) {
	t.Helper()
	ctx := context.Background()
	var markers []string
	mk := func(table, column string) string {
		m := "PLANTED-" + table + "-" + column + "-" + tenantID[:8]
		markers = append(markers, m)
		return m
	}
	var postID string
	err := db.InTenant(ctx, tenantID, func(tx *store.Tx) error {
		r := care.Resident{FacilityID: facilityID, Name: mk("residents", "name"), Kana: mk("residents", "kana"),
			BirthDate: mk("residents", "birth_date"), Sex: care.Sex(mk("residents", "sex")), Address: mk("residents", "address"),
			Phone: mk("residents", "phone"), CareLevel: care.CareLevel(mk("residents", "care_level")),
			KeyPerson: mk("residents", "key_person"), Notes: mk("residents", "notes"), CreatedBy: userID}
		if err := tx.CreateResident(ctx, &r); err != nil {
			return err
		}
		if err := tx.CreateBreakGlass(ctx, &store.BreakGlass{UserID: userID, ResidentID: r.ID, Reason: mk("break_glass", "reason"),
			ExpiresAt: tx.Now().Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.Factors().SetTOTPSecret(ctx, userID, []byte(mk("totp_factors", "secret"))); err != nil {
			return err
		}
		space := care.Space{Kind: care.SpaceResident, ID: r.ID}
		folder := care.Folder{Space: space, Name: mk("file_folders", "name"), CreatedBy: userID}
		if err := tx.CreateFolder(ctx, &folder); err != nil {
			return err
		}
		file := care.File{Space: space, FolderID: folder.ID, Name: mk("files", "name"), CreatedBy: userID}
		if err := tx.CreateFile(ctx, &file, &care.FileVersion{BlobKey: "k" + r.ID, Size: 1, SealedSize: 40,
			ContentType: "application/pdf", UploadedBy: userID}); err != nil {
			return err
		}
		if err := tx.EndResident(ctx, r.ID, care.EndInput{Date: mk("residents", "end_date"),
			Reason: care.EndReason(mk("residents", "end_reason")), Note: mk("residents", "end_note")}); err != nil {
			return err
		}
		c := care.Consent{ResidentID: r.ID, Method: "written", ObtainedAt: "2026-04-01", ObtainedBy: mk("consents", "obtained_by"),
			Scope: mk("consents", "scope"), RecordedBy: userID}
		if err := tx.CreateConsent(ctx, &c); err != nil {
			return err
		}
		p := care.Post{ResidentID: r.ID, AuthorID: userID, Category: "contact", Importance: "normal",
			Body: mk("post_versions", "body"), Template: "handover", Fields: map[string]string{"cautions": mk("post_versions", "fields")}}
		if err := tx.CreatePost(ctx, &p); err != nil {
			return err
		}
		prev := p
		p.Body, p.Fields = mk("posts", "body"), map[string]string{"cautions": mk("posts", "fields")}
		if err := tx.UpdatePost(ctx, &p, prev); err != nil {
			return err
		}
		postID = p.ID
		gone := care.Post{ResidentID: r.ID, AuthorID: userID, Category: "contact", Importance: "normal", Body: "消す記事"}
		if err := tx.CreatePost(ctx, &gone); err != nil {
			return err
		}
		if err := tx.DeletePost(ctx, gone.ID, userID, mk("posts", "delete_note")); err != nil {
			return err
		}
		return tx.CreateComment(ctx, &care.Comment{PostID: p.ID, AuthorID: userID, Body: mk("comments", "body")})
	})
	if err != nil {
		t.Fatal(err)
	}
	return markers, postID
}

// TestSealedAtRest plants a marker in every protected field and looks for
// it in the raw SQLite files and in a pg_dump: none may be there, and
// every one must read back through the store.
func TestSealedAtRest(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := openSealed(t, engine)
			a, b, fa, fb, ua, ub := seed(t, s.db)
			markers, postID := plant(t, s.db, a.ID, fa.ID, ua.ID)
			more, _ := plant(t, s.db, b.ID, fb.ID, ub.ID)
			markers = append(markers, more...)

			// Every sealed column has a marker.
			for table, cols := range store.SealedColumns() {
				for _, c := range cols {
					if !slices.ContainsFunc(markers, func(m string) bool { return strings.Contains(m, "-"+table+"-"+c+"-") }) {
						t.Errorf("no marker planted in %s.%s", table, c)
					}
				}
			}
			if got := leaked(s.restBytes(t), markers); len(got) > 0 {
				t.Fatalf("plaintext at rest: %v", got)
			}

			// The store reads them back.
			var seen []string
			err := s.db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
				p, err := tx.Post(ctx, postID, ua.ID)
				if err != nil {
					return err
				}
				seen = append(seen, p.Body, p.Fields["cautions"])
				r, err := tx.Resident(ctx, p.ResidentID)
				if err != nil {
					return err
				}
				seen = append(seen, r.Name, r.Kana, r.BirthDate, string(r.Sex), r.Address, r.Phone, string(r.CareLevel),
					r.KeyPerson, r.Notes, r.EndDate, string(r.EndReason), r.EndNote)
				vs, err := tx.PostVersions(ctx, postID)
				if err != nil {
					return err
				}
				seen = append(seen, vs[0].Body, vs[0].Fields["cautions"])
				cs, err := tx.Comments(ctx, postID)
				if err != nil {
					return err
				}
				seen = append(seen, cs[0].Body)
				consents, err := tx.Consents(ctx, r.ID)
				if err != nil {
					return err
				}
				seen = append(seen, consents[0].ObtainedBy, consents[0].Scope)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range seen {
				if !slices.Contains(markers, v) {
					t.Errorf("read back %q, not a planted value", v)
				}
			}
		})
	}
}

// TestSealedSwap moves ciphertext between rows, columns and tenants: none
// of it opens in its new place.
func TestSealedSwap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, fa, fb, ua, ub := seed(t, db)
		_, pa := plant(t, db, a.ID, fa.ID, ua.ID)
		_, pb := plant(t, db, b.ID, fb.ID, ub.ID)
		var other string // a second post of tenant a
		var bodyA, fieldsA []byte
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			p, err := tx.Post(ctx, pa, ua.ID)
			if err != nil {
				return err
			}
			q := care.Post{ResidentID: p.ResidentID, AuthorID: ua.ID, Category: "contact", Importance: "normal", Body: "二つ目"}
			if err := tx.CreatePost(ctx, &q); err != nil {
				return err
			}
			other = q.ID
			if bodyA, err = tx.RawBytes(ctx, `SELECT body FROM posts WHERE tenant_id = ? AND id = ?`, a.ID, pa); err != nil {
				return err
			}
			fieldsA, err = tx.RawBytes(ctx, `SELECT fields FROM posts WHERE tenant_id = ? AND id = ?`, a.ID, pa)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name           string
			tenant, reader string
			post           string
			column         string
			value          []byte
		}{
			{"ErrOtherRow", a.ID, ua.ID, other, "body", bodyA},
			{"ErrOtherColumn", a.ID, ua.ID, pa, "body", fieldsA},
			{"ErrOtherTenant", b.ID, ub.ID, pb, "body", bodyA},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := db.InTenant(ctx, tc.tenant, func(tx *store.Tx) error {
					_, err := tx.RawExec(ctx, `UPDATE posts SET `+tc.column+` = ? WHERE tenant_id = ? AND id = ?`, tc.value, tc.tenant, tc.post)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				err = db.InTenant(ctx, tc.tenant, func(tx *store.Tx) error {
					_, err := tx.Post(ctx, tc.post, tc.reader)
					return err
				})
				if err == nil || care.ErrorCode(err) != care.EInternal {
					t.Fatalf("moved ciphertext opened (err %v)", err)
				}
			})
		}
	})
}

// TestKeyRotation rotates a tenant's keys while posts keep being written,
// re-encrypts, and finds every value readable and on the new key; the
// other tenant is untouched.
func TestKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, fa, fb, ua, ub := seed(t, db)
		_, pa := plant(t, db, a.ID, fa.ID, ua.ID)
		plant(t, db, b.ID, fb.ID, ub.ID)
		var residentID string
		if err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			p, err := tx.Post(ctx, pa, ua.ID)
			residentID = p.ResidentID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		write := func(n int) {
			for i := 0; i < n; i++ {
				err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
					return tx.CreatePost(ctx, &care.Post{ResidentID: residentID, AuthorID: ua.ID, Category: "contact",
						Importance: "normal", Body: "回転中の記事"})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}
		write(600) // more than one re-encryption batch
		var wg sync.WaitGroup
		wg.Go(func() { write(200) })
		var version int
		if err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			var err error
			version, err = tx.RotateKeys(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if version != 2 {
			t.Errorf("version %d after one rotation, want 2", version)
		}
		wg.Go(func() { write(200) })
		n, err := db.Reencrypt(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		// Writers that began before the rotation committed sealed under
		// the old key: a second run picks up what the first missed, and
		// nothing is left.
		if _, err := db.Reencrypt(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n < 600 {
			t.Errorf("re-encrypted %d rows, want at least the 600 posts", n)
		}
		check := func(tenantID string) (total, current int) {
			t.Helper()
			if err := db.InTenant(ctx, tenantID, func(tx *store.Tx) error {
				var err error
				total, current, err = tx.SealedCurrent(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return
		}
		if total, current := check(a.ID); total == 0 || current != total {
			t.Errorf("tenant a: %d of %d values on the new key", current, total)
		}
		if total, current := check(b.ID); current != total {
			t.Errorf("tenant b (not rotated): %d of %d values on its key", current, total)
		}
		err = db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			s, err := tx.KeyStatus(ctx)
			if err != nil {
				return err
			}
			if s.Pending != nil || s.Version != 2 {
				t.Errorf("status after re-encryption: %+v", s)
			}
			posts, err := tx.Posts(ctx, store.PostFilter{ResidentID: residentID, Limit: 100}, ua.ID)
			if err == nil && len(posts) != 100 {
				t.Errorf("read %d posts after rotation", len(posts))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestSealExisting migrates a database holding plaintext from before
// sealing: after migration 0005 nothing of it is at rest in clear, and
// all of it reads back.
func TestSealExisting(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := sealedDB{dsn: storetest.DSN(t, engine), keyDir: t.TempDir()}
			// The old database, opened as session-1 code did: no keys.
			old, err := store.Open(ctx, s.dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := old.MigrateThrough(ctx, "0004_jobs.sql"); err != nil {
				t.Fatal(err)
			}
			// What session-1 code wrote: plain text in every column.
			tenant, user, resident, post := "0190a000-0000-7000-8000-000000000001", "u1", "r1", "p1"
			err = old.Platform(ctx, func(ptx *store.PlatformTx) error {
				stmts := []struct {
					q    string
					args []any
				}{
					{`INSERT INTO tenants (id, slug, name, active, options, created_at) VALUES (?, 'old', '旧地域', TRUE, '', CURRENT_TIMESTAMP)`, []any{tenant}},
				}
				for _, st := range stmts {
					if _, err := ptx.RawExec(ctx, st.q, st.args...); err != nil {
						return err
					}
				}
				tx, err := ptx.InTenant(ctx, tenant)
				if err != nil {
					return err
				}
				for _, st := range []struct {
					q    string
					args []any
				}{
					{`INSERT INTO facilities (tenant_id, id, kind, name, created_at) VALUES (?, 'f1', 'clinic', '診療所', CURRENT_TIMESTAMP)`, []any{tenant}},
					{`INSERT INTO users (tenant_id, id, login_id, name, kana, profession, email, role, active, password_hash, created_at,
						updated_at) VALUES (?, ?, 'doc', '医師', 'イシ', 'doctor', '', 'member', TRUE, 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, []any{tenant, user}},
					{`INSERT INTO residents (tenant_id, id, facility_id, name, kana, birth_date, sex, care_level, notes, created_by,
						created_at, updated_at, last_activity) VALUES (?, ?, 'f1', 'OLDPLAIN-name', 'オールド', '1940-01-01', 'female',
						'care1', 'OLDPLAIN-notes', ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, []any{tenant, resident, user}},
					{`INSERT INTO posts (tenant_id, id, resident_id, author_id, category, importance, body, created_at, updated_at)
						VALUES (?, ?, ?, ?, 'contact', 'normal', 'OLDPLAIN-body', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, []any{tenant, post, resident, user}},
					{`INSERT INTO comments (tenant_id, id, post_id, author_id, body, created_at)
						VALUES (?, 'c1', ?, ?, 'OLDPLAIN-comment', CURRENT_TIMESTAMP)`, []any{tenant, post, user}},
				} {
					if _, err := tx.RawExec(ctx, st.q, st.args...); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			old.Close()
			s.db = s.open(t, s.keyDir)
			if err := s.db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if s.db.Engine() == "sqlite" {
				if _, err := s.db.RawDB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
					t.Fatal(err)
				}
				if _, err := s.db.RawDB().ExecContext(ctx, `VACUUM`); err != nil {
					t.Fatal(err)
				}
			}
			markers := []string{"OLDPLAIN-name", "OLDPLAIN-notes", "OLDPLAIN-body", "OLDPLAIN-comment"}
			if got := leaked(s.restBytes(t), markers); len(got) > 0 {
				t.Fatalf("plaintext left after sealing: %v", got)
			}
			err = s.db.InTenant(ctx, tenant, func(tx *store.Tx) error {
				p, err := tx.Post(ctx, post, user)
				if err != nil {
					return err
				}
				r, err := tx.Resident(ctx, resident)
				if err != nil {
					return err
				}
				cs, err := tx.Comments(ctx, post)
				if err != nil {
					return err
				}
				if p.Body != "OLDPLAIN-body" || r.Name != "OLDPLAIN-name" || r.Notes != "OLDPLAIN-notes" || cs[0].Body != "OLDPLAIN-comment" {
					t.Errorf("read back %q %q %q %q", p.Body, r.Name, r.Notes, cs[0].Body)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestShred destroys a tenant's keys: its data cannot be read any more,
// neither from the live database nor from a copy taken before, even with
// the key directory as it is now; the other tenant reads on.
func TestShred(t *testing.T) {
	ctx := context.Background()
	s := openSealed(t, "sqlite")
	a, b, fa, fb, ua, ub := seed(t, s.db)
	_, pa := plant(t, s.db, a.ID, fa.ID, ua.ID)
	_, pb := plant(t, s.db, b.ID, fb.ID, ub.ID)

	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.db.RawDB().ExecContext(ctx, `VACUUM INTO '`+backup+`'`); err != nil {
		t.Fatal(err)
	}
	if err := s.db.InTenant(ctx, a.ID, func(tx *store.Tx) error { return tx.ShredKeys(ctx) }); err != nil {
		t.Fatal(err)
	}
	read := func(db *store.DB, tenant, reader, post string) error {
		return db.InTenant(ctx, tenant, func(tx *store.Tx) error {
			_, err := tx.Post(ctx, post, reader)
			return err
		})
	}
	if err := read(s.db, a.ID, ua.ID, pa); err == nil {
		t.Error("shredded tenant's post read from the live database")
	}
	if err := read(s.db, b.ID, ub.ID, pb); err != nil {
		t.Errorf("other tenant: %v", err)
	}
	old := sealedDB{dsn: backup}
	odb := old.open(t, s.keyDir)
	if err := read(odb, a.ID, ua.ID, pa); err == nil {
		t.Error("shredded tenant's post read from a backup taken before")
	}
	if err := read(odb, b.ID, ub.ID, pb); err != nil {
		t.Errorf("other tenant from the backup: %v", err)
	}
}
