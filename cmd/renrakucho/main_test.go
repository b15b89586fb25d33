package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// noEnv is an empty environment, so the tests do not depend on the
// machine's RENRAKUCHO_* variables.
func noEnv(string) string { return "" }

// runCLI runs one command to completion.
func runCLI(t *testing.T, getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv}
	code = c.run(context.Background(), args)
	return code, out.String(), errb.String()
}

// running is a long-running command (serve, demo) started by startCLI.
type running struct {
	userURL, adminURL string
	stdout, stderr    *syncBuffer
	stop              func() int
}

// startCLI runs a serving command until the test calls stop or ends.
func startCLI(t *testing.T, args ...string) *running {
	t.Helper()
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	readyc := make(chan struct{})
	c := &cli{stdin: strings.NewReader(""), stdout: r.stdout, stderr: r.stderr, getenv: noEnv,
		ready: func(u, a string) { r.userURL, r.adminURL = u, a; close(readyc) }}
	done := make(chan int, 1)
	go func() { done <- c.run(ctx, args) }()
	select {
	case <-readyc:
	case code := <-done:
		cancel()
		t.Fatalf("%v exited with %d before serving:\n%s\n%s", args, code, r.stdout, r.stderr)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("%v did not start", args)
	}
	var once sync.Once
	code := 0
	r.stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// dataArgs are the flags that put a command's data in a fresh directory
// and database of the engine.
func dataArgs(t *testing.T, engine string) (dir string, args []string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	return dir, []string{"--data", dir, "--db", storetest.DSN(t, engine), "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
		"--log-level", "warn"}
}

// certClient returns an HTTPS client for the admin listener presenting
// the certificate in dir/base.{crt,key}.
func certClient(t *testing.T, dir, base string) *http.Client {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	conf := &tls.Config{RootCAs: pool}
	if base != "" {
		cert, err := tls.LoadX509KeyPair(filepath.Join(dir, base+".crt"), filepath.Join(dir, base+".key"))
		if err != nil {
			t.Fatal(err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: conf}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// post sends JSON and returns the status and body.
func post(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	res, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func get(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// fingerprint returns the SHA-256 of dir/base.crt.
func fingerprint(t *testing.T, dir, base string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, base+".crt"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := pki.ParseCertPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return pki.Fingerprint(cert)
}

// checkP12 fails unless dir/base.p12 opens with password.
func checkP12(t *testing.T, dir, base, password string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, base+".p12"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := pkcs12.DecodeChain(data, password); err != nil {
		t.Errorf("%s.p12 does not open with the password: %v", base, err)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"NoCommand", nil, exitUsage, "", "Commands:"},
		{"Help", []string{"help"}, exitOK, "demo ", ""},
		{"HelpFlag", []string{"--help"}, exitOK, "serve ", ""},
		{"HelpServe", []string{"help", "serve"}, exitOK, "--session-idle", ""},
		{"HelpCA", []string{"help", "ca"}, exitOK, "ca issue --tenant SLUG --login LOGIN", ""},
		{"Version", []string{"version"}, exitOK, "renrakucho ", ""},
		{"ErrUnknownCommand", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"ErrUnknownFlag", []string{"serve", "--nope"}, exitUsage, "", "-nope"},
		{"ErrBadSetting", []string{"serve", "--session-idle", "0s"}, exitUsage, "", "--session-idle (RENRAKUCHO_SESSION_IDLE)"},
		{"ErrBadAddr", []string{"serve", "--addr", "0.0.0.0:8080"}, exitUsage, "", "--addr (RENRAKUCHO_ADDR)"},
		{"ErrServeArgs", []string{"serve", "extra"}, exitUsage, "", "unexpected arguments"},
		{"ErrInitNoLogin", []string{"init", "--data", "x"}, exitUsage, "", "--login and --name are required"},
		{"ErrCANoSub", []string{"ca"}, exitUsage, "", "init, issue, revoke or list"},
		{"ErrCARevokeNothing", []string{"ca", "revoke"}, exitUsage, "", "ca revoke needs a SERIAL or --tenant SLUG --login LOGIN"},
		{"ErrCARevokeNoTenant", []string{"ca", "revoke", "--login", "admin"}, exitUsage, "", "--tenant is required with --login"},
		{"ErrCAIssueNoLogin", []string{"ca", "issue", "--tenant", "demo"}, exitUsage, "", "--tenant and --login are required"},
		{"HelpVerifyAudit", []string{"help", "verify-audit"}, exitOK, "--checkpoint FILE", ""},
		{"HelpBackup", []string{"help", "backup"}, exitOK, "renrakucho backup DIR", ""},
		{"ErrBackupNoDir", []string{"backup", "--data", "x"}, exitUsage, "", "backup needs one directory"},
		{"ErrVerifyBadCheckpoint", []string{"verify-audit", "--checkpoint", "/nonexistent.json"}, exitUsage, "", "checkpoint file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, noEnv, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tt.code, stdout, tt.stdout, stderr, tt.stderr)
			}
		})
	}
}

func TestSplitFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		own  map[string]string
		rest []string
	}{
		{"Mixed", []string{"--login", "root", "--data", "d", "-name=太郎", "--addr=x"},
			map[string]string{"login": "root", "name": "太郎"}, []string{"--data", "d", "--addr=x"}},
		{"EmptyValue", []string{"--tenant", "", "--login", "op"}, map[string]string{"tenant": "", "login": "op"}, nil},
		{"StopsAtDashDash", []string{"--", "--login", "x"}, map[string]string{}, []string{"--", "--login", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			own, rest, err := splitFlags(tt.args, "login", "name", "tenant")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(own, tt.own) || !reflect.DeepEqual(rest, tt.rest) {
				t.Errorf("= %v %q, want %v %q", own, rest, tt.own, tt.rest)
			}
		})
	}
	if _, _, err := splitFlags([]string{"--login"}, "login"); err == nil {
		t.Error("a flag without its value was accepted")
	}
}

func TestServeNotInitialised(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, args := dataArgs(t, engine)
			code, _, stderr := runCLI(t, noEnv, append([]string{"serve"}, args...)...)
			if code != exitUsage || !strings.Contains(stderr, notInitialised+"\n") {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

func TestInitServeCA(t *testing.T) {
	const pw = "Hanamizuki-2026-kaze"
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			data, args := dataArgs(t, engine)
			certs := filepath.Join(data, "certs")
			initArgs := append([]string{"init", "--login", "root", "--name", "運用 太郎", "--email", "root@example.jp"}, args...)

			t.Run("ErrNoPassword", func(t *testing.T) {
				code, _, stderr := runCLI(t, noEnv, initArgs...)
				if code != exitUsage || !strings.Contains(stderr, initPasswordEnv) {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
			})
			t.Run("ErrWeakPassword", func(t *testing.T) {
				code, _, stderr := runCLI(t, noEnv, append(initArgs, "--password", "root-root-root-1")...)
				if code != exitUsage || !strings.Contains(stderr, "login") {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
			})

			env := func(k string) string {
				if k == initPasswordEnv {
					return pw
				}
				return ""
			}
			code, stdout, stderr := runCLI(t, env, initArgs...)
			if code != exitOK {
				t.Fatalf("init: exit %d\n%s\n%s", code, stdout, stderr)
			}
			for _, f := range []string{"ca.crt", "ca.key", "operator.crt", "operator.key", "operator.p12"} {
				if _, err := os.Stat(filepath.Join(certs, f)); err != nil {
					t.Errorf("init did not write %s: %v", f, err)
				}
			}
			_, p12pw, ok := strings.Cut(stdout, ".p12 password:")
			if !ok {
				t.Fatalf("init printed no .p12 password:\n%s", stdout)
			}
			checkP12(t, certs, "operator", strings.Fields(p12pw)[0])

			t.Run("ErrTwice", func(t *testing.T) {
				code, _, stderr := runCLI(t, env, initArgs...)
				if code != exitError || !strings.Contains(stderr, "already initialised") {
					t.Fatalf("second init: exit %d, stderr %q", code, stderr)
				}
			})

			t.Run("Serve", func(t *testing.T) {
				r := startCLI(t, append([]string{"serve"}, args...)...)
				if !strings.Contains(r.stdout.String(), r.adminURL) {
					t.Errorf("serve did not print the admin URL:\n%s", r.stdout)
				}
				op := certClient(t, certs, "operator")
				if got := get(t, op, r.adminURL+"/healthz"); got != 200 {
					t.Errorf("admin /healthz = %d", got)
				}
				// The first operator has no second factor yet: the API sends
				// them to enrol in the browser.
				if status, body := post(t, op, r.adminURL+"/api/v1/sessions",
					`{"tenant":"","login_id":"root","password":"`+pw+`"}`); status != http.StatusUnauthorized ||
					!strings.Contains(body, "second-factor-enrolment-required") {
					t.Errorf("operator login = %d %s", status, body)
				}
				if _, err := certClient(t, certs, "").Get(r.adminURL + "/healthz"); err == nil {
					t.Error("the admin listener answered a client without a certificate")
				}
				if code := r.stop(); code != exitOK {
					t.Errorf("serve exited with %d after the signal\n%s", code, r.stderr)
				}
			})

			t.Run("CAIssue", func(t *testing.T) {
				code, stdout, stderr := runCLI(t, noEnv, append([]string{"ca", "issue", "--tenant", "", "--login", "root"}, args...)...)
				if code != exitOK {
					t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
				}
				_, p12pw, _ := strings.Cut(stdout, ".p12 password:")
				checkP12(t, certs, "operator.root", strings.Fields(p12pw)[0])
				code, _, stderr = runCLI(t, noEnv, append([]string{"ca", "issue", "--tenant", "nosuch", "--login", "admin"}, args...)...)
				if code != exitError {
					t.Errorf("issue for an unknown tenant: exit %d, stderr %q", code, stderr)
				}
				code, stdout, _ = runCLI(t, noEnv, append([]string{"ca", "list"}, args...)...)
				if code != exitOK || !strings.Contains(stdout, "operator.root") || !strings.Contains(stdout, "NOT AFTER") {
					t.Errorf("ca list: exit %d\n%s", code, stdout)
				}
				code, _, stderr = runCLI(t, noEnv, append([]string{"ca", "init"}, args...)...)
				if code != exitError || !strings.Contains(stderr, "never overwritten") {
					t.Errorf("ca init over an existing CA: exit %d, stderr %q", code, stderr)
				}
			})

			t.Run("CARevoke", func(t *testing.T) {
				code, stdout, stderr := runCLI(t, noEnv, append([]string{"ca", "issue", "--tenant", "", "--login", "root"}, args...)...)
				if code != exitOK {
					t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
				}
				_, serial, _ := strings.Cut(stdout, "(serial ")
				serial, _, _ = strings.Cut(serial, ",")
				code, stdout, stderr = runCLI(t, noEnv, append([]string{"ca", "revoke", serial}, args...)...)
				if code != exitOK || !strings.Contains(stdout, "Revoked "+serial) {
					t.Fatalf("ca revoke %s: exit %d\n%s\n%s", serial, code, stdout, stderr)
				}
				crl, err := os.ReadFile(filepath.Join(certs, "crl.pem"))
				if err != nil || !strings.Contains(string(crl), "BEGIN X509 CRL") {
					t.Errorf("crl.pem: %v %q", err, crl)
				}
				code, stdout, _ = runCLI(t, noEnv, append([]string{"ca", "list"}, args...)...)
				var line string
				for _, l := range strings.Split(stdout, "\n") {
					if strings.HasPrefix(l, serial) {
						line = l
					}
				}
				if code != exitOK || line == "" || strings.HasSuffix(strings.TrimSpace(line), "-") {
					t.Errorf("ca list does not show %s revoked:\n%s", serial, stdout)
				}
				code, stdout, stderr = runCLI(t, noEnv, append([]string{"ca", "revoke", "--tenant", "", "--login", "nobody"}, args...)...)
				if code != exitError || !strings.Contains(stderr, "no valid certificate") {
					t.Errorf("revoke for an account without certificates: exit %d %q", code, stderr)
				}
			})
		})
	}
}

func TestDemo(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			data, args := dataArgs(t, engine)
			certs := filepath.Join(data, "certs")
			r := startCLI(t, append([]string{"demo"}, args...)...)
			saved, err := os.ReadFile(filepath.Join(data, demoPasswordFile))
			if err != nil {
				t.Fatal(err)
			}
			password := strings.TrimSpace(string(saved))
			if fi, _ := os.Stat(filepath.Join(data, demoPasswordFile)); fi.Mode().Perm() != 0o600 {
				t.Errorf("demo-password mode %v, want 0600", fi.Mode().Perm())
			}
			out := r.stdout.String()
			for _, want := range []string{password, r.userURL + "/t/demo/login", r.userURL + "/t/demo2/login", r.adminURL + "/",
				"caremgr", "responder", filepath.Join(certs, "ca.crt"), filepath.Join(certs, "demo2.fadmin")} {
				if !strings.Contains(out, want) {
					t.Errorf("demo did not print %q", want)
				}
			}
			bases := []string{"operator", "demo.admin", "demo.fadmin", "demo2.admin", "demo2.fadmin"}
			for _, b := range bases {
				checkP12(t, certs, b, password)
			}

			t.Run("Logins", func(t *testing.T) {
				admin := certClient(t, certs, "demo.admin")
				if status, body := post(t, admin, r.adminURL+"/api/v1/sessions",
					`{"tenant":"demo","login_id":"admin","password":"`+password+`"}`); status != http.StatusUnauthorized ||
					!strings.Contains(body, "second-factor-required") {
					t.Errorf("demo admin login without a code = %d %s", status, body)
				}
				if status, body := post(t, admin, r.adminURL+"/api/v1/sessions",
					`{"tenant":"demo","login_id":"admin","password":"`+password+`","otp":"`+totpCode(t, certs, "demo.admin")+`"}`); status != http.StatusCreated {
					t.Errorf("demo admin login = %d %s", status, body)
				}
				op := certClient(t, certs, "operator")
				if status, body := post(t, op, r.adminURL+"/api/v1/sessions",
					`{"tenant":"","login_id":"operator","password":"`+password+`","otp":"`+totpCode(t, certs, "operator")+`"}`); status != http.StatusCreated {
					t.Errorf("operator login = %d %s", status, body)
				}
				if !strings.Contains(out, "oathtool --totp -b $(cat "+filepath.Join(certs, "demo.admin.totp")+")") {
					t.Errorf("demo did not print how to get a code:\n%s", out)
				}
				if status, body := post(t, http.DefaultClient, r.userURL+"/api/v1/sessions",
					`{"tenant":"demo2","login_id":"doctor","password":"`+password+`"}`); status != http.StatusCreated {
					t.Errorf("demo2 doctor login = %d %s", status, body)
				}
			})
			if code := r.stop(); code != exitOK {
				t.Fatalf("demo exited with %d\n%s", code, r.stderr)
			}

			t.Run("Restart", func(t *testing.T) {
				before := map[string]string{}
				for _, b := range bases {
					before[b] = fingerprint(t, certs, b)
				}
				if err := os.Remove(filepath.Join(certs, "demo.fadmin.p12")); err != nil {
					t.Fatal(err)
				}
				r := startCLI(t, append([]string{"demo"}, args...)...)
				if !strings.Contains(r.stdout.String(), password) {
					t.Errorf("the restarted demo printed another password")
				}
				for _, b := range bases {
					changed := fingerprint(t, certs, b) != before[b]
					if want := b == "demo.fadmin"; changed != want {
						t.Errorf("%s reissued = %v, want %v", b, changed, want)
					}
				}
				checkP12(t, certs, "demo.fadmin", password)
				admin := certClient(t, certs, "demo.fadmin")
				if status, body := post(t, admin, r.adminURL+"/api/v1/sessions",
					`{"tenant":"demo","login_id":"fadmin","password":"`+password+`","otp":"`+totpCode(t, certs, "demo.fadmin")+`"}`); status != http.StatusCreated {
					t.Errorf("fadmin login with the reissued certificate = %d %s", status, body)
				}
				r.stop()
			})

			t.Run("OtherPassword", func(t *testing.T) {
				r := startCLI(t, append([]string{"demo", "--password", "Another-Demo-2026"}, args...)...)
				if !strings.Contains(r.stdout.String(), "keep the earlier password") {
					t.Errorf("no warning that accounts keep the earlier password:\n%s", r.stdout)
				}
				r.stop()
			})

			t.Run("Keys", func(t *testing.T) {
				keys := func(want int, sub ...string) string {
					t.Helper()
					code, stdout, stderr := runCLI(t, noEnv, append(append([]string{"keys"}, sub...), args...)...)
					if code != want {
						t.Fatalf("keys %v: exit %d, want %d\n%s\n%s", sub, code, want, stdout, stderr)
					}
					return stdout
				}
				if out := keys(exitOK, "status"); !strings.Contains(out, "demo2") || !strings.Contains(out, "v1") {
					t.Errorf("keys status:\n%s", out)
				}
				if out := keys(exitOK, "rotate", "--tenant", "demo", "--wait"); !strings.Contains(out, "keyset version 2") ||
					!strings.Contains(out, "rows re-encrypted") {
					t.Errorf("keys rotate:\n%s", out)
				}
				if out := keys(exitOK, "rotate", "--kek"); !strings.Contains(out, "2 tenant keys re-wrapped") {
					t.Errorf("keys rotate --kek:\n%s", out)
				}
				if out := keys(exitOK, "status"); !strings.Contains(out, "v2") || strings.Contains(out, "in progress") {
					t.Errorf("keys status after rotation:\n%s", out)
				}
				keys(exitUsage, "shred", "--tenant", "demo2", "--confirm", "demo")
				// The rotated deployment serves its data.
				r := startCLI(t, append([]string{"demo"}, args...)...)
				if status, body := post(t, http.DefaultClient, r.userURL+"/api/v1/sessions",
					`{"tenant":"demo","login_id":"doctor","password":"`+password+`"}`); status != http.StatusCreated {
					t.Errorf("doctor login after rotation = %d %s", status, body)
				}
				r.stop()
				if out := keys(exitOK, "shred", "--tenant", "demo2", "--confirm", "demo2"); !strings.Contains(out, "keys destroyed") {
					t.Errorf("keys shred:\n%s", out)
				}
			})
		})
	}
}

// totpCode reads a demo account's TOTP secret (DATA/certs/BASE.totp, mode
// 0600) and returns the current code, as oathtool would.
func totpCode(t *testing.T, certs, base string) string {
	t.Helper()
	file := filepath.Join(certs, base+".totp")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no TOTP secret for %s: %v", base, err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", file, fi.Mode().Perm())
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	code, err := auth.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}
