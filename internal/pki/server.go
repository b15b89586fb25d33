package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"strings"
	"time"
)

// IssueServer issues a TLS server certificate (ExtKeyUsage ServerAuth) for
// hosts, valid from now for validity but never beyond the CA's expiry. An
// IP host becomes an IP SAN, anything else a DNS SAN; "host:port" and
// "[ipv6]:port" are accepted and the port dropped. localhost, 127.0.0.1 and
// ::1 are always included. The certificate's Leaf is set.
func (ca *CA) IssueServer(hosts []string, validity time.Duration, now time.Time) (tls.Certificate, error) {
	var (
		dns  []string
		ips  []net.IP
		seen = map[string]bool{}
	)
	for _, h := range append(append([]string(nil), hosts...), "localhost", "127.0.0.1", "::1") {
		h = strings.TrimSpace(h)
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if ip.IsUnspecified() {
				// A listener on 0.0.0.0 or :: is reached by other names;
				// the unspecified address itself names nobody.
				continue
			}
			if k := ip.String(); !seen[k] {
				seen[k] = true
				ips = append(ips, ip)
			}
			continue
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if !seen[h] {
			seen[h] = true
			dns = append(dns, h)
		}
	}
	cn := "localhost"
	if len(dns) > 0 {
		cn = dns[0]
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: issue server: generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		DNSNames:    dns,
		IPAddresses: ips,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	cert, err := ca.sign(tmpl, &key.PublicKey, validity, now)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: issue server: %w", err)
	}
	return tls.Certificate{
		Certificate: [][]byte{cert.Raw},
		PrivateKey:  key,
		Leaf:        cert,
	}, nil
}
