package pki_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/renrakucho/renrakucho/internal/pki"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func newCA(t *testing.T, now time.Time) *pki.CA {
	t.Helper()
	ca, err := pki.Create(t.TempDir(), now)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func issueClient(t *testing.T, ca *pki.CA, sub pki.Subject, now time.Time) *pki.Issued {
	t.Helper()
	iss, err := ca.IssueClient(sub, 365*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func TestCreateLoad(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "certs")
		ca, err := pki.Create(dir, t0)
		if err != nil {
			t.Fatal(err)
		}
		c := ca.Cert
		if c.Subject.CommonName != "renrakucho deployment CA" || !c.IsCA || c.MaxPathLen != 0 || !c.MaxPathLenZero {
			t.Errorf("CA fields: CN %q IsCA %v MaxPathLen %d zero %v", c.Subject.CommonName, c.IsCA, c.MaxPathLen, c.MaxPathLenZero)
		}
		if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
			t.Errorf("KeyUsage = %v", c.KeyUsage)
		}
		if got := c.NotAfter.Sub(t0); got < 3650*24*time.Hour || got > 3653*24*time.Hour {
			t.Errorf("validity %v, want 10 years", got)
		}
		if _, ok := c.PublicKey.(*ecdsa.PublicKey); !ok {
			t.Errorf("public key %T", c.PublicKey)
		}
		st, err := os.Stat(filepath.Join(dir, "ca.key"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("ca.key mode %v, want 0600", st.Mode().Perm())
		}
		crt, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
		if !bytes.Equal(crt, ca.CertPEM()) {
			t.Error("ca.crt differs from CertPEM")
		}

		loaded, err := pki.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !loaded.Cert.Equal(ca.Cert) {
			t.Error("loaded certificate differs")
		}
		// The loaded key must sign certificates that verify against the
		// original CA.
		iss := issueClient(t, loaded, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
		if err := ca.Verify(iss.Cert, t0); err != nil {
			t.Errorf("cert from loaded CA: %v", err)
		}
	})

	t.Run("ErrExist", func(t *testing.T) {
		tests := []struct {
			name    string
			prepare func(t *testing.T, dir string)
		}{
			{"whole CA", func(t *testing.T, dir string) {
				if _, err := pki.Create(dir, t0); err != nil {
					t.Fatal(err)
				}
			}},
			{"key only", func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "ca.key"), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}},
			{"cert only", func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "ca.crt"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				dir := t.TempDir()
				tt.prepare(t, dir)
				before := readDir(t, dir)
				_, err := pki.Create(dir, t0)
				if !errors.Is(err, fs.ErrExist) {
					t.Fatalf("Create over existing: err = %v, want fs.ErrExist", err)
				}
				if after := readDir(t, dir); after != before {
					t.Error("Create changed the existing files")
				}
			})
		}
	})

	t.Run("ErrNotExist", func(t *testing.T) {
		if _, err := pki.Load(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load of empty dir: err = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("ErrMismatchedKey", func(t *testing.T) {
		a, b := t.TempDir(), t.TempDir()
		if _, err := pki.Create(a, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := pki.Create(b, t0); err != nil {
			t.Fatal(err)
		}
		key, _ := os.ReadFile(filepath.Join(b, "ca.key"))
		if err := os.WriteFile(filepath.Join(a, "ca.key"), key, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := pki.Load(a); err == nil {
			t.Error("Load accepted a key of another CA")
		}
	})

	t.Run("LoadOrCreate", func(t *testing.T) {
		dir := t.TempDir()
		ca1, created, err := pki.LoadOrCreate(dir, t0)
		if err != nil || !created {
			t.Fatalf("first: created %v, err %v", created, err)
		}
		ca2, created, err := pki.LoadOrCreate(dir, t0.Add(time.Hour))
		if err != nil || created {
			t.Fatalf("second: created %v, err %v", created, err)
		}
		if !ca1.Cert.Equal(ca2.Cert) {
			t.Error("second call returned a different CA")
		}
		// Half a CA is an error, not a reason to make a new one.
		half := t.TempDir()
		os.WriteFile(filepath.Join(half, "ca.key"), []byte("x"), 0o600)
		if _, _, err := pki.LoadOrCreate(half, t0); err == nil {
			t.Error("LoadOrCreate accepted half a CA")
		}
	})
}

func readDir(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b.WriteString(e.Name() + "=" + string(data) + "\n")
	}
	return b.String()
}

func TestIssueClient(t *testing.T) {
	ca := newCA(t, t0)
	tests := []struct {
		name    string
		sub     pki.Subject
		wantURI string
		wantCN  string
	}{
		{"Tenant", pki.Subject{Tenant: "demo", Login: "admin"}, "urn:renrakucho:account:demo:admin", "demo.admin"},
		{"Operator", pki.Subject{Login: "operator"}, "urn:renrakucho:account::operator", "operator.operator"},
		{"EmailLogin", pki.Subject{Tenant: "demo2", Login: "a.b+c@example.jp"}, "urn:renrakucho:account:demo2:a.b+c@example.jp", "demo2.a.b+c@example.jp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := issueClient(t, ca, tt.sub, t0)
			c := iss.Cert
			if len(c.URIs) != 1 || c.URIs[0].String() != tt.wantURI {
				t.Errorf("URIs = %v, want [%s]", c.URIs, tt.wantURI)
			}
			if c.Subject.CommonName != tt.wantCN {
				t.Errorf("CN = %q, want %q", c.Subject.CommonName, tt.wantCN)
			}
			if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
				t.Errorf("ExtKeyUsage = %v", c.ExtKeyUsage)
			}
			if c.SerialNumber.BitLen() > 128 || iss.Serial != pki.Serial(c) || iss.Serial != c.SerialNumber.Text(16) {
				t.Errorf("serial %s (%d bits)", iss.Serial, c.SerialNumber.BitLen())
			}
			if !iss.NotAfter.Equal(c.NotAfter) || !c.NotAfter.Equal(t0.Add(365*24*time.Hour)) {
				t.Errorf("NotAfter = %v", iss.NotAfter)
			}
			if !bytes.Equal(iss.CertDER, c.Raw) {
				t.Error("CertDER differs from Cert.Raw")
			}
			if p, err := pki.ParseCertPEM(iss.CertPEM); err != nil || !p.Equal(c) {
				t.Errorf("CertPEM: %v", err)
			}
			if _, err := tls.X509KeyPair(iss.CertPEM, iss.KeyPEM); err != nil {
				t.Errorf("KeyPEM does not match: %v", err)
			}
			got, ok := pki.SubjectOf(c)
			if !ok || got != tt.sub {
				t.Errorf("SubjectOf = %+v, %v; want %+v", got, ok, tt.sub)
			}
			if err := ca.Verify(c, t0.Add(time.Hour)); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}

	t.Run("DistinctSerials", func(t *testing.T) {
		a := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
		b := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
		if a.Serial == b.Serial {
			t.Error("two certificates share a serial")
		}
	})

	t.Run("ClampedToCA", func(t *testing.T) {
		iss, err := ca.IssueClient(pki.Subject{Login: "op"}, 20*365*24*time.Hour, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !iss.NotAfter.Equal(ca.Cert.NotAfter) {
			t.Errorf("NotAfter %v, want CA's %v", iss.NotAfter, ca.Cert.NotAfter)
		}
	})

	bad := []struct {
		name     string
		sub      pki.Subject
		validity time.Duration
		now      time.Time
	}{
		{"ErrEmptyLogin", pki.Subject{Tenant: "demo"}, time.Hour, t0},
		{"ErrColonInTenant", pki.Subject{Tenant: "de:mo", Login: "admin"}, time.Hour, t0},
		{"ErrColonInLogin", pki.Subject{Tenant: "demo", Login: "ad:min"}, time.Hour, t0},
		{"ErrSpaceInLogin", pki.Subject{Tenant: "demo", Login: "ad min"}, time.Hour, t0},
		{"ErrZeroValidity", pki.Subject{Tenant: "demo", Login: "admin"}, 0, t0},
		{"ErrCAExpired", pki.Subject{Tenant: "demo", Login: "admin"}, time.Hour, t0.AddDate(11, 0, 0)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ca.IssueClient(tt.sub, tt.validity, tt.now); err == nil {
				t.Error("IssueClient succeeded")
			} else if !strings.HasPrefix(err.Error(), "pki: ") {
				t.Errorf("error %q lacks the pki: prefix", err)
			}
		})
	}
}

func TestSubjectOfRejects(t *testing.T) {
	ca := newCA(t, t0)
	iss := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
	srv, err := ca.IssueServer([]string{"example.jp"}, time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cert *x509.Certificate
	}{
		{"ServerCert", srv.Leaf},
		{"CACert", ca.Cert},
		{"TwoBindings", withURIs(t, iss.Cert, "urn:renrakucho:account:demo:admin", "urn:renrakucho:account:demo2:admin")},
		{"ThreeParts", withURIs(t, iss.Cert, "urn:renrakucho:account:demo:ad:min")},
		{"EmptyLogin", withURIs(t, iss.Cert, "urn:renrakucho:account:demo:")},
		{"OtherURN", withURIs(t, iss.Cert, "urn:example:account:demo:admin")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if sub, ok := pki.SubjectOf(tt.cert); ok {
				t.Errorf("SubjectOf = %+v, want no binding", sub)
			}
		})
	}
}

// withURIs returns a copy of cert whose parsed URI SANs are replaced; enough
// for SubjectOf, which reads only the parsed fields.
func withURIs(t *testing.T, cert *x509.Certificate, uris ...string) *x509.Certificate {
	t.Helper()
	c := *cert
	c.URIs = nil
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		c.URIs = append(c.URIs, u)
	}
	return &c
}

func TestVerify(t *testing.T) {
	ca := newCA(t, t0)
	other := newCA(t, t0)
	good := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
	foreign := issueClient(t, other, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
	srv, err := ca.IssueServer(nil, 365*24*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cert    *x509.Certificate
		now     time.Time
		wantErr bool
	}{
		{"OK", good.Cert, t0.Add(24 * time.Hour), false},
		{"OKAtIssue", good.Cert, t0, false},
		{"ErrOtherCA", foreign.Cert, t0.Add(24 * time.Hour), true},
		{"ErrExpired", good.Cert, t0.AddDate(5, 0, 0), true},
		{"ErrNotYetValid", good.Cert, t0.Add(-time.Hour), true},
		{"ErrServerCertAsClient", srv.Leaf, t0.Add(24 * time.Hour), true},
		{"ErrCACertAsClient", ca.Cert, t0.Add(24 * time.Hour), true},
		{"ErrNil", nil, t0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ca.Verify(tt.cert, tt.now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Verify: err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "pki: verify: ") {
				t.Errorf("error %q lacks the pki: verify: prefix", err)
			}
		})
	}
}

func TestIssueServer(t *testing.T) {
	ca := newCA(t, t0)
	cert, err := ca.IssueServer([]string{"admin.example.jp", "192.0.2.7", "[2001:db8::1]:8443", "example.jp:443", "0.0.0.0", "localhost", ""}, 90*24*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if got, want := strings.Join(leaf.DNSNames, ","), "admin.example.jp,example.jp,localhost"; got != want {
		t.Errorf("DNSNames = %s, want %s", got, want)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if got, want := strings.Join(ips, ","), "192.0.2.7,2001:db8::1,127.0.0.1,::1"; got != want {
		t.Errorf("IPAddresses = %s, want %s", got, want)
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || leaf.IsCA {
		t.Errorf("ExtKeyUsage %v IsCA %v", leaf.ExtKeyUsage, leaf.IsCA)
	}
	for _, host := range []string{"admin.example.jp", "localhost", "127.0.0.1", "::1", "2001:db8::1"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.CertPool(), CurrentTime: t0.Add(time.Hour)})
		if err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
}

func TestWriteFiles(t *testing.T) {
	ca := newCA(t, t0)
	iss := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
	dir := filepath.Join(t.TempDir(), "certs")
	const pw = "correct horse battery staple"
	if err := iss.WriteFiles(dir, "demo.admin", pw); err != nil {
		t.Fatal(err)
	}
	modes := map[string]os.FileMode{".crt": 0o644, ".key": 0o600, ".p12": 0o600}
	for ext, want := range modes {
		st, err := os.Stat(filepath.Join(dir, "demo.admin"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", ext, st.Mode().Perm(), want)
		}
	}
	crt, _ := os.ReadFile(filepath.Join(dir, "demo.admin.crt"))
	key, _ := os.ReadFile(filepath.Join(dir, "demo.admin.key"))
	if _, err := tls.X509KeyPair(crt, key); err != nil {
		t.Errorf(".crt and .key: %v", err)
	}

	p12, err := os.ReadFile(filepath.Join(dir, "demo.admin.p12"))
	if err != nil {
		t.Fatal(err)
	}
	priv, cert, chain, err := pkcs12.DecodeChain(p12, pw)
	if err != nil {
		t.Fatalf("DecodeChain: %v", err)
	}
	if !cert.Equal(iss.Cert) {
		t.Error("p12 certificate differs")
	}
	if k, ok := priv.(*ecdsa.PrivateKey); !ok || !k.Equal(iss.Key) {
		t.Errorf("p12 key %T differs", priv)
	}
	if len(chain) != 1 || !chain[0].Equal(ca.Cert) {
		t.Errorf("p12 chain has %d certificates, want the CA", len(chain))
	}
	if _, _, _, err := pkcs12.DecodeChain(p12, "wrong"); err == nil {
		t.Error("p12 opened with the wrong password")
	}

	// Writing again replaces the files (demo restarts reissue in place).
	again := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
	if err := again.WriteFiles(dir, "demo.admin", pw); err != nil {
		t.Fatal(err)
	}
	crt2, _ := os.ReadFile(filepath.Join(dir, "demo.admin.crt"))
	if bytes.Equal(crt, crt2) {
		t.Error("second WriteFiles did not replace the certificate")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("dir holds %d entries, want 3 (no temporary files left)", len(entries))
	}

	for _, base := range []string{"", "..", "a/b"} {
		if err := iss.WriteFiles(dir, base, pw); err == nil {
			t.Errorf("WriteFiles accepted base %q", base)
		}
	}
}

func TestCreateCRL(t *testing.T) {
	ca := newCA(t, t0)
	a := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, t0)
	b := issueClient(t, ca, pki.Subject{Login: "operator"}, t0)
	data, err := ca.CreateCRL([]string{a.Serial, strings.ToUpper(b.Serial), "00" + a.Serial}, 7, t0)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "X509 CRL" {
		t.Fatalf("not a PEM CRL: %q", data)
	}
	crl, err := x509.ParseRevocationList(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(ca.Cert); err != nil {
		t.Errorf("signature: %v", err)
	}
	if crl.Number.Int64() != 7 || !crl.ThisUpdate.Equal(t0) || !crl.NextUpdate.After(t0) {
		t.Errorf("Number %v ThisUpdate %v NextUpdate %v", crl.Number, crl.ThisUpdate, crl.NextUpdate)
	}
	got := map[string]bool{}
	for _, e := range crl.RevokedCertificateEntries {
		got[e.SerialNumber.Text(16)] = true
	}
	if len(crl.RevokedCertificateEntries) != 2 || !got[a.Serial] || !got[b.Serial] {
		t.Errorf("revoked %v, want %s and %s once each", got, a.Serial, b.Serial)
	}

	for _, tt := range []struct {
		name    string
		serials []string
		number  int64
	}{
		{"ErrBadSerial", []string{"xyz"}, 1},
		{"ErrZeroSerial", []string{"0"}, 1},
		{"ErrNegativeNumber", nil, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ca.CreateCRL(tt.serials, tt.number, t0); err == nil {
				t.Error("CreateCRL succeeded")
			}
		})
	}
	t.Run("Empty", func(t *testing.T) {
		if _, err := ca.CreateCRL(nil, 1, t0); err != nil {
			t.Error(err)
		}
	})
}

func TestFingerprint(t *testing.T) {
	ca := newCA(t, t0)
	fp := pki.Fingerprint(ca.Cert)
	if len(fp) != 64 || strings.ToLower(fp) != fp {
		t.Errorf("Fingerprint = %q, want 64 lower-case hex digits", fp)
	}
	if other := pki.Fingerprint(newCA(t, t0).Cert); other == fp {
		t.Error("two CAs share a fingerprint")
	}
}

// TestTLSHandshake runs the admin listener's TLS setup for real: the server
// requires a client certificate from the CA.
func TestTLSHandshake(t *testing.T) {
	now := time.Now()
	ca := newCA(t, now)
	other := newCA(t, now)
	srvCert, err := ca.IssueServer(nil, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{srvCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.CertPool(),
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				tc := conn.(*tls.Conn)
				if err := tc.Handshake(); err != nil {
					return
				}
				// What the admin listener will do next: bind the
				// connection to the account in the certificate.
				peer := tc.ConnectionState().PeerCertificates[0]
				if err := ca.Verify(peer, time.Now()); err != nil {
					return
				}
				sub, _ := pki.SubjectOf(peer)
				io.WriteString(conn, "hello "+sub.CommonName())
			}(conn)
		}
	}()

	good := issueClient(t, ca, pki.Subject{Tenant: "demo", Login: "admin"}, now).TLSCertificate()
	foreign := issueClient(t, other, pki.Subject{Tenant: "demo", Login: "admin"}, now).TLSCertificate()
	tests := []struct {
		name    string
		certs   []tls.Certificate
		version uint16
		want    string // "" means the connection must fail
	}{
		{"OK", []tls.Certificate{good}, tls.VersionTLS13, "hello demo.admin"},
		{"OKTLS12", []tls.Certificate{good}, tls.VersionTLS12, "hello demo.admin"},
		{"ErrOtherCA", []tls.Certificate{foreign}, tls.VersionTLS13, ""},
		{"ErrOtherCATLS12", []tls.Certificate{foreign}, tls.VersionTLS12, ""},
		{"ErrNoCert", nil, tls.VersionTLS13, ""},
		{"ErrServerCertAsClient", []tls.Certificate{srvCert}, tls.VersionTLS13, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), &tls.Config{
				RootCAs:      ca.CertPool(),
				ServerName:   "localhost",
				Certificates: tt.certs,
				MinVersion:   tt.version,
				MaxVersion:   tt.version,
			})
			var got []byte
			if err == nil {
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				// In TLS 1.3 the server judges the client certificate
				// after the client's handshake is done; the verdict
				// arrives on the first read.
				got, err = io.ReadAll(conn)
				conn.Close()
			}
			if tt.want == "" {
				if err == nil && len(got) > 0 {
					t.Errorf("connection accepted, server said %q", got)
				}
				t.Logf("refused as expected: %v", err)
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, err %v; want %q", got, err, tt.want)
			}
		})
	}
}
