package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

func TestZZExp(t *testing.T) {
	db := storetest.Open(t, "sqlite", nil)
	e := start(t, db)
	ctx := context.Background()
	op, err := e.app.InitOperator(ctx, "root", "運用 太郎", "", "Hanamizuki-2026-kaze", care.Origin{UserAgent: "t", Listener: care.AdminListener})
	if err != nil {
		t.Fatal(err)
	}
	issued, err := e.app.IssueClientCert(ctx, op, "", "root")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	nss := filepath.Join(home, ".pki", "nssdb")
	os.MkdirAll(nss, 0o700)
	os.WriteFile(filepath.Join(home, "ca.pem"), e.ca.CertPEM(), 0o644)
	os.WriteFile(filepath.Join(home, "op.p12"), issued.P12, 0o600)
	for _, args := range [][]string{
		{"certutil", "-N", "-d", "sql:" + nss, "--empty-password"},
		{"certutil", "-A", "-d", "sql:" + nss, "-n", "ca", "-t", "CT,C,C", "-a", "-i", filepath.Join(home, "ca.pem")},
		{"pk12util", "-i", filepath.Join(home, "op.p12"), "-d", "sql:" + nss, "-W", issued.P12Password},
		{"certutil", "-L", "-d", "sql:" + nss},
	} {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		t.Logf("%v: %s %v", args, out, err)
	}
	u, _ := url.Parse(e.adminURL)
	udd := t.TempDir()
	os.MkdirAll(filepath.Join(udd, "Default"), 0o700)
	prefs := map[string]any{"profile": map[string]any{"content_settings": map[string]any{"exceptions": map[string]any{
		"auto_select_certificate": map[string]any{
			os.Getenv("PAT") + "," + "*": map[string]any{"setting": map[string]any{"filters": []any{map[string]any{"ISSUER": map[string]any{"CN": pki.CAName}}}}},
		}}}}}
	_ = u
	b, _ := json.Marshal(prefs)
	_ = fmt.Sprint
	os.WriteFile(filepath.Join(udd, "Default", "Preferences"), b, 0o600)
	t.Logf("prefs %s", b)
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath("/usr/bin/chromium"), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(udd), chromedp.Env("HOME=" + home), chromedp.CombinedOutput(os.Stderr)}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(tctx, opts...)
	defer acancel()
	cctx, ccancel := chromedp.NewContext(actx)
	defer ccancel()
	err = chromedp.Do(cctx, chromedp.Navigate(e.adminURL+"/login"))
	t.Logf("navigate: %v", err)
	txt, err := chromedp.Run(cctx, chromedp.Text(chromedp.CSS("body")))
	t.Logf("body: %q %v", txt, err)
}
