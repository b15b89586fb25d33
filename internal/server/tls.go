package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/renrakucho/renrakucho/internal/pki"
)

// CipherSuites are the TLS 1.2 suites allowed: ECDHE key exchange with
// AEAD encryption only, as the CRYPTREC high-security profile (and DESIGN
// §3.4) asks. TLS 1.3's suites are all AEAD and are not configurable.
var CipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// ServerCertValidity is how long the admin listener's CA-issued server
// certificate lasts; it is issued afresh at every start.
const ServerCertValidity = 397 * 24 * time.Hour

// baseTLS is the TLS configuration both listeners start from. Go negotiates
// TLS 1.3 whenever the client offers it.
func baseTLS(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: CipherSuites,
		Certificates: []tls.Certificate{cert},
	}
}

// tlsConfigs returns the user listener's TLS configuration (nil for plain
// HTTP) and the admin listener's.
//
// The admin listener requires a client certificate that chains to the
// deployment CA, is meant for client authentication and names an account
// (pki.CA.Verify); which account, and whether that certificate is recorded
// for it and not revoked, the app checks at login and on every request.
// Its server certificate is the one of --tls-cert/--tls-key when they are
// set (it must then name the admin host too), else one issued by the
// deployment CA for the admin host, which browsers trust once the CA
// certificate is imported.
func (s *Server) tlsConfigs() (user, admin *tls.Config, err error) {
	var adminCert tls.Certificate
	if s.cfg.UserTLS() {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			return nil, nil, fmt.Errorf("server: --tls-cert/--tls-key: %w", err)
		}
		user = baseTLS(cert)
		adminCert = cert
	} else {
		adminCert, err = s.ca.IssueServer(s.adminHosts(), ServerCertValidity, s.now())
		if err != nil {
			return nil, nil, fmt.Errorf("server: admin listener certificate: %w", err)
		}
	}
	admin = baseTLS(adminCert)
	admin.ClientAuth = tls.RequireAndVerifyClientCert
	admin.ClientCAs = s.ca.CertPool()
	admin.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("server: no client certificate")
		}
		if err := s.ca.Verify(cs.PeerCertificates[0], s.now()); err != nil {
			return err
		}
		// Recorded, not revoked, not expired: asked of the database at
		// every handshake, so a revocation needs no restart.
		return s.app.CheckAdminConnection(context.Background(), pki.Fingerprint(cs.PeerCertificates[0]))
	}
	if user != nil {
		// Members' device certificates (a tenant's option): asked for, not
		// required, and only while some tenant requires them, so browsers
		// holding an admin certificate are not prompted for nothing. One
		// that is offered must be the deployment CA's; which account it is
		// good for is the app's check.
		asking := user.Clone()
		asking.ClientAuth = tls.VerifyClientCertIfGiven
		asking.ClientCAs = s.ca.CertPool()
		asking.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return nil
			}
			return s.ca.Verify(cs.PeerCertificates[0], s.now())
		}
		user.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			if s.app.DeviceCertsInUse(hello.Context()) {
				return asking, nil
			}
			return nil, nil
		}
	}
	return user, admin, nil
}

// adminHosts are the names the CA-issued admin certificate covers: the
// admin listener's host, the public URL's host and this machine's name
// (pki adds localhost and the loopback addresses).
func (s *Server) adminHosts() []string {
	var hosts []string
	if h, _, err := net.SplitHostPort(s.cfg.AdminAddr); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	if s.cfg.PublicURL != "" {
		if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	return hosts
}
