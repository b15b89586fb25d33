package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// accountURNPrefix starts the opaque part of the URI SAN that binds a
// client certificate to an account: urn:renrakucho:account:TENANT:LOGIN.
const accountURNPrefix = "renrakucho:account:"

// Subject names the one admin account a client certificate is bound to.
//
// Both parts may hold only ASCII letters, digits and "-._~@+" (so they sit
// in a URN unescaped and a ':' can never shift the boundary between them);
// Login must not be empty.
type Subject struct {
	// Tenant is the tenant's slug, or "" for an operator.
	Tenant string
	// Login is the account's login ID within the tenant (or among
	// operators).
	Login string
}

// URI returns the URI SAN that carries the binding,
// urn:renrakucho:account:<tenant>:<login>.
func (s Subject) URI() *url.URL {
	return &url.URL{Scheme: "urn", Opaque: accountURNPrefix + s.Tenant + ":" + s.Login}
}

// CommonName returns the human-readable name put in the certificate's CN:
// "<tenant>.<login>", or "operator.<login>" for an operator. It matches the
// file names of DESIGN §8 but is never trusted; the URI SAN is.
func (s Subject) CommonName() string {
	if s.Tenant == "" {
		return "operator." + s.Login
	}
	return s.Tenant + "." + s.Login
}

// Validate reports whether the subject can be carried in a certificate.
func (s Subject) Validate() error {
	if s.Login == "" {
		return errors.New("pki: subject: empty login")
	}
	if !validPart(s.Tenant) {
		return fmt.Errorf("pki: subject: tenant %q has characters outside [A-Za-z0-9-._~@+]", s.Tenant)
	}
	if !validPart(s.Login) {
		return fmt.Errorf("pki: subject: login %q has characters outside [A-Za-z0-9-._~@+]", s.Login)
	}
	return nil
}

func validPart(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~@+", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// SubjectOf returns the account a client certificate is bound to, read from
// its URI SAN. ok is false when the certificate carries no valid binding or
// more than one, so an ambiguous certificate never picks an account.
func SubjectOf(cert *x509.Certificate) (sub Subject, ok bool) {
	found := 0
	for _, u := range cert.URIs {
		if !strings.EqualFold(u.Scheme, "urn") {
			continue
		}
		rest, isAccount := strings.CutPrefix(u.Opaque, accountURNPrefix)
		if !isAccount {
			continue
		}
		found++
		tenant, login, two := strings.Cut(rest, ":")
		s := Subject{Tenant: tenant, Login: login}
		if !two || u.RawQuery != "" || u.Fragment != "" || s.Validate() != nil {
			return Subject{}, false
		}
		sub = s
	}
	if found != 1 {
		return Subject{}, false
	}
	return sub, true
}

// Issued is a newly issued client certificate with its private key. The
// key exists only here: the CA keeps no copy.
type Issued struct {
	// Cert is the parsed certificate; CertDER and CertPEM its encodings.
	Cert    *x509.Certificate
	CertDER []byte
	CertPEM []byte
	// KeyPEM is the PKCS#8 private key as PEM.
	KeyPEM []byte
	// Key is the private key.
	Key *ecdsa.PrivateKey
	// Serial is the serial number in the form of [Serial].
	Serial string
	// NotAfter is when the certificate expires.
	NotAfter time.Time
	// CACert is the issuing CA's certificate, included in the PKCS#12 chain.
	CACert *x509.Certificate
}

// IssueClient issues a client certificate (ExtKeyUsage ClientAuth) bound to
// the account sub, valid from now for validity, but never beyond the CA's
// own expiry.
func (ca *CA) IssueClient(sub Subject, validity time.Duration, now time.Time) (*Issued, error) {
	if err := sub.Validate(); err != nil {
		return nil, fmt.Errorf("pki: issue client: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: issue client: generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: sub.CommonName()},
		URIs:        []*url.URL{sub.URI()},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	cert, err := ca.sign(tmpl, &key.PublicKey, validity, now)
	if err != nil {
		return nil, fmt.Errorf("pki: issue client: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: issue client: %w", err)
	}
	return &Issued{
		Cert:     cert,
		CertDER:  cert.Raw,
		CertPEM:  encodeCert(cert.Raw),
		KeyPEM:   keyPEM,
		Key:      key,
		Serial:   Serial(cert),
		NotAfter: cert.NotAfter,
		CACert:   ca.Cert,
	}, nil
}

// TLSCertificate returns the certificate and key for tls.Config.Certificates
// of a client.
func (i *Issued) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{i.CertDER}, PrivateKey: i.Key, Leaf: i.Cert}
}

// PKCS12 encodes the key, the certificate and the CA certificate as a
// PKCS#12 file protected by password, with the modern encoder (PBES2,
// AES-256-CBC, HMAC-SHA-256) that browsers and OpenSSL 1.1.1+ import.
func (i *Issued) PKCS12(password string) ([]byte, error) {
	var chain []*x509.Certificate
	if i.CACert != nil {
		chain = []*x509.Certificate{i.CACert}
	}
	data, err := pkcs12.Modern.Encode(i.Key, i.Cert, chain, password)
	if err != nil {
		return nil, fmt.Errorf("pki: pkcs12: %w", err)
	}
	return data, nil
}

// WriteFiles writes dir/base.crt (PEM), dir/base.key (PEM, mode 0600) and
// dir/base.p12 (PKCS#12 under p12Password, mode 0600), replacing any
// previous files atomically. dir is created (mode 0700) when needed; base
// must be a plain file name such as "demo.admin".
func (i *Issued) WriteFiles(dir, base string, p12Password string) error {
	if base == "" || base == "." || base == ".." || strings.ContainsAny(base, `/\`) {
		return fmt.Errorf("pki: write files: bad base name %q", base)
	}
	p12, err := i.PKCS12(p12Password)
	if err != nil {
		return fmt.Errorf("pki: write files: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pki: write files: %w", err)
	}
	files := []struct {
		ext  string
		data []byte
		perm os.FileMode
	}{
		{".key", i.KeyPEM, 0o600},
		{".p12", p12, 0o600},
		{".crt", i.CertPEM, 0o644},
	}
	for _, f := range files {
		if err := writeReplace(filepath.Join(dir, base+f.ext), f.data, f.perm); err != nil {
			return fmt.Errorf("pki: write files: %w", err)
		}
	}
	return nil
}

// Verify checks that cert is a client certificate of this CA usable at
// now: it chains to the CA, carries ExtKeyUsage ClientAuth, is not itself a
// CA and is bound to an account (see [SubjectOf]). Revocation is the
// caller's check, against its stored serials ([Serial]).
func (ca *CA) Verify(cert *x509.Certificate, now time.Time) error {
	if cert == nil {
		return errors.New("pki: verify: no certificate")
	}
	if cert.IsCA {
		return errors.New("pki: verify: a CA certificate is not a client certificate")
	}
	_, err := cert.Verify(x509.VerifyOptions{
		Roots:       ca.CertPool(),
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return fmt.Errorf("pki: verify: %w", err)
	}
	if _, ok := SubjectOf(cert); !ok {
		return errors.New("pki: verify: certificate is not bound to an account")
	}
	return nil
}
