package auth

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"

	"github.com/renrakucho/renrakucho/internal/care"
)

// The password policy of DESIGN §3.3 (the MHLW guideline): at least 13
// characters mixing letters with digits or symbols, or at least 8 for an
// account with a second factor; never a common password; never the
// user's own name, login ID or a date. A tenant may raise the minimum,
// never lower it.
const (
	// DefaultMinLength is the minimum without a second factor.
	DefaultMinLength = care.MinPasswordLen
	// SecondFactorMinLength is the minimum with a second factor.
	SecondFactorMinLength = 8
	// MaxLength bounds a password (argon2id hashes any length, but a
	// megabyte password is an attack on the hasher, not a password).
	MaxLength = care.MaxPasswordLen
)

// Policy is the password policy that applies to one account.
type Policy struct {
	// MinLength is the tenant's minimum without a second factor; values
	// below DefaultMinLength count as DefaultMinLength.
	MinLength int
	// HasSecondFactor lowers the minimum to SecondFactorMinLength plus
	// whatever the tenant added to the default.
	HasSecondFactor bool
}

// Min returns the minimum length this policy demands.
func (p Policy) Min() int {
	extra := max(p.MinLength, DefaultMinLength) - DefaultMinLength
	if p.HasSecondFactor {
		return SecondFactorMinLength + extra
	}
	return DefaultMinLength + extra
}

var folder = cases.Fold()

// fold returns the NFKC, case-folded form under which passwords and
// context words are compared.
func fold(s string) string { return folder.String(care.NormalizePassword(s)) }

func isLetter(r rune) bool { return unicode.IsLetter(r) }

// dateLike finds a date written with a four-digit year, in either order,
// with or without separators: 19850412, 1985-04-12, 12/04/1985, 1985年4月12日.
var dateLike = regexp.MustCompile(`(19|20)\d\d[-/. 年]?(0?[1-9]|1[0-2])[-/. 月]?(0?[1-9]|[12]\d|3[01])|` +
	`(0?[1-9]|[12]\d|3[01])[-/. ]?(0?[1-9]|1[0-2])[-/. ]?(19|20)\d\d`)

// compactDate finds an eight-digit run that is a date (year first or last).
var compactDate = regexp.MustCompile(`\d{8}`)

// CheckPassword returns "" when pw meets the policy, else the message key
// of the first rule it breaks. context holds the words the password must
// not contain: the user's login ID, name and kana, birth date if known.
// Words of a name are checked one by one; a word is compared from two
// characters for non-Latin scripts (山田) and three for Latin ones.
func CheckPassword(pw string, p Policy, context ...string) string {
	norm := care.NormalizePassword(pw)
	n := utf8.RuneCountInString(norm)
	if n < p.Min() {
		if p.HasSecondFactor {
			return "login.error_password_short_2fa"
		}
		if p.Min() > DefaultMinLength {
			return "login.error_password_short_tenant"
		}
		return "error.password_short"
	}
	if n > MaxLength {
		return "error.password_long"
	}
	var letter, other bool
	for _, r := range norm {
		if isLetter(r) {
			letter = true
		} else {
			other = true
		}
	}
	if !letter || !other {
		return "error.password_mix"
	}
	folded := fold(norm)
	if blocked(folded) {
		return "login.error_password_common"
	}
	for _, w := range contextWords(context) {
		if strings.Contains(folded, w) {
			return "error.password_personal"
		}
	}
	if hasDate(folded) {
		return "login.error_password_date"
	}
	return ""
}

// contextWords folds the context and splits it into the words to refuse:
// each whole value (spaces removed) and each of its words.
func contextWords(context []string) []string {
	var out []string
	add := func(w string) {
		rs := []rune(w)
		latin := true
		for _, r := range rs {
			if r > unicode.MaxLatin1 {
				latin = false
			}
		}
		if len(rs) >= 3 || !latin && len(rs) >= 2 {
			out = append(out, w)
		}
	}
	for _, c := range context {
		c = fold(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		add(strings.Join(strings.Fields(c), ""))
		words := strings.FieldsFunc(c, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsPunct(r) || r == '・'
		})
		if len(words) > 1 {
			for _, w := range words {
				add(w)
			}
		}
		// A birth date given as context is refused in its digits alone too.
		if digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, c); len(digits) == 8 {
			out = append(out, digits)
		}
	}
	return out
}

func hasDate(s string) bool {
	if dateLike.MatchString(s) {
		return true
	}
	for _, m := range compactDate.FindAllString(s, -1) {
		if dateLike.MatchString(m) {
			return true
		}
	}
	return false
}
