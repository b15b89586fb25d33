package pki

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// crlValidity is the NextUpdate horizon of an exported CRL. Relying parties
// treat a CRL past NextUpdate as stale, so exports are meant to be redone
// well within it.
const crlValidity = 7 * 24 * time.Hour

// CreateCRL returns, as PEM, a CRL signed by the CA that lists
// revokedSerials (hex, in the form of [Serial]; case and leading zeros do
// not matter). number is the CRL number and must grow with each export.
// ThisUpdate and each entry's revocation time are now (the store, not the
// CRL, knows when each certificate was revoked); NextUpdate is seven days
// later.
func (ca *CA) CreateCRL(revokedSerials []string, number int64, now time.Time) ([]byte, error) {
	if number < 0 {
		return nil, fmt.Errorf("pki: create crl: negative number %d", number)
	}
	seen := map[string]bool{}
	var entries []x509.RevocationListEntry
	for _, s := range revokedSerials {
		n, ok := new(big.Int).SetString(strings.TrimSpace(s), 16)
		if !ok || n.Sign() <= 0 {
			return nil, fmt.Errorf("pki: create crl: bad serial %q", s)
		}
		if k := n.Text(16); !seen[k] {
			seen[k] = true
			entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: now})
		}
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		RevokedCertificateEntries: entries,
		Number:                    big.NewInt(number),
		ThisUpdate:                now,
		NextUpdate:                now.Add(crlValidity),
	}, ca.Cert, ca.key)
	if err != nil {
		return nil, fmt.Errorf("pki: create crl: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), nil
}

// WriteCRLFile replaces the CRL file at path atomically (mode 0644: a CRL
// is public), so software reading it never sees half a list.
func WriteCRLFile(path string, crlPEM []byte) error {
	if err := writeReplace(path, crlPEM, 0o644); err != nil {
		return fmt.Errorf("pki: write crl: %w", err)
	}
	return nil
}
