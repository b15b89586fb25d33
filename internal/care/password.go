package care

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Password policy of the MHLW guideline (DESIGN §3.3): at least 13
// characters mixing letters with digits or symbols, and nothing made of the
// user's own login or name. The account-security issue adds the blocklist
// and the shorter form allowed with a second factor.
const (
	MinPasswordLen = 13
	MaxPasswordLen = 128
)

// NormalizePassword returns the NFKC form, so the same password typed on a
// different keyboard (full-width digits) verifies the same.
func NormalizePassword(pw string) string { return norm.NFKC.String(pw) }

// CheckPassword returns "" when pw meets the policy, else a message key.
func CheckPassword(pw string, personal ...string) string {
	pw = NormalizePassword(pw)
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return "error.password_short"
	}
	if n > MaxPasswordLen {
		return "error.password_long"
	}
	var letter, other bool
	for _, r := range pw {
		if unicode.IsLetter(r) {
			letter = true
		} else {
			other = true
		}
	}
	if !letter || !other {
		return "error.password_mix"
	}
	low := strings.ToLower(pw)
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if utf8.RuneCountInString(p) >= 3 && strings.Contains(low, p) {
			return "error.password_personal"
		}
	}
	return ""
}
