package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/renrakucho/renrakucho/internal/blob"
	"github.com/renrakucho/renrakucho/internal/blob/blobtest"
	"github.com/renrakucho/renrakucho/internal/care"
)

var reFileID = regexp.MustCompile(`data-file-id="([0-9a-f-]{36})"`)

// upload posts a multipart form as the page's upload form does: the
// fields first, then the file part.
func (b *browser) upload(path string, fields url.Values, filename string, content []byte) page {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, path: resp.Request.URL.RequestURI(), body: string(raw), header: resp.Header}
	if m := dataPage.FindStringSubmatch(p.body); m != nil {
		if b.e.pages[b.lang] == nil {
			b.e.pages[b.lang] = map[string]bool{}
		}
		b.e.pages[b.lang][m[1]] = true
	}
	if strings.Contains(p.body, "⟦missing:") {
		b.e.t.Errorf("POST %s: missing catalog key", path)
	}
	return p
}

// walkFiles goes through the file pages in one language: a member's
// resident space (uploads refused and accepted, a folder, the file's page,
// a new version and a restore, a rename, a download, the trash), the
// library and the trash on the admin listener, and the settings' usage.
func walkFiles(t *testing.T, e *env, fx fixture, lang string) {
	T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
	ctx := context.Background()
	s := "/t/" + fx.slug
	act := e.actor(t, fx.slug, "dr-sato")
	r, err := e.app.CreateResident(ctx, act, care.ResidentInput{Name: "ファイル 花子" + lang, Kana: "ファイル", BirthDate: birth,
		Sex: "female", CareLevel: "care1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AddConsent(ctx, act, r.ID, care.ConsentInput{Method: "oral", ObtainedAt: "2026-04-01", ObtainedBy: "佐藤"}); err != nil {
		t.Fatal(err)
	}
	dr := e.member(t, fx.slug, "dr-sato", lang)
	files := s + "/residents/" + r.ID + "/files"
	dr.get(s+"/residents/"+r.ID).expect(t, 200, "resident").contains(t, `href="`+files+`"`)
	dr.get(files).expect(t, 200, "files").contains(t, T("files.none"), `enctype="multipart/form-data"`, `name="file"`, `type="file"`)
	dr.upload(files, nil, "photo.png", []byte("<html><script>alert(1)</script>")).expect(t, 415, "files").
		contains(t, T("error.file_markup"), `class="error-summary"`, `id="f-file-error"`)
	dr.upload(files, nil, "../x.pdf", []byte("%PDF-1.7 x")).expect(t, 422, "files").contains(t, T("error.file_name"))
	dr.post(s+"/residents/"+r.ID+"/folders", url.Values{"name": {"検査"}}).expect(t, 200, "files").contains(t, "検査")
	p := dr.upload(files, nil, "紹介状 <b>.pdf", []byte("%PDF-1.7 referral")).expect(t, 200, "files").
		contains(t, T("notice.uploaded"), "紹介状 &lt;b&gt;.pdf").lacks(t, "<b>.pdf")
	id := match(t, reFileID, p.body)
	dr.upload(files, nil, "紹介状 <b>.pdf", []byte("%PDF-1.7 again")).expect(t, 409, "files").contains(t, T("error.file_exists"))
	fp := s + "/files/" + id
	dr.get(fp).expect(t, 200, "file").contains(t, T("files.versions"), T("files.version_n", 1), fp+"/content")
	dl := dr.get(fp + "/content")
	if dl.status != 200 || dl.body != "%PDF-1.7 referral" || !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment;") ||
		dl.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download %d %q %v", dl.status, dl.body, dl.header)
	}
	dr.upload(fp+"/versions", nil, "any.pdf", []byte("<svg/>")).expect(t, 415, "file").contains(t, T("error.file_markup"))
	dr.upload(fp+"/versions", nil, "any.pdf", []byte("%PDF-1.7 v2")).expect(t, 200, "file").contains(t, T("notice.uploaded"), T("files.version_n", 2))
	dr.post(fp+"/versions/1/restore", url.Values{}).expect(t, 200, "file").contains(t, T("notice.restored"))
	if dl := dr.get(fp + "/content"); dl.body != "%PDF-1.7 referral" {
		t.Errorf("after restore: %q", dl.body)
	}
	dr.post(fp+"/edit", url.Values{"name": {"a/b.pdf"}}).expect(t, 422, "file").contains(t, T("error.file_name"))
	dr.post(fp+"/edit", url.Values{"name": {"紹介状.pdf"}}).expect(t, 200, "file").contains(t, T("notice.saved"), "紹介状.pdf")
	dr.post(fp+"/delete", url.Values{}).expect(t, 200, "files").contains(t, T("notice.deleted")).lacks(t, "紹介状.pdf")
	dr.get(fp).expect(t, 404, "error")
	dr.get(s+"/library").expect(t, 200, "files").contains(t, T("files.library")).lacks(t, `enctype="multipart/form-data"`)

	ad := e.adminBrowser(fx.adminCert, lang)
	ad.login(t, "/login", url.Values{"tenant": {fx.slug}, "login_id": {fx.slug + "-admin"}, "password": {pw}}).expect(t, 200, "console").
		contains(t, `href="/admin/library"`, `href="/admin/trash"`)
	ad.get("/admin/library").expect(t, 200, "files").contains(t, `enctype="multipart/form-data"`)
	ad.upload("/admin/library", nil, "運用手順"+lang+".pdf", []byte("%PDF-1.7 manual")).expect(t, 200, "files").contains(t, "運用手順"+lang+".pdf")
	dr.get(s+"/library").expect(t, 200, "files").contains(t, "運用手順"+lang+".pdf")
	ad.get("/admin/trash").expect(t, 200, "trash").contains(t, "紹介状.pdf", T("files.empty_trash"))
	ad.post("/admin/trash/empty", url.Values{}).expect(t, 200, "trash").contains(t, T("files.trash_empty"))
	ad.get("/admin/settings").expect(t, 200, "settings").contains(t, `id="file-usage"`, `name="file_max_mb"`, `value="pdf" checked`)
	ad.post("/admin/settings", url.Values{"ended_retention_years": {"5"}, "file_max_mb": {"0"}, "file_quota_mb": {"１０２４０"},
		"file_types": {"pdf"}}).expect(t, 422, "settings").contains(t, T("error.file_max_mb"))
	ad.post("/admin/settings", url.Values{"ended_retention_years": {"5"}, "file_max_mb": {"５０"}, "file_quota_mb": {"10240"},
		"file_types": {"pdf", "image"}}).expect(t, 200, "settings").contains(t, T("notice.saved"), `value="50"`)
	dr.upload(files, nil, "note.txt", []byte("plain text")).expect(t, 415, "files").contains(t, T("error.file_type_denied"))
	ad.post("/admin/settings", url.Values{"ended_retention_years": {"5"}, "file_max_mb": {"100"}, "file_quota_mb": {"10240"},
		"file_types": {"pdf", "image", "office", "text", "csv"}}).expect(t, 200, "settings")
}

// newKeys is the in-memory per-tenant blob keyring.
func newKeys() *blobtest.Keys { return blobtest.NewKeys() }

// newBlobs is a local blob store in the test's temporary directory.
func newBlobs(t *testing.T) blob.Store {
	t.Helper()
	s, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
