package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/demo"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// fetched is what a download fetched by the page's own script returned.
type fetched struct {
	Status      int    `json:"status"`
	Disposition string `json:"disposition"`
	Type        string `json:"type"`
	Nosniff     string `json:"nosniff"`
	CSP         string `json:"csp"`
	SHA256      string `json:"sha256"`
	Length      int    `json:"length"`
}

// fetchFile downloads href with the browser's session and digests it.
func (b *browser) fetchFile(href string) fetched {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[fetched](`fetch(`+jsString(href)+`).then(async r => {
		const buf = await r.arrayBuffer();
		const d = await crypto.subtle.digest("SHA-256", buf);
		return {status: r.status, disposition: r.headers.get("content-disposition") || "", type: r.headers.get("content-type") || "",
			nosniff: r.headers.get("x-content-type-options") || "", csp: r.headers.get("content-security-policy") || "",
			sha256: [...new Uint8Array(d)].map(x => x.toString(16).padStart(2, "0")).join(""), length: buf.byteLength};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch %s: %v", href, err)
	}
	return got
}

// TestBrowserFiles is file sharing from a tablet: the resident's doctor
// uploads a PDF into the resident's files with the page's form, the nurse
// on the care team downloads it, and a member outside the team can
// neither see the files nor fetch the file.
func TestBrowserFiles(t *testing.T) {
	cat := i18n.MustLoad()
	ja := func(key string, args ...any) string { return cat.T(i18n.Japanese, key, args...) }
	db := storetest.Open(t, storetest.Engines[0], nil)
	e := start(t, db)
	doctor, nurse, residentName := seedContactBook(t, e)

	// The resident's ID, and a member of the tenant outside its team.
	ctx := context.Background()
	o := care.Origin{IP: "127.0.0.1", Listener: care.UserListener}
	tok, act, err := e.app.Login(ctx, app.Credentials{Tenant: "demo", LoginID: doctor.Login, Password: demoPassword, Origin: o})
	if err != nil {
		t.Fatal(err)
	}
	_ = tok
	rs, err := e.app.Residents(ctx, act, app.ResidentFilter{Query: residentName})
	if err != nil || len(rs) == 0 {
		t.Fatalf("resident %s: %v %v", residentName, rs, err)
	}
	rid := rs[0].ID
	team, err := e.app.Team(ctx, act, rid)
	if err != nil {
		t.Fatal(err)
	}
	var outsider demo.User
	tenant := demo.Tenants[slices.IndexFunc(demo.Tenants, func(x demo.Tenant) bool { return x.Slug == "demo" })]
	for _, u := range tenant.Users {
		onTeam := slices.ContainsFunc(team, func(m care.TeamMember) bool { return m.Name == u.Name })
		if u.Role == care.RoleMember && !onTeam {
			outsider = u
			break
		}
	}
	if outsider.Login == "" {
		t.Fatal("every demo member is on the team")
	}

	// A small PDF with a Japanese name, as a scanner would make it.
	var pdf bytes.Buffer
	pdf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n")
	for i := 0; pdf.Len() < 300<<10; i++ {
		pdf.WriteString("% scanned page data 0123456789 abcdefghijklmnopqrstuvwxyz\n")
	}
	pdf.WriteString("%%EOF\n")
	sum := sha256.Sum256(pdf.Bytes())
	want := hex.EncodeToString(sum[:])
	path := filepath.Join(t.TempDir(), "診療情報提供書.pdf")
	if err := os.WriteFile(path, pdf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	files := e.userURL + "/t/demo/residents/" + rid + "/files"
	b := newBrowser(t, "")
	b.do("phone-size tablet viewport", chromedp.EmulateViewport(820, 1180, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.do("open the login page", chromedp.Navigate(e.userURL+"/t/demo/login"))
	b.login(doctor.Login, demoPassword)
	b.expectPage("home", "ja", "/t/demo/")
	b.do("open the resident's files", chromedp.Navigate(files))
	b.expectPage("files", "ja", "/t/demo/residents/"+rid+"/files")
	b.do("upload the PDF with the form",
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{path}),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".files__item")),
	)
	if got := b.text("main .notice"); got != ja("notice.uploaded") {
		t.Errorf("notice %q, want %q", got, ja("notice.uploaded"))
	}
	if got := b.text(".files__item .files__name"); got != "診療情報提供書.pdf" {
		t.Errorf("listed name %q", got)
	}
	width, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil || width > 820 {
		t.Errorf("page width on the tablet = %d, %v; want no horizontal scrolling", width, err)
	}
	b.screenshot("files-uploaded-tablet-ja")

	t.Run("ErrDisguised", func(t *testing.T) {
		fake := filepath.Join(t.TempDir(), "photo.png")
		os.WriteFile(fake, []byte("<!DOCTYPE html><script>alert(1)</script>"), 0o600)
		b.do("upload HTML named .png",
			chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{fake}),
			chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".error-summary")),
		)
		if got := b.text("#f-file-error"); got != ja("error.file_markup") {
			t.Errorf("field error %q, want %q", got, ja("error.file_markup"))
		}
		b.screenshot("files-refused-ja")
	})

	// Each person in a browser of their own: one browser session is
	// bounded by browserTimeout.
	b = newBrowser(t, "")
	b.do("open the login page as the nurse", chromedp.Navigate(e.userURL+"/t/demo/login"))
	b.login(nurse.Login, demoPassword)
	b.expectPage("home", "ja", "/t/demo/")
	b.do("open the resident's files as the nurse", chromedp.Navigate(files))
	href := b.attr(".files__download", "href")
	got := b.fetchFile(href)
	if got.Status != 200 || got.SHA256 != want || got.Length != pdf.Len() {
		t.Fatalf("nurse's download: %+v, want sha256 %s", got, want)
	}
	if !strings.HasPrefix(got.Disposition, "attachment;") || !strings.Contains(got.Disposition, "filename*=UTF-8''"+
		"%E8%A8%BA%E7%99%82%E6%83%85%E5%A0%B1%E6%8F%90%E4%BE%9B%E6%9B%B8.pdf") {
		t.Errorf("Content-Disposition %q", got.Disposition)
	}
	if got.Type != "application/pdf" || got.Nosniff != "nosniff" || !strings.Contains(got.CSP, "sandbox") {
		t.Errorf("download headers %+v", got)
	}
	b.do("open the file's page", chromedp.Click(chromedp.CSS(".files__item .files__name")), chromedp.WaitVisible(chromedp.CSS("#versions-title")))
	b.screenshot("file-page-nurse-ja")

	b = newBrowser(t, "")
	b.do("open the login page as the outsider", chromedp.Navigate(e.userURL+"/t/demo/login"))
	b.login(outsider.Login, demoPassword)
	b.expectPage("home", "ja", "/t/demo/")
	b.do("open the resident's files as a member outside the team", chromedp.Navigate(files))
	if got := b.text("main"); !strings.Contains(got, ja("error.not_found")) || strings.Contains(got, "診療情報提供書") {
		t.Errorf("outsider sees:\n%s", got)
	}
	if got := b.fetchFile(href); got.Status != 404 || got.Length > 0 && strings.Contains(got.Type, "pdf") {
		t.Errorf("outsider's download: %+v, want 404", got)
	}
	b.screenshot("files-outsider-ja")
}
