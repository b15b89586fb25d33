// Package pki is the deployment's own certificate authority (DESIGN §3.2).
//
// The CA signs two kinds of certificate: TLS server certificates for the
// listeners, and client certificates that the admin listener requires. A
// client certificate is bound to exactly one admin account by a URI SAN of
// the form
//
//	urn:renrakucho:account:<tenant slug>:<login>
//
// (the tenant is empty for operators), which [SubjectOf] reads back. The
// common name repeats the binding for humans only; nothing trusts it.
//
// All keys are ECDSA P-256. The CA's certificate and key live as PEM in
// ca.crt and ca.key (mode 0600) in one directory, created once and never
// overwritten. Revocation is by serial number: the caller keeps the revoked
// serials (in the database) and checks them after [CA.Verify]; [CA.CreateCRL]
// exports them as a signed CRL for other software.
//
// Every function takes the current time as an argument so that tests and
// callers with an injected clock stay deterministic. A CA is safe for
// concurrent use.
package pki
