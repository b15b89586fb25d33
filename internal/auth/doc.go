// Package auth holds the mechanics of authentication: argon2id password
// hashes and opaque session tokens. Deciding who may log in, and writing
// the audit entry, is the app layer's.
package auth
