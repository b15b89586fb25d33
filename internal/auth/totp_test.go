package auth

import (
	"strings"
	"testing"
	"time"
)

func TestCheckTOTP(t *testing.T) {
	e, err := NewTOTP("renrakucho", "demo/admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.QR, "data:image/png;base64,") || !strings.Contains(e.URL, "secret="+e.Base32) || len(e.Secret) != 20 {
		t.Fatalf("enrolment = %+v", e)
	}
	now := time.Date(2026, 11, 26, 1, 0, 10, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
		step int64
	}{
		{"OK", now, true, TOTPStep(now)},
		{"OKPreviousStep", now.Add(-30 * time.Second), true, TOTPStep(now) - 1},
		{"OKNextStep", now.Add(30 * time.Second), true, TOTPStep(now) + 1},
		{"ErrTooOld", now.Add(-90 * time.Second), false, 0},
		{"ErrTooNew", now.Add(90 * time.Second), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := TOTPCode(e.Secret, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			step, ok := CheckTOTP(e.Secret, code, now)
			if ok != tc.ok || step != tc.step {
				t.Fatalf("CheckTOTP = %d, %v; want %d, %v", step, ok, tc.step, tc.ok)
			}
		})
	}
	t.Run("ErrMalformed", func(t *testing.T) {
		for _, c := range []string{"", "12345", "1234567", "abcdef"} {
			if _, ok := CheckTOTP(e.Secret, c, now); ok {
				t.Errorf("CheckTOTP(%q) accepted", c)
			}
		}
	})
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("got %d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] {
			t.Fatalf("code %q malformed or repeated", c)
		}
		seen[c] = true
		typed := strings.ToUpper(strings.ReplaceAll(c, "-", " "))
		if HashRecoveryCode(typed) != hashes[i] {
			t.Errorf("typed %q does not hash to the stored form", typed)
		}
	}
}
