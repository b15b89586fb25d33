package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/blob"
	"github.com/renrakucho/renrakucho/internal/blob/blobtest"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// fileFixture is the contact-book fixture with an app that stores files
// in a local blob directory, sealed under in-memory per-tenant keys.
type fileFixture struct {
	*cbFixture
	fa    *app.App
	dir   string
	store blob.Store
}

func fileSetup(t *testing.T, engine string, open func(t *testing.T) blob.Store) *fileFixture {
	t.Helper()
	c := cbSetup(t, engine)
	dir := t.TempDir()
	var s blob.Store
	if open != nil {
		s = open(t)
	} else {
		l, err := blob.NewLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		s = l
	}
	fa := app.New(c.db, auth.NewHasher(cheap, 0), app.Options{Hub: c.hub, Blobs: s, BlobKeys: blobtest.NewKeys()})
	return &fileFixture{cbFixture: c, fa: fa, dir: dir, store: s}
}

func eachFiles(t *testing.T, fn func(t *testing.T, f *fileFixture)) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { fn(t, fileSetup(t, engine, nil)) })
	}
}

// pdf returns a small PDF whose body holds marker.
func pdf(marker string) []byte {
	return []byte("%PDF-1.7\n1 0 obj << /Title (" + marker + ") >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// teamResident is a resident with consent whose team has the owner and
// the colleague; the stranger is not on it.
func (f *fileFixture) teamResident(t *testing.T) care.Space {
	t.Helper()
	r := f.newResident(t)
	f.consent(t, r.ID)
	f.join(t, r.ID, colleague)
	return care.Space{Kind: care.SpaceResident, ID: r.ID}
}

func (f *fileFixture) upload(t *testing.T, who string, s care.Space, name string, body []byte) care.File {
	t.Helper()
	file, err := f.fa.Upload(bg, f.act[who], s, app.UploadInput{Name: name, Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return file
}

func readAll(t *testing.T, c *app.Content) []byte {
	t.Helper()
	defer c.Close()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// blobFiles lists the blobs on disk (temporary files aside).
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestFileUploadDownload(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		s := f.teamResident(t)
		body := pdf("SECRET-MARKER-紹介状")
		file := f.upload(t, owner, s, "診療情報提供書.pdf", body)
		if file.ContentType != "application/pdf" || file.Size != int64(len(body)) || file.Version != 1 {
			t.Fatalf("file = %+v", file)
		}
		t.Run("OK", func(t *testing.T) {
			c, err := f.fa.Download(bg, f.act[colleague], file.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, c); !bytes.Equal(got, body) {
				t.Fatalf("downloaded %q", got)
			}
			l, err := f.fa.Files(bg, f.act[colleague], s, "")
			if err != nil || len(l.Files) != 1 || l.Files[0].Name != "診療情報提供書.pdf" || !l.CanWrite {
				t.Fatalf("listing %+v, %v", l, err)
			}
		})
		t.Run("Sealed", func(t *testing.T) {
			blobs := blobFiles(t, f.dir)
			if len(blobs) != 1 {
				t.Fatalf("blobs on disk: %v", blobs)
			}
			raw, _ := os.ReadFile(blobs[0])
			if bytes.Contains(raw, []byte("SECRET-MARKER")) || bytes.Contains(raw, []byte("%PDF")) {
				t.Fatal("the blob on disk holds the plaintext")
			}
			if strings.Contains(blobs[0], "診療") || strings.Contains(blobs[0], ".pdf") {
				t.Fatalf("the blob's path derives from the name: %s", blobs[0])
			}
		})
		t.Run("ErrNotOnTeam", func(t *testing.T) {
			_, err := f.fa.Download(bg, f.act[stranger], file.ID, 0)
			wantErr(t, err, care.ENotFound, "")
			_, err = f.fa.Files(bg, f.act[stranger], s, "")
			wantErr(t, err, care.ENotFound, "")
			_, err = f.fa.Upload(bg, f.act[stranger], s, app.UploadInput{Name: "x.pdf", Body: bytes.NewReader(pdf("x"))})
			wantErr(t, err, care.ENotFound, "")
		})
		t.Run("ErrOtherTenant", func(t *testing.T) {
			_, err := f.fa.Download(bg, f.act[foreign], file.ID, 0)
			wantErr(t, err, care.ENotFound, "")
			_, err = f.fa.File(bg, f.act[foreign], file.ID)
			wantErr(t, err, care.ENotFound, "")
			_, err = f.fa.DeleteFile(bg, f.act[foreign], file.ID)
			wantErr(t, err, care.ENotFound, "")
		})
		t.Run("Audited", func(t *testing.T) {
			for _, act := range []audit.Action{audit.FileUpload, audit.FileDownload} {
				es, err := f.fa.Audit(bg, f.admin["alpha"], app.AuditFilter{Action: string(act)})
				if err != nil {
					t.Fatal(err)
				}
				if len(es) == 0 || es[0].TargetID != file.ID || es[0].ResidentID != s.ID {
					t.Errorf("%s: entries %+v", act, es)
				}
			}
		})
	})
}

// A sealed blob is bound to its tenant, file and version: the bytes of
// one file's blob put under another file do not decrypt.
func TestFileBlobBoundToFile(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		s := f.teamResident(t)
		a := f.upload(t, owner, s, "a.pdf", pdf("AAAA"))
		before := blobFiles(t, f.dir)
		b := f.upload(t, owner, s, "b.pdf", pdf("BBBB"))
		var bPath string
		for _, p := range blobFiles(t, f.dir) {
			if len(before) == 1 && p != before[0] {
				bPath = p
			}
		}
		aRaw, _ := os.ReadFile(before[0])
		if err := os.WriteFile(bPath, aRaw, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := f.fa.Download(bg, f.act[owner], b.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		c.Close()
		if err == nil {
			t.Fatalf("a blob moved to another file decrypted: %q", got)
		}
		// The other tenant's keys do not open it either, whatever the AAD.
		other := app.New(f.db, auth.NewHasher(cheap, 0), app.Options{Blobs: f.store, BlobKeys: blobtest.NewKeys()})
		c, err = other.Download(bg, f.act[owner], a.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(c); err == nil {
			t.Fatalf("a blob decrypted under another keyring: %q", got)
		}
		c.Close()
	})
}

func TestFileRange(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		s := f.teamResident(t)
		var body bytes.Buffer
		body.WriteString("%PDF-1.7\n")
		io.Copy(&body, blobtest.Pattern(3<<20+100)) // beyond three 1 MiB segments
		file := f.upload(t, owner, s, "big.pdf", body.Bytes())
		c, err := f.fa.Download(bg, f.act[colleague], file.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, off := range []int64{2<<20 + 7, 10, int64(body.Len()) - 5} { // forward, backward, the tail
			if _, err := c.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 5)
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("read at %d: %v", off, err)
			}
			if !bytes.Equal(got, body.Bytes()[off:off+5]) {
				t.Fatalf("at %d got %x", off, got)
			}
		}
		if n, _ := c.Seek(0, io.SeekEnd); n != int64(body.Len()) {
			t.Fatalf("size %d", n)
		}
	})
}

func TestFileBadInput(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		s := f.teamResident(t)
		names := []string{"../x", "..\\x", "/etc/passwd", "C:\\x.pdf", "a\x00b.pdf", "a\nb.pdf", "..", ".", "",
			"report\u202Efdp.exe", "a\u2066b.pdf", strings.Repeat("長", app.MaxFileNameLen+1) + ".pdf"}
		for _, n := range names {
			_, err := f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: n, Body: bytes.NewReader(pdf("x"))})
			if care.ErrorCode(err) != care.EInvalid {
				t.Errorf("name %q: %v, want invalid", n, err)
			}
		}
		if got, err := app.CleanName("file", "  ﾃｽﾄ e\u0301.pdf "); err != nil || got != "ﾃｽﾄ é.pdf" {
			t.Errorf("CleanName = %q, %v; want NFC and trimmed", got, err)
		}
		disguised := []struct {
			name, body, key string
		}{
			{"photo.png", "<!DOCTYPE html><html><script>alert(1)</script>", "error.file_markup"},
			{"photo.jpg", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "error.file_markup"},
			{"photo.png", "\ufeff  <?xml version=\"1.0\"?><svg/>", "error.file_markup"},
			{"notes.txt", "hello <script>alert(1)</script>", "error.file_markup"},
			{"icon.svg", "just text", "error.file_markup"},
			{"page.html", "just text", "error.file_markup"},
			{"photo.png", "%PDF-1.7 not an image", "error.file_type_mismatch"},
			{"prog.exe", "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "error.file_type"},
		}
		for _, d := range disguised {
			_, err := f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: d.name, Body: strings.NewReader(d.body)})
			if e := care.AsError(err); err == nil || e.Code != care.EUnsupported || e.Key != d.key {
				t.Errorf("%s %.20q: %v, want %s", d.name, d.body, err, d.key)
			}
		}
		// A kind the tenant does not allow.
		if _, err := f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: "a.zip", Body: strings.NewReader("PK\x03\x04rest")}); care.AsError(err).Key != "error.file_type_denied" {
			t.Errorf("zip: %v, want error.file_type_denied", err)
		}
		if n := len(blobFiles(t, f.dir)); n != 0 {
			t.Fatalf("refused uploads left %d blobs", n)
		}
	})
}

func TestFileLimits(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		admin := f.admin["alpha"]
		if _, err := f.fa.UpdateTenantSettings(bg, admin, app.Settings{EndedRetentionYears: 5, FileMaxMB: 1, FileQuotaMB: 2}); err != nil {
			t.Fatal(err)
		}
		s := f.teamResident(t)
		body := func(n int) []byte {
			b := make([]byte, n)
			copy(b, "%PDF-1.7\n")
			return b
		}
		t.Run("ErrOneByteOver", func(t *testing.T) {
			_, err := f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: "over.pdf", Body: bytes.NewReader(body(1<<20 + 1))})
			wantErr(t, err, care.ETooLarge, "error.file_too_large")
			l, _ := f.fa.Files(bg, f.act[owner], s, "")
			if len(l.Files) != 0 || len(blobFiles(t, f.dir)) != 0 {
				t.Fatalf("a refused upload left %d files, %d blobs", len(l.Files), len(blobFiles(t, f.dir)))
			}
			f.upload(t, owner, s, "exact.pdf", body(1<<20))
		})
		t.Run("ErrCutOff", func(t *testing.T) {
			before := len(blobFiles(t, f.dir))
			_, err := f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: "cut.pdf",
				Body: blobtest.CutOff(bytes.NewReader(body(900<<10)), 400<<10)})
			wantErr(t, err, care.EInvalid, "error.upload_cut")
			l, _ := f.fa.Files(bg, f.act[owner], s, "")
			if len(l.Files) != 1 || len(blobFiles(t, f.dir)) != before {
				t.Fatalf("a cut-off upload left files %d, blobs %d → %d", len(l.Files), before, len(blobFiles(t, f.dir)))
			}
		})
		t.Run("ErrQuotaRace", func(t *testing.T) {
			// 1 MiB is used; two parallel uploads of 700 KiB cannot both fit in 2 MiB.
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: fmt.Sprintf("race%d.pdf", i),
						Body: bytes.NewReader(body(700 << 10))})
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else if e := care.AsError(err); e.Code != care.ETooLarge || e.Key != "error.file_quota" {
					t.Errorf("race: %v", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d of two parallel uploads passed the quota: %v", ok, errs)
			}
			st, err := f.fa.TenantSettings(bg, admin)
			if err != nil {
				t.Fatal(err)
			}
			if st.FileUsedBytes > 2<<20 {
				t.Fatalf("usage %d passed the quota", st.FileUsedBytes)
			}
			l, _ := f.fa.Files(bg, f.act[owner], s, "")
			if len(l.Files) != 2 || len(blobFiles(t, f.dir)) != 2 {
				t.Fatalf("after the race: files %d, blobs %d; want 2 and 2", len(l.Files), len(blobFiles(t, f.dir)))
			}
		})
	})
}

func TestFileVersionsTrash(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		s := f.teamResident(t)
		file := f.upload(t, owner, s, "plan.pdf", pdf("v1"))
		if _, err := f.fa.UploadVersion(bg, f.act[colleague], file.ID, bytes.NewReader(pdf("version two"))); err != nil {
			t.Fatal(err)
		}
		d, err := f.fa.File(bg, f.act[owner], file.ID)
		if err != nil || d.File.Version != 2 || len(d.Versions) != 2 {
			t.Fatalf("detail %+v, %v", d, err)
		}
		c, err := f.fa.Download(bg, f.act[owner], file.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, c); !bytes.Equal(got, pdf("v1")) {
			t.Fatalf("version 1 = %q", got)
		}
		if _, err := f.fa.RestoreVersion(bg, f.act[owner], file.ID, 1); err != nil {
			t.Fatal(err)
		}
		c, _ = f.fa.Download(bg, f.act[owner], file.ID, 0)
		if got := readAll(t, c); !bytes.Equal(got, pdf("v1")) {
			t.Fatalf("after restore = %q", got)
		}
		_, err = f.fa.UploadVersion(bg, f.act[owner], file.ID, strings.NewReader("<html>"))
		wantErr(t, err, care.EUnsupported, "error.file_markup")
		if _, err := f.fa.RestoreVersion(bg, f.act[owner], file.ID, 9); care.ErrorCode(err) != care.ENotFound {
			t.Fatalf("restore of a missing version: %v", err)
		}

		// Delete: gone from the space, in the trash, until an admin empties it.
		if _, err := f.fa.DeleteFile(bg, f.act[colleague], file.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.fa.Download(bg, f.act[owner], file.ID, 0); care.ErrorCode(err) != care.ENotFound {
			t.Fatalf("download of a deleted file: %v", err)
		}
		admin := f.admin["alpha"]
		if _, err := f.fa.Trash(bg, f.act[owner]); care.ErrorCode(err) != care.EForbidden {
			t.Fatalf("a member's trash: %v", err)
		}
		trash, err := f.fa.Trash(bg, admin)
		if err != nil || len(trash) != 1 || trash[0].ID != file.ID {
			t.Fatalf("trash %+v, %v", trash, err)
		}
		if n, err := f.fa.EmptyTrash(bg, admin); err != nil || n != 1 {
			t.Fatalf("empty trash: %d, %v", n, err)
		}
		if b := blobFiles(t, f.dir); len(b) != 0 {
			t.Fatalf("blobs left after emptying the trash: %v", b)
		}
		st, _ := f.fa.TenantSettings(bg, admin)
		if st.FileUsedBytes != 0 {
			t.Fatalf("usage %d after emptying the trash", st.FileUsedBytes)
		}
		for _, act := range []audit.Action{audit.FileRestore, audit.FileDelete, audit.FilePurge} {
			es, _ := f.fa.Audit(bg, admin, app.AuditFilter{Action: string(act)})
			if len(es) != 1 || es[0].TargetID != file.ID {
				t.Errorf("%s: %+v", act, es)
			}
		}
	})
}

func TestFileFoldersLibraryGroups(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		s := f.teamResident(t)
		dir, err := f.fa.CreateFolder(bg, f.act[owner], s, "", "検査結果")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.fa.CreateFolder(bg, f.act[owner], s, "", "../up"); care.ErrorCode(err) != care.EInvalid {
			t.Fatalf("folder ../up: %v", err)
		}
		in, err := f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: "血液.pdf", FolderID: dir.ID, Body: bytes.NewReader(pdf("b"))})
		if err != nil {
			t.Fatal(err)
		}
		top, _ := f.fa.Files(bg, f.act[owner], s, "")
		sub, _ := f.fa.Files(bg, f.act[owner], s, dir.ID)
		if len(top.Files) != 0 || len(top.Folders) != 1 || len(sub.Files) != 1 {
			t.Fatalf("top %+v sub %+v", top, sub)
		}
		if _, err := f.fa.DeleteFolder(bg, f.act[owner], dir.ID); care.ErrorCode(err) != care.EConflict {
			t.Fatalf("delete of a full folder: %v", err)
		}
		if _, err := f.fa.UpdateFile(bg, f.act[owner], in.ID, "血液検査.pdf", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.fa.DeleteFolder(bg, f.act[owner], dir.ID); err != nil {
			t.Fatal(err)
		}
		// Another space's folder is no place for an upload.
		other := f.teamResident(t)
		if _, err := f.fa.Upload(bg, f.act[owner], other, app.UploadInput{Name: "x.pdf", FolderID: dir.ID, Body: bytes.NewReader(pdf("x"))}); care.ErrorCode(err) != care.EInvalid {
			t.Fatalf("upload into a deleted folder: %v", err)
		}

		t.Run("Library", func(t *testing.T) {
			lib := care.Space{Kind: care.SpaceLibrary}
			admin := f.admin["alpha"]
			doc, err := f.fa.Upload(bg, admin, lib, app.UploadInput{Name: "運用マニュアル.pdf", Body: bytes.NewReader(pdf("manual"))})
			if err != nil {
				t.Fatal(err)
			}
			l, err := f.fa.Files(bg, f.act[stranger], lib, "")
			if err != nil || len(l.Files) != 1 || l.CanWrite {
				t.Fatalf("member's library %+v, %v", l, err)
			}
			if _, err := f.fa.Download(bg, f.act[stranger], doc.ID, 0); err != nil {
				t.Fatal(err)
			}
			_, err = f.fa.Upload(bg, f.act[owner], lib, app.UploadInput{Name: "x.pdf", Body: bytes.NewReader(pdf("x"))})
			wantErr(t, err, care.EForbidden, "")
			if _, err := f.fa.DeleteFile(bg, f.act[owner], doc.ID); care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("a member deleted a library file: %v", err)
			}
			if _, err := f.fa.Files(bg, f.act[foreign], lib, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := f.fa.Download(bg, f.act[foreign], doc.ID, 0); care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("another tenant read the library: %v", err)
			}
		})
		t.Run("Group", func(t *testing.T) {
			g, err := f.fa.CreateGroup(bg, f.act[owner], care.GroupInput{Name: "研修会", Members: []string{f.act[colleague].UserID}})
			if err != nil {
				t.Fatal(err)
			}
			gs := care.Space{Kind: care.SpaceGroup, ID: g.ID}
			doc := f.upload(t, colleague, gs, "資料.pdf", pdf("g"))
			if _, err := f.fa.Download(bg, f.act[owner], doc.ID, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := f.fa.Download(bg, f.act[stranger], doc.ID, 0); care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("a non-member read a group file: %v", err)
			}
			es, _ := f.fa.Audit(bg, f.admin["alpha"], app.AuditFilter{Action: string(audit.FileUpload), Target: doc.ID})
			if len(es) != 1 || !strings.Contains(es[0].Detail, g.ID) {
				t.Fatalf("group upload audit %+v", es)
			}
		})
	})
}

func TestFileThumbnail(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		s := f.teamResident(t)
		img := image.NewRGBA(image.Rect(0, 0, 1200, 600))
		for x := range 1200 {
			img.Set(x, x%600, color.RGBA{200, 10, 10, 255})
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		file := f.upload(t, owner, s, "褥瘡.png", b.Bytes())
		if !file.HasThumb {
			t.Fatal("no thumbnail")
		}
		rc, err := f.fa.Thumbnail(bg, f.act[colleague], file.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		th, err := png.Decode(rc)
		if err != nil {
			t.Fatal(err)
		}
		if th.Bounds().Dx() != 320 || th.Bounds().Dy() != 160 {
			t.Fatalf("thumbnail %v", th.Bounds())
		}
		if _, err := f.fa.Thumbnail(bg, f.act[stranger], file.ID); care.ErrorCode(err) != care.ENotFound {
			t.Fatalf("a stranger's thumbnail: %v", err)
		}
	})
}

// TestFileS3 runs an upload and a download through the S3 backend.
func TestFileS3(t *testing.T) {
	srv := blobtest.StartS3(t)
	f := fileSetup(t, storetest.Engines[0], func(t *testing.T) blob.Store {
		s, err := blob.Open(context.Background(), srv.URL("renrakucho-files"), "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	s := f.teamResident(t)
	body := pdf("S3-SECRET-MARKER")
	file := f.upload(t, owner, s, "s3.pdf", body)
	c, err := f.fa.Download(bg, f.act[colleague], file.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, c); !bytes.Equal(got, body) {
		t.Fatalf("got %q", got)
	}
	objs := blobFiles(t, srv.Dir)
	found := false
	for _, p := range objs {
		raw, _ := os.ReadFile(p)
		if bytes.Contains(raw, []byte("S3-SECRET-MARKER")) {
			t.Fatalf("the bucket holds the plaintext in %s", p)
		}
		found = found || len(raw) > len(body)
	}
	if !found {
		t.Fatalf("no sealed object in the bucket: %v", objs)
	}
}

// A resident purged by the retention job takes its files, folders,
// attachments and blobs along, and gives the quota back.
func TestFileRetentionPurge(t *testing.T) {
	eachFiles(t, func(t *testing.T, f *fileFixture) {
		now := f.clock.Now()
		s := f.teamResident(t)
		dir, err := f.fa.CreateFolder(bg, f.act[owner], s, "", "書類")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.fa.Upload(bg, f.act[owner], s, app.UploadInput{Name: "a.pdf", FolderID: dir.ID, Body: bytes.NewReader(pdf("a"))}); err != nil {
			t.Fatal(err)
		}
		doc := f.upload(t, owner, s, "b.pdf", pdf("b"))
		p := f.post(t, owner, s.ID, "添付あり")
		if err := f.fa.AttachFile(bg, f.act[owner], p.ID, "", doc.ID); err != nil {
			t.Fatal(err)
		}
		as, err := f.fa.Attachments(bg, f.act[colleague], p.ID)
		if err != nil || len(as) != 1 || as[0].File.ID != doc.ID {
			t.Fatalf("attachments %+v, %v", as, err)
		}
		if _, err := f.fa.DeleteFile(bg, f.act[owner], doc.ID); err != nil { // one in the trash too
			t.Fatal(err)
		}
		day := now.Add(9 * time.Hour).Format("2006-01-02")
		if err := f.fa.EndResident(bg, f.act[owner], s.ID, care.EndInput{Date: day, Reason: "moved"}); err != nil {
			t.Fatal(err)
		}
		if n, err := f.fa.RunRetention(bg, now.AddDate(6, 0, 0)); err != nil || n != 1 {
			t.Fatalf("retention purged %d, %v", n, err)
		}
		if b := blobFiles(t, f.dir); len(b) != 0 {
			t.Fatalf("blobs left after the purge: %v", b)
		}
		st, _ := f.fa.TenantSettings(bg, f.admin["alpha"])
		if st.FileUsedBytes != 0 {
			t.Fatalf("usage %d after the purge", st.FileUsedBytes)
		}
	})
}
