package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// filesEnv is a server with two tenants, each with a nurse who owns a
// resident with consent; alpha's resident ID and both nurses' tokens.
type filesEnv struct {
	*env
	resident string
	token    map[string]string
}

func filesSetup(t *testing.T) *filesEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, storetest.Engines[0], nil)
	e := start(t, db)
	o := care.Origin{IP: "127.0.0.1", UserAgent: "test", Listener: care.AdminListener}
	op, err := e.app.InitOperator(ctx, "operator", "運用 担当", "", matrixPW, o)
	if err != nil {
		t.Fatal(err)
	}
	f := &filesEnv{env: e, token: map[string]string{}}
	for _, slug := range []string{"alpha", "beta"} {
		if _, err := e.app.CreateTenant(ctx, op, care.NewTenant{Slug: slug, Name: slug, AdminLogin: "admin", AdminName: "管理 者",
			AdminPassword: matrixPW}); err != nil {
			t.Fatal(err)
		}
		adm, err := e.app.TenantAdminActor(ctx, slug, "admin", o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.UpdateTenantSettings(ctx, adm, app.Settings{EndedRetentionYears: 5, FileMaxMB: 1}); err != nil {
			t.Fatal(err)
		}
		fs, _ := e.app.Facilities(ctx, adm)
		if _, err := e.app.CreateUser(ctx, adm, care.UserInput{LoginID: "nurse", Name: "看護 花子", Kana: "カンゴ", Profession: "nurse",
			Role: care.RoleMember, Facilities: []string{fs[0].ID}, Password: matrixPW}); err != nil {
			t.Fatal(err)
		}
		tok, act, err := e.app.Login(ctx, app.Credentials{Tenant: slug, LoginID: "nurse", Password: matrixPW,
			Origin: care.Origin{IP: "127.0.0.1", Listener: care.UserListener}})
		if err != nil {
			t.Fatal(err)
		}
		f.token[slug] = tok
		r, err := e.app.CreateResident(ctx, act, care.ResidentInput{Name: "利用 者", Kana: "リヨウ", BirthDate: "1940-01-01", Sex: "female", CareLevel: "care1"})
		if err != nil {
			t.Fatal(err)
		}
		if slug == "alpha" {
			f.resident = r.ID
		}
	}
	return f
}

// multipartBody is a form with one file part, its filename as given.
func multipartBody(filename string, content []byte) (string, *bytes.Buffer) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, strings.ReplaceAll(filename, `"`, `\"`)))
	h.Set("Content-Type", "application/octet-stream")
	p, _ := mw.CreatePart(h)
	p.Write(content)
	mw.Close()
	return mw.FormDataContentType(), &b
}

func (f *filesEnv) req(t *testing.T, slug, method, path, ctype string, body io.Reader, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.userURL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+f.token[slug])
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.user.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (f *filesEnv) upload(t *testing.T, name string, content []byte) *http.Response {
	t.Helper()
	ct, body := multipartBody(name, content)
	return f.req(t, "alpha", http.MethodPost, "/api/v1/residents/"+f.resident+"/files", ct, body)
}

func (f *filesEnv) count(t *testing.T) int {
	t.Helper()
	resp := f.req(t, "alpha", http.MethodGet, "/api/v1/residents/"+f.resident+"/files", "", nil)
	var l struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}

func TestFilesAPI(t *testing.T) {
	f := filesSetup(t)
	content := []byte("%PDF-1.7\n" + strings.Repeat("0123456789", 1000))
	resp := f.upload(t, "退院時サマリー \"最終\".pdf", content)
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	var file struct {
		ID, Name, ContentType string `json:"-"`
	}
	var raw map[string]any
	json.NewDecoder(resp.Body).Decode(&raw)
	file.ID, _ = raw["id"].(string)
	if raw["content_type"] != "application/pdf" || raw["name"] != "退院時サマリー \"最終\".pdf" {
		t.Fatalf("file %v", raw)
	}

	t.Run("Download", func(t *testing.T) {
		resp := f.req(t, "alpha", http.MethodGet, "/api/v1/files/"+file.ID+"/content", "", nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !bytes.Equal(b, content) {
			t.Fatalf("download %d, %d bytes", resp.StatusCode, len(b))
		}
		h := resp.Header
		want := map[string]string{
			"Content-Type":           "application/pdf",
			"X-Content-Type-Options": "nosniff",
			"Content-Disposition":    `attachment; filename="_______ ____.pdf"; filename*=UTF-8''%E9%80%80%E9%99%A2%E6%99%82%E3%82%B5%E3%83%9E%E3%83%AA%E3%83%BC%20%22%E6%9C%80%E7%B5%82%22.pdf`,
		}
		for k, v := range want {
			if h.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, h.Get(k), v)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP %q", csp)
		}
		inline := f.req(t, "alpha", http.MethodGet, "/api/v1/files/"+file.ID+"/content?inline=1", "", nil)
		if d := inline.Header.Get("Content-Disposition"); !strings.HasPrefix(d, "inline;") {
			t.Errorf("inline PDF: %q", d)
		}
	})
	t.Run("Range", func(t *testing.T) {
		resp := f.req(t, "alpha", http.MethodGet, "/api/v1/files/"+file.ID+"/content", "", nil, "Range", "bytes=9-18")
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusPartialContent || string(b) != "0123456789" ||
			resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 9-18/%d", len(content)) {
			t.Fatalf("range: %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Range"))
		}
	})
	t.Run("ErrOtherTenant", func(t *testing.T) {
		for _, path := range []string{"/api/v1/files/" + file.ID, "/api/v1/files/" + file.ID + "/content"} {
			resp := f.req(t, "beta", http.MethodGet, path, "", nil)
			missing := f.req(t, "beta", http.MethodGet, strings.Replace(path, file.ID, "0190f000-0000-7000-8000-00000000dead", 1), "", nil)
			a, _ := io.ReadAll(resp.Body)
			io.Copy(io.Discard, missing.Body)
			if resp.StatusCode != 404 || missing.StatusCode != 404 || strings.Contains(string(a), "PDF") {
				t.Errorf("%s as beta: %d %s (a missing ID: %d)", path, resp.StatusCode, a, missing.StatusCode)
			}
		}
	})

	before := f.count(t)
	bad := []struct {
		name    string
		content []byte
		status  int
	}{
		{"../x.pdf", content, http.StatusUnprocessableEntity},
		{`..\x.pdf`, content, http.StatusUnprocessableEntity},
		{"/etc/passwd", content, http.StatusUnprocessableEntity},
		{"a\x00b.pdf", content, http.StatusUnprocessableEntity},
		{"photo.png", []byte("<html><script>alert(1)</script></html>"), http.StatusUnsupportedMediaType},
		{"image.jpg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), http.StatusUnsupportedMediaType},
		{"over.pdf", append([]byte("%PDF-1.7\n"), make([]byte, 1<<20-9+1)...), http.StatusRequestEntityTooLarge},
	}
	for _, b := range bad {
		resp := f.upload(t, b.name, b.content)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != b.status || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("upload %q: %d %s, want %d", b.name, resp.StatusCode, body, b.status)
		}
	}
	if exact := f.upload(t, "exact.pdf", append([]byte("%PDF-1.7\n"), make([]byte, 1<<20-9)...)); exact.StatusCode != http.StatusCreated {
		t.Errorf("a file of exactly the limit: %d", exact.StatusCode)
	}

	t.Run("ErrCutOff", func(t *testing.T) {
		// The client sends half the body and hangs up.
		pr, pw := io.Pipe()
		ct, body := multipartBody("cut.pdf", append([]byte("%PDF-1.7\n"), make([]byte, 600<<10)...))
		go func() {
			pw.Write(body.Bytes()[:300<<10])
			pw.CloseWithError(io.ErrUnexpectedEOF)
		}()
		req, _ := http.NewRequest(http.MethodPost, f.userURL+"/api/v1/residents/"+f.resident+"/files", pr)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+f.token["alpha"])
		if resp, err := f.user.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusCreated {
				t.Fatal("a cut-off upload was stored")
			}
		}
	})
	if n := f.count(t); n != before+1 {
		t.Fatalf("after the refused uploads: %d files, want %d (the exact one only)", n, before+1)
	}
}
