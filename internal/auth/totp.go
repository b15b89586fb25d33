package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTPPeriod is the length of one TOTP time step (RFC 6238's default,
// what every authenticator app expects).
const TOTPPeriod = 30 * time.Second

// b32 is the base32 alphabet of TOTP secrets, without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPEnrolment is what a person needs to add a new TOTP secret to an
// authenticator app.
type TOTPEnrolment struct {
	Secret []byte // the raw key, to store
	Base32 string // the key as typed by hand
	URL    string // the otpauth:// URL the QR code holds
	QR     string // the QR code as a data: URL of a PNG
}

// NewTOTP returns a new random TOTP secret for an account of the issuer.
func NewTOTP(issuer, account string) (TOTPEnrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, SecretSize: 20})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: new totp: %w", err)
	}
	secret, err := b32.DecodeString(key.Secret())
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: new totp: %w", err)
	}
	return TOTPEnrolmentOf(issuer, account, secret)
}

// TOTPEnrolmentOf returns the enrolment view of an existing secret (the
// page is shown again after a wrong first code).
func TOTPEnrolmentOf(issuer, account string, secret []byte) (TOTPEnrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Secret: secret})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: totp key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: totp qr: %w", err)
	}
	return TOTPEnrolment{
		Secret: secret, Base32: TOTPBase32(secret), URL: key.URL(),
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	}, nil
}

// TOTPBase32 returns a secret in the base32 form authenticator apps and
// oathtool take.
func TOTPBase32(secret []byte) string { return b32.EncodeToString(secret) }

// TOTPStep returns the time step of an instant.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode returns the code of a secret at an instant (tests and the
// demo use it; people use their app).
func TOTPCode(secret []byte, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(TOTPBase32(secret), t, totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second),
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// CheckTOTP returns the time step whose code is code, allowing one step
// of clock drift either way, and false when no step matches. The caller
// must refuse a step at or before the last one accepted.
func CheckTOTP(secret []byte, code string, now time.Time) (int64, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != 6 {
		return 0, false
	}
	step := TOTPStep(now)
	found, match := int64(0), false
	for _, s := range []int64{step - 1, step, step + 1} {
		want, err := TOTPCode(secret, time.Unix(s*int64(TOTPPeriod/time.Second), 0))
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, match = s, true
		}
	}
	return found, match
}

// RecoveryCodeCount is how many recovery codes an enrolment gives.
const RecoveryCodeCount = 10

// NewRecoveryCodes returns fresh single-use recovery codes, shown once,
// and their hashes, stored.
func NewRecoveryCodes() (codes, hashes []string) {
	enc := base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)
	for range RecoveryCodeCount {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			panic("auth: no randomness: " + err.Error())
		}
		s := enc.EncodeToString(b)[:10]
		code := s[:5] + "-" + s[5:]
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return codes, hashes
}

// HashRecoveryCode returns the stored form of a recovery code as typed:
// case, spaces and dashes do not matter.
func HashRecoveryCode(code string) string {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, code)
	sum := sha256.Sum256([]byte("renrakucho-recovery:" + code))
	return hex.EncodeToString(sum[:])
}
