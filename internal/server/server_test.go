package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/blob"
	"github.com/renrakucho/renrakucho/internal/blob/blobtest"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/server"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// cheap are argon2id parameters fast enough for tests.
var cheap = auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// env is one running server on real sockets.
type env struct {
	db       *store.DB
	app      *app.App
	ca       *pki.CA
	srv      *server.Server
	userURL  string
	adminURL string
	// admin is an HTTPS client that trusts the CA and presents a client
	// certificate issued by it.
	admin *http.Client
	// user is a client of the user listener (trusting the CA, for TLS).
	user *http.Client
	stop func() error
}

// option changes the configuration or dependencies of a test server.
type option func(*config.Config, *server.Deps)

// start runs a server on 127.0.0.1:0 for both listeners until the test
// ends.
func start(t *testing.T, db *store.DB, opts ...option) *env {
	t.Helper()
	ca, err := pki.Create(filepath.Join(t.TempDir(), "certs"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return startWithCA(t, db, ca, opts...)
}

func startWithCA(t *testing.T, db *store.DB, ca *pki.CA, opts ...option) *env {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr, cfg.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	blobs, err := blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, auth.NewHasher(cheap, 0), app.Options{CA: ca, Log: log, Blobs: blobs, BlobKeys: blobtest.NewKeys()})
	d := server.Deps{App: a, CA: ca, Cat: i18n.MustLoad(), Log: log, ShutdownTimeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg, &d)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d.Config = cfg
	srv, err := server.New(d)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	e := &env{db: db, app: a, ca: ca, srv: srv}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	readyc := make(chan struct{})
	go func() {
		done <- srv.Run(ctx, func(u, a string) { e.userURL, e.adminURL = u, a; close(readyc) })
	}()
	select {
	case <-readyc:
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	}
	stopped := false
	e.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("Run returned %v after cancel", err)
		}
	})
	e.admin = e.clientWith(t, recordedCert(t, db, ca, pki.Subject{Login: "scraper"}))
	e.user = e.clientWith(t, nil)
	return e
}

// clientWith returns an HTTPS client trusting the test CA, presenting cert
// when not nil.
func (e *env) clientWith(t *testing.T, cert *tls.Certificate, mutate ...func(*tls.Config)) *http.Client {
	t.Helper()
	c := &tls.Config{RootCAs: e.ca.CertPool()}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	for _, m := range mutate {
		m(c)
	}
	tr := &http.Transport{TLSClientConfig: c, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func clientCert(t *testing.T, ca *pki.CA, sub pki.Subject) *tls.Certificate {
	t.Helper()
	issued, err := ca.IssueClient(sub, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := issued.TLSCertificate()
	return &c
}

// recordedCert returns a client certificate issued by the CA and recorded
// as an admin certificate, as `renrakucho ca issue` would, so that the
// admin listener's gate lets it through.
func recordedCert(t *testing.T, db *store.DB, ca *pki.CA, sub pki.Subject) *tls.Certificate {
	t.Helper()
	issued, err := ca.IssueClient(sub, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		return ptx.RecordClientCert(context.Background(), store.ClientCert{Serial: issued.Serial, LoginID: sub.Login,
			Fingerprint: pki.Fingerprint(issued.Cert), NotAfter: issued.NotAfter, Kind: store.CertAdmin})
	})
	if err != nil {
		t.Fatal(err)
	}
	c := issued.TLSCertificate()
	return &c
}

// selfSigned returns a client certificate signed by its own key.
func selfSigned(t *testing.T) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "operator.mallory"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, url string, body io.Reader, header ...string) response {
	t.Helper()
	res, err := try(c, method, url, body, header...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return res
}

func try(c *http.Client, method, url string, body io.Reader, header ...string) (response, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return response{}, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{res.StatusCode, res.Header, string(b)}, nil
}

func TestHealth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		if !strings.HasPrefix(e.userURL, "http://127.0.0.1:") || !strings.HasPrefix(e.adminURL, "https://127.0.0.1:") {
			t.Fatalf("URLs %q, %q", e.userURL, e.adminURL)
		}
		for _, tt := range []struct {
			name string
			c    *http.Client
			base string
		}{{"User", e.user, e.userURL}, {"Admin", e.admin, e.adminURL}} {
			for _, path := range []string{"/healthz", "/readyz"} {
				r := do(t, tt.c, "GET", tt.base+path, nil)
				if r.status != 200 || r.body != "ok\n" {
					t.Errorf("%s %s = %d %q, want 200 ok", tt.name, path, r.status, r.body)
				}
			}
		}
		t.Run("ErrDatabaseDown", func(t *testing.T) {
			db.Close()
			for _, tt := range []struct {
				c    *http.Client
				base string
			}{{e.user, e.userURL}, {e.admin, e.adminURL}} {
				if r := do(t, tt.c, "GET", tt.base+"/readyz", nil); r.status != http.StatusServiceUnavailable {
					t.Errorf("%s/readyz with the database closed = %d, want 503", tt.base, r.status)
				}
				if r := do(t, tt.c, "GET", tt.base+"/healthz", nil); r.status != 200 {
					t.Errorf("%s/healthz with the database closed = %d, want 200", tt.base, r.status)
				}
			}
		})
	})
}

func TestAdminClientCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		otherCA, err := pki.Create(filepath.Join(t.TempDir(), "other"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			cert *tls.Certificate
			ok   bool
		}{
			{"ErrNoCertificate", nil, false},
			{"ErrSelfSigned", selfSigned(t), false},
			{"ErrOtherCA", clientCert(t, otherCA, pki.Subject{Login: "operator"}), false},
			{"ErrNotRecorded", clientCert(t, e.ca, pki.Subject{Tenant: "demo", Login: "admin"}), false},
			{"OKDeploymentCA", recordedCert(t, db, e.ca, pki.Subject{Tenant: "demo", Login: "admin"}), true},
		}
		for _, tt := range tests {
			for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
				name := tt.name + map[uint16]string{tls.VersionTLS12: "/TLS12", tls.VersionTLS13: "/TLS13"}[version]
				t.Run(name, func(t *testing.T) {
					c := e.clientWith(t, tt.cert, func(c *tls.Config) { c.MinVersion, c.MaxVersion = version, version })
					r, err := try(c, "GET", e.adminURL+"/healthz", nil)
					if tt.ok && (err != nil || r.status != 200) {
						t.Fatalf("GET /healthz = %d, %v; want 200", r.status, err)
					}
					if !tt.ok && err == nil {
						t.Fatalf("GET /healthz without an acceptable certificate = %d, want a refused handshake", r.status)
					}
				})
			}
		}
		// The user listener asks for no certificate.
		if r := do(t, e.user, "GET", e.userURL+"/healthz", nil); r.status != 200 {
			t.Errorf("user /healthz = %d", r.status)
		}
	})
}

// userTLS makes the user listener serve HTTPS with a certificate issued by
// the CA and written to files, as --tls-cert and --tls-key name them.
func userTLS(t *testing.T, ca *pki.CA) option {
	t.Helper()
	cert, err := ca.IssueServer([]string{"127.0.0.1"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(c *config.Config, _ *server.Deps) { c.TLSCert, c.TLSKey = certFile, keyFile }
}

func TestTLSProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ca, err := pki.Create(filepath.Join(t.TempDir(), "certs"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e := startWithCA(t, db, ca, userTLS(t, ca))
		if !strings.HasPrefix(e.userURL, "https://") {
			t.Fatalf("user URL %q, want https", e.userURL)
		}
		cert := recordedCert(t, db, ca, pki.Subject{Login: "operator"})
		tests := []struct {
			name   string
			config func(*tls.Config)
			want   uint16 // negotiated version; 0: refused
		}{
			{"OKDefaultIsTLS13", func(*tls.Config) {}, tls.VersionTLS13},
			{"OKTLS12AEAD", func(c *tls.Config) {
				c.MaxVersion = tls.VersionTLS12
				c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
			}, tls.VersionTLS12},
			{"OKTLS12ChaCha", func(c *tls.Config) {
				c.MaxVersion = tls.VersionTLS12
				c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
			}, tls.VersionTLS12},
			{"ErrTLS11", func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11 }, 0},
			{"ErrTLS12CBC", func(c *tls.Config) {
				c.MaxVersion = tls.VersionTLS12
				c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
					tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}
			}, 0},
			{"ErrTLS12NonECDHE", func(c *tls.Config) {
				c.MaxVersion = tls.VersionTLS12
				c.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384}
			}, 0},
		}
		for _, l := range []struct {
			name string
			url  string
		}{{"User", e.userURL}, {"Admin", e.adminURL}} {
			for _, tt := range tests {
				t.Run(l.name+"/"+tt.name, func(t *testing.T) {
					c := &tls.Config{RootCAs: ca.CertPool(), Certificates: []tls.Certificate{*cert}, ServerName: "127.0.0.1"}
					tt.config(c)
					conn, err := tls.Dial("tcp", strings.TrimPrefix(l.url, "https://"), c)
					if err == nil {
						defer conn.Close()
						// TLS 1.3 reports a refused client certificate only
						// on the first read; make the round trip.
						_, err = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
						if err == nil {
							var b []byte
							b, err = io.ReadAll(conn)
							if err == nil && !bytes.HasPrefix(b, []byte("HTTP/1.1 200")) {
								t.Fatalf("response %q", b)
							}
						}
					}
					if tt.want == 0 {
						if err == nil {
							t.Fatalf("handshake succeeded with version %x", conn.ConnectionState().Version)
						}
						return
					}
					if err != nil {
						t.Fatalf("handshake: %v", err)
					}
					if v := conn.ConnectionState().Version; v != tt.want {
						t.Errorf("version %x, want %x", v, tt.want)
					}
				})
			}
		}
		if s := e.srv.Sessions(care.UserListener); !s.Secure {
			t.Error("user sessions not Secure over TLS")
		}
		if r := do(t, e.user, "GET", e.userURL+"/healthz", nil); r.header.Get("Strict-Transport-Security") == "" {
			t.Error("no HSTS on the HTTPS user listener")
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		want := []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"}
		for _, tt := range []struct {
			name string
			c    *http.Client
			url  string
			hsts bool
		}{
			{"UserPage", e.user, e.userURL + "/t/demo/login", false},
			{"UserNotFound", e.user, e.userURL + "/no/such/page", false},
			{"UserHealth", e.user, e.userURL + "/healthz", false},
			{"AdminHealth", e.admin, e.adminURL + "/healthz", true},
			{"AdminNotFound", e.admin, e.adminURL + "/api/v1/nope", true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := do(t, tt.c, "GET", tt.url, nil)
				for _, h := range want {
					if r.header.Get(h) == "" {
						t.Errorf("no %s header (status %d)", h, r.status)
					}
				}
				if got := r.header.Get("Strict-Transport-Security") != ""; got != tt.hsts {
					t.Errorf("HSTS present = %v, want %v", got, tt.hsts)
				}
			})
		}
		if s := e.srv.Sessions(care.UserListener); s.Secure {
			t.Error("user sessions Secure over plain HTTP: the cookie would never come back")
		}
		if s := e.srv.Sessions(care.AdminListener); !s.Secure {
			t.Error("admin sessions not Secure")
		}
	})
}

func TestNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		t.Run("Page", func(t *testing.T) {
			r := do(t, e.user, "GET", e.userURL+"/no/such/page", nil)
			if r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("= %d %s", r.status, r.header.Get("Content-Type"))
			}
			if !strings.Contains(r.body, `lang="ja"`) || !strings.Contains(r.body, "見つかりません") {
				t.Errorf("page not in Japanese: %s", r.body)
			}
			r = do(t, e.user, "GET", e.userURL+"/no/such/page", nil, "Accept-Language", "en-US,en;q=0.9")
			if !strings.Contains(r.body, `lang="en"`) {
				t.Errorf("page not in English for an English browser: %s", r.body)
			}
		})
		t.Run("Problem", func(t *testing.T) {
			for _, tt := range []struct {
				c   *http.Client
				url string
			}{{e.user, e.userURL}, {e.admin, e.adminURL}} {
				r := do(t, tt.c, "GET", tt.url+"/api/v1/no-such-thing", nil, "Accept-Language", "en")
				var p httpx.Problem
				if err := json.Unmarshal([]byte(r.body), &p); err != nil {
					t.Fatalf("%s: body %q: %v", tt.url, r.body, err)
				}
				if r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" || p.Status != 404 ||
					p.Code != care.ENotFound || p.Title == "" || p.RequestID == "" {
					t.Errorf("%s: = %d %s %+v", tt.url, r.status, r.header.Get("Content-Type"), p)
				}
			}
		})
		t.Run("MethodNotAllowed", func(t *testing.T) {
			r := do(t, e.user, "DELETE", e.userURL+"/healthz", nil)
			if r.status != 405 || !strings.Contains(r.header.Get("Allow"), "GET") {
				t.Errorf("DELETE /healthz = %d, Allow %q", r.status, r.header.Get("Allow"))
			}
		})
		t.Run("MetricsOnlyOnAdmin", func(t *testing.T) {
			if r := do(t, e.user, "GET", e.userURL+"/metrics", nil); r.status != 404 {
				t.Errorf("user /metrics = %d, want 404", r.status)
			}
		})
	})
}

func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		do(t, e.user, "GET", e.userURL+"/healthz", nil)
		do(t, e.user, "GET", e.userURL+"/no/such/page", nil)
		r := do(t, e.admin, "GET", e.adminURL+"/metrics", nil)
		if r.status != 200 {
			t.Fatalf("/metrics = %d", r.status)
		}
		for _, want := range []string{
			`renrakucho_http_requests_total{listener="user",route="GET /healthz",status="200"} 1`,
			`renrakucho_http_requests_total{listener="user",route="unmatched",status="404"} 1`,
			`renrakucho_http_request_duration_seconds_bucket{listener="user",route="GET /healthz",status="200",le="+Inf"} 1`,
			`renrakucho_http_requests_in_flight{listener="admin"} 1`,
			"go_goroutines ",
			"go_memstats_heap_alloc_bytes ",
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

// extraRoutes adds test routes to the real ones.
func extraRoutes(extra ...httpx.Route) option {
	return func(c *config.Config, d *server.Deps) {
		d.Routes = func(s httpx.Sessions) ([]httpx.Route, error) {
			routes, err := server.StandardRoutes(d.App, d.Cat, d.Log, c.MaxBody)(s)
			return append(routes, extra...), err
		}
	}
}

func TestCrossOriginProtection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "done") })
		e := start(t, db, extraRoutes(httpx.Route{Method: "POST", Pattern: "/test/write", Public: true, Handler: echo}))
		tests := []struct {
			name   string
			header []string
			want   int
		}{
			{"OKSameOrigin", []string{"Sec-Fetch-Site", "same-origin"}, 200},
			{"OKNonBrowser", nil, 200},
			{"ErrCrossSite", []string{"Sec-Fetch-Site", "cross-site"}, 403},
			{"ErrOtherOrigin", []string{"Origin", "https://evil.example"}, 403},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := do(t, e.user, "POST", e.userURL+"/test/write", strings.NewReader("x"), tt.header...)
				if r.status != tt.want {
					t.Fatalf("= %d %q, want %d", r.status, r.body, tt.want)
				}
				if tt.want == 403 && !strings.Contains(r.body, "送信元") {
					t.Errorf("refusal does not explain itself: %q", r.body)
				}
			})
		}
	})
}

func TestRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		for _, tt := range []struct {
			l       care.Listener
			want    []string
			notWant []string
		}{
			{care.UserListener, []string{"GET /healthz", "GET /readyz"}, []string{"GET /metrics"}},
			{care.AdminListener, []string{"GET /healthz", "GET /readyz", "GET /metrics"}, nil},
		} {
			keys := map[string]httpx.Route{}
			for _, rt := range e.srv.Routes(tt.l) {
				if _, dup := keys[rt.Key()]; dup {
					t.Errorf("%s: route %s twice", tt.l, rt.Key())
				}
				keys[rt.Key()] = rt
			}
			for _, k := range tt.want {
				if rt, ok := keys[k]; !ok || !rt.Public {
					t.Errorf("%s: %s missing or not public", tt.l, k)
				}
			}
			for _, k := range tt.notWant {
				if _, ok := keys[k]; ok {
					t.Errorf("%s: has %s", tt.l, k)
				}
			}
		}
		t.Run("ErrDuplicate", func(t *testing.T) {
			dup := httpx.Route{Method: "GET", Pattern: "/healthz", Handler: http.NotFoundHandler()}
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			d := server.Deps{Config: cfg, App: e.app, CA: e.ca, Cat: i18n.MustLoad(),
				Routes: func(httpx.Sessions) ([]httpx.Route, error) { return []httpx.Route{dup}, nil }}
			if _, err := server.New(d); err == nil || !strings.Contains(err.Error(), "/healthz") {
				t.Fatalf("New with a duplicate route = %v", err)
			}
		})
	})
}

func TestGracefulShutdown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		started := make(chan struct{})
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			time.Sleep(300 * time.Millisecond)
			io.WriteString(w, "finished")
		})
		e := start(t, db, extraRoutes(httpx.Route{Method: "GET", Pattern: "/test/slow", Public: true, Handler: slow}))
		got := make(chan response, 1)
		go func() {
			r, err := try(e.user, "GET", e.userURL+"/test/slow", nil)
			if err != nil {
				r.body = err.Error()
			}
			got <- r
		}()
		<-started
		if err := e.stop(); err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
		if r := <-got; r.status != 200 || r.body != "finished" {
			t.Errorf("in-flight request = %d %q, want it to finish", r.status, r.body)
		}
		if _, err := try(e.user, "GET", e.userURL+"/healthz", nil); err == nil {
			t.Error("the listener still answers after shutdown")
		}
	})
}

// TestAdminLoginBindsCertificate logs in through real TLS: the admin
// listener passes the verified certificate on, so only the certificate
// recorded for the account opens a session, and the session works only on
// the admin listener.
func TestAdminLoginBindsCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		const pw = "Hanamizuki-2026-kaze"
		cliOrigin := care.Origin{UserAgent: "test", Listener: care.AdminListener}
		op, err := e.app.InitOperator(ctx, "root", "運用 太郎", "", pw, cliOrigin)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := e.app.IssueClientCert(ctx, op, "", "root")
		if err != nil {
			t.Fatal(err)
		}
		cert := issued.TLSCertificate()
		bound := e.clientWith(t, &cert)
		secret, err := e.app.SeedTOTP(ctx, op, "", "root") // operators always need a second factor
		if err != nil {
			t.Fatal(err)
		}
		code, err := auth.TOTPCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		body := `{"tenant":"","login_id":"root","password":"` + pw + `","otp":"` + code + `"}`

		t.Run("ErrUnboundCertificate", func(t *testing.T) {
			r := do(t, e.admin, "POST", e.adminURL+"/api/v1/sessions", strings.NewReader(body), "Content-Type", "application/json")
			if r.status != http.StatusUnauthorized {
				t.Fatalf("login with another account's certificate = %d %s", r.status, r.body)
			}
		})
		t.Run("ErrUserListener", func(t *testing.T) {
			r := do(t, e.user, "POST", e.userURL+"/api/v1/sessions", strings.NewReader(body), "Content-Type", "application/json")
			if r.status != http.StatusUnauthorized {
				t.Fatalf("operator login on the user listener = %d %s", r.status, r.body)
			}
		})
		t.Run("OK", func(t *testing.T) {
			r := do(t, bound, "POST", e.adminURL+"/api/v1/sessions", strings.NewReader(body), "Content-Type", "application/json")
			if r.status != http.StatusCreated {
				t.Fatalf("login = %d %s", r.status, r.body)
			}
			if c := r.header.Get("Set-Cookie"); !strings.HasPrefix(c, "__Host-rk_admin=") || !strings.Contains(c, "Secure") {
				t.Errorf("cookie %q, want a __Host- Secure admin cookie", c)
			}
			var out struct{ Token string }
			if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.Token == "" {
				t.Fatalf("body %s: %v", r.body, err)
			}
			bearer := []string{"Authorization", "Bearer " + out.Token}
			if r := do(t, bound, "GET", e.adminURL+"/api/v1/tenants", nil, bearer...); r.status != 200 {
				t.Errorf("tenants with the bound certificate = %d %s", r.status, r.body)
			}
			if r := do(t, e.admin, "GET", e.adminURL+"/api/v1/tenants", nil, bearer...); r.status != http.StatusUnauthorized {
				t.Errorf("the token with another certificate = %d, want 401", r.status)
			}
			if r := do(t, e.user, "GET", e.userURL+"/api/v1/me", nil, bearer...); r.status != http.StatusUnauthorized {
				t.Errorf("the admin token on the user listener = %d, want 401", r.status)
			}
		})
	})
}

func TestPageKeys(t *testing.T) {
	cat := i18n.MustLoad()
	for _, k := range server.PageKeys() {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("catalog %s lacks %s", lang, k)
			}
		}
	}
}

// totpAccount is an account with a seeded TOTP secret, over the real
// clock: a code is good once, so each login takes a later time step.
type totpAccount struct {
	secret []byte
	last   int64
}

// seedTOTP enrols TOTP for an admin or operator (tenant "" for an
// operator), as the operator op.
func seedTOTP(t *testing.T, e *env, op care.Actor, tenant, login string) *totpAccount {
	t.Helper()
	secret, err := e.app.SeedTOTP(context.Background(), op, tenant, login)
	if err != nil {
		t.Fatal(err)
	}
	return &totpAccount{secret: secret}
}

// nextCode returns a code of a time step not used before, and spends it.
func (a *totpAccount) nextCode(t *testing.T) string {
	t.Helper()
	code, step := a.code(t)
	a.last = step
	return code
}

// peekCode returns a code that would be accepted now without spending
// its time step, for a login that is to be refused before the second
// factor is checked.
func (a *totpAccount) peekCode(t *testing.T) string {
	t.Helper()
	code, _ := a.code(t)
	return code
}

// code returns the code of the first unspent time step the server
// accepts now, waiting when the step after the current one is spent.
func (a *totpAccount) code(t *testing.T) (string, int64) {
	t.Helper()
	for {
		now := time.Now()
		step := max(auth.TOTPStep(now), a.last+1)
		if step <= auth.TOTPStep(now)+1 {
			code, err := auth.TOTPCode(a.secret, time.Unix(step*int64(auth.TOTPPeriod/time.Second), 0))
			if err != nil {
				t.Fatal(err)
			}
			return code, step
		}
		time.Sleep(time.Second)
	}
}
