package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// OperatorScope marks an operator's session token, which belongs to no tenant.
const OperatorScope = "op"

// NewToken returns a new session token for the scope (a tenant ID, or
// OperatorScope) and the ID under which its session is stored: the SHA-256
// of the secret part. The scope travels in the token so the session is
// looked up inside its tenant; only the secret part authenticates.
func NewToken(scope string) (token, id string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	return scope + "." + secret, hashSecret(secret)
}

// ParseToken splits a token into its scope and session ID.
func ParseToken(token string) (scope, id string, ok bool) {
	scope, secret, ok := strings.Cut(token, ".")
	if !ok || scope == "" || len(secret) != 43 || len(scope) > 64 {
		return "", "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return scope, hashSecret(secret), true
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
