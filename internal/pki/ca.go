package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names of the CA inside its directory.
const (
	CertFile = "ca.crt"
	KeyFile  = "ca.key"
)

// CAName is the common name of the deployment CA.
const CAName = "renrakucho deployment CA"

// caValidity is how long a new CA is valid: long enough that no deployment
// has to re-enrol every admin because its CA ran out.
const caValidity = 10 * 365 * 24 * time.Hour

// clockSkew backdates NotBefore so that a certificate issued now is
// accepted at once by a peer whose clock runs a little behind.
const clockSkew = 5 * time.Minute

// CA is the deployment's certificate authority: its certificate and the
// private key that signs client certificates, server certificates and CRLs.
type CA struct {
	// Cert is the CA certificate, the one trust anchor of the admin
	// listener.
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// Create makes a new CA valid from now for ten years and writes it to
// dir/ca.crt and dir/ca.key (mode 0600), creating dir (mode 0700) when
// needed. It refuses to replace an existing CA: if either file already
// exists it returns an error wrapping [fs.ErrExist] and changes nothing.
func Create(dir string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: create ca: generate key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, fmt.Errorf("pki: create ca: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: CAName},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("pki: create ca: sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: create ca: parse: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: create ca: %w", err)
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: create ca: %w", err)
	}
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	// A half-present CA (one file without the other) is refused too: it is
	// somebody's CA, and guessing which half is stale could lock every
	// admin out.
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("pki: create ca: %s: %w", p, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pki: create ca: %w", err)
		}
	}
	// The key goes first and exclusively, so that two processes racing to
	// create the CA cannot both succeed.
	if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
		return nil, fmt.Errorf("pki: create ca: %w", err)
	}
	if err := writeNew(certPath, encodeCert(der), 0o644); err != nil {
		os.Remove(keyPath)
		return nil, fmt.Errorf("pki: create ca: %w", err)
	}
	return &CA{Cert: cert, key: key}, nil
}

// Load reads the CA from dir/ca.crt and dir/ca.key. A missing file gives an
// error wrapping [fs.ErrNotExist]. It checks that the certificate is a CA
// certificate and that the key belongs to it.
func Load(dir string) (*CA, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil {
		return nil, fmt.Errorf("pki: load ca: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, fmt.Errorf("pki: load ca: %w", err)
	}
	cert, err := ParseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: load ca: %s: %w", CertFile, err)
	}
	if !cert.IsCA || !cert.BasicConstraintsValid {
		return nil, fmt.Errorf("pki: load ca: %s is not a CA certificate", CertFile)
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: load ca: %s: %w", KeyFile, err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("pki: load ca: %s does not match %s", KeyFile, CertFile)
	}
	return &CA{Cert: cert, key: key}, nil
}

// LoadOrCreate loads the CA in dir, or creates it when neither file exists
// yet; created reports which. A half-present CA is an error, never
// replaced.
func LoadOrCreate(dir string, now time.Time) (ca *CA, created bool, err error) {
	ca, err = Load(dir)
	if err == nil {
		return ca, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	ca, err = Create(dir, now)
	if err != nil {
		return nil, false, err
	}
	return ca, true, nil
}

// CertPEM returns the CA certificate as PEM, as written to ca.crt.
func (ca *CA) CertPEM() []byte {
	return encodeCert(ca.Cert.Raw)
}

// CertPool returns a new pool holding only the CA certificate, for
// tls.Config.ClientCAs of the admin listener (and RootCAs of clients).
func (ca *CA) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// Fingerprint returns the SHA-256 digest of the certificate's DER encoding
// in lower-case hex, the form shown to admins and recorded in audit logs.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Serial returns the certificate's serial number in the canonical form used
// throughout renrakucho (and in [Issued.Serial]): lower-case hex without
// leading zeros. Revocation lists store serials in this form.
func Serial(cert *x509.Certificate) string {
	return cert.SerialNumber.Text(16)
}

// ParseCertPEM parses the first CERTIFICATE block of PEM data.
func ParseCertPEM(data []byte) (*x509.Certificate, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("pki: parse certificate: no CERTIFICATE block")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: parse certificate: %w", err)
		}
		return cert, nil
	}
}

// sign issues a leaf certificate for pub from tmpl, filling in the serial
// and the validity window. NotAfter never passes the CA's own NotAfter: a
// leaf outliving its CA would only fail later and more obscurely.
func (ca *CA) sign(tmpl *x509.Certificate, pub *ecdsa.PublicKey, validity time.Duration, now time.Time) (*x509.Certificate, error) {
	if validity <= 0 {
		return nil, fmt.Errorf("validity %v is not positive", validity)
	}
	if now.Before(ca.Cert.NotBefore) || !now.Before(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("ca is not valid at %s (valid %s to %s)",
			now.UTC().Format(time.RFC3339), ca.Cert.NotBefore.UTC().Format(time.RFC3339), ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-clockSkew)
	if tmpl.NotBefore.Before(ca.Cert.NotBefore) {
		tmpl.NotBefore = ca.Cert.NotBefore
	}
	tmpl.NotAfter = now.Add(validity)
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = false
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	return cert, nil
}

// newSerial returns a random positive 128-bit serial number.
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("serial: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseKeyPEM(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		key, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is %T, want ECDSA", k)
		}
		return key, nil
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
	}
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeReplace writes a file atomically (temporary file, then rename), so a
// reader never sees half a key, and sets perm regardless of the umask.
func writeReplace(path string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}
