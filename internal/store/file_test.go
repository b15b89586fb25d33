package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

func TestFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, _, _, ua, _ := seed(t, db)
		lib := care.Space{Kind: care.SpaceLibrary}
		var file care.File
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			dir := care.Folder{Space: lib, Name: "規程", CreatedBy: ua.ID}
			if err := tx.CreateFolder(ctx, &dir); err != nil {
				return err
			}
			file = care.File{Space: lib, FolderID: dir.ID, Name: "運用規程.pdf", CreatedBy: ua.ID}
			v := care.FileVersion{BlobKey: a.ID + "/k1", Size: 10, SealedSize: 60, ContentType: "application/pdf", SHA256: "x", UploadedBy: ua.ID}
			if err := tx.CreateFile(ctx, &file, &v); err != nil {
				return err
			}
			v2 := care.FileVersion{FileID: file.ID, No: 2, BlobKey: a.ID + "/k2", Size: 20, SealedSize: 70, ContentType: "application/pdf",
				SHA256: "y", UploadedBy: ua.ID}
			return tx.AddVersion(ctx, &v2)
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			err := db.ReadTenant(ctx, a.ID, func(tx *store.Tx) error {
				f, err := tx.File(ctx, file.ID)
				if err != nil {
					return err
				}
				if f.Version != 2 || f.Size != 20 || f.Space != lib || f.CreatedByName != ua.Name {
					t.Errorf("file %+v", f)
				}
				fs, err := tx.Files(ctx, lib, file.FolderID)
				if err != nil || len(fs) != 1 {
					t.Errorf("files %v, %v", fs, err)
				}
				vs, err := tx.Versions(ctx, file.ID)
				if err != nil || len(vs) != 2 || vs[0].No != 2 {
					t.Errorf("versions %+v, %v", vs, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrOtherTenant", func(t *testing.T) {
			err := db.InTenant(ctx, b.ID, func(tx *store.Tx) error {
				if _, err := tx.File(ctx, file.ID); care.ErrorCode(err) != care.ENotFound {
					t.Errorf("beta reads alpha's file: %v", err)
				}
				if _, err := tx.Folder(ctx, file.FolderID); care.ErrorCode(err) != care.ENotFound {
					t.Errorf("beta reads alpha's folder: %v", err)
				}
				if fs, _ := tx.Files(ctx, lib, file.FolderID); len(fs) != 0 {
					t.Errorf("beta lists alpha's library: %v", fs)
				}
				if err := tx.DeleteFile(ctx, file.ID, "x"); care.ErrorCode(err) != care.ENotFound {
					t.Errorf("beta deletes alpha's file: %v", err)
				}
				if vs, _ := tx.Versions(ctx, file.ID); len(vs) != 0 {
					t.Errorf("beta lists alpha's versions: %v", vs)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("Quota", func(t *testing.T) {
			if err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error { return tx.SetFileLimits(ctx, 100, 1000, []string{"pdf"}) }); err != nil {
				t.Fatal(err)
			}
			// Ten parallel reservations of 150 bytes: six fit in 1000, never more.
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
						fit, err := tx.ReserveFileBytes(ctx, 150)
						if err == nil && fit {
							mu.Lock()
							ok++
							mu.Unlock()
						}
						return err
					})
				}()
			}
			wg.Wait()
			var l store.FileLimits
			db.ReadTenant(ctx, a.ID, func(tx *store.Tx) error { l, _ = tx.FileLimits(ctx); return nil })
			if ok != 6 || l.UsedBytes != 900 || l.QuotaBytes != 1000 || l.MaxBytes != 100 {
				t.Fatalf("%d reservations fitted, limits %+v; want 6 and 900 used", ok, l)
			}
			var lb store.FileLimits
			db.ReadTenant(ctx, b.ID, func(tx *store.Tx) error { lb, _ = tx.FileLimits(ctx); return nil })
			if lb.UsedBytes != 0 || lb.QuotaBytes == 1000 {
				t.Fatalf("beta's limits changed: %+v", lb)
			}
		})
	})
}
