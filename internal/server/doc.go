// Package server runs renrakucho's two listeners (DESIGN §8): the user
// listener, which serves members' pages and API, and the admin listener,
// which always speaks TLS and admits only clients that present a
// certificate issued by the deployment's own CA.
//
// For each listener it composes one handler from that listener's route
// table (the JSON API, the pages, health and, on the admin listener,
// Prometheus metrics):
//
//	Logger → metrics → SecureHeaders → CrossOriginProtection → Sessions.Middleware → mux
//
// It also owns the TLS settings (TLS 1.3 preferred; TLS 1.2 only with the
// ECDHE+AEAD suites of the CRYPTREC high-security profile) and the
// graceful shutdown of both listeners.
package server
