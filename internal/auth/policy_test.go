package auth

import (
	"strings"
	"testing"
	"time"
)

func TestCheckPassword(t *testing.T) {
	context := []string{"nurse.hanako", "看護 花子", "カンゴ ハナコ", "1985-04-12"}
	tests := []struct {
		name string
		pw   string
		p    Policy
		want string
	}{
		{"Err7", "Kq7-xZp", Policy{}, "error.password_short"},
		{"Err12", "Kq7-xZp-Wm3v", Policy{}, "error.password_short"},
		{"OK13", "Kq7-xZp-Wm3vT", Policy{}, ""},
		{"OK64", strings.Repeat("Kq7-xZp-", 8), Policy{}, ""},
		{"OK128", strings.Repeat("Kq7-xZp-", 16), Policy{}, ""},
		{"Err129", strings.Repeat("Kq7-xZp-", 16) + "x", Policy{}, "error.password_long"},
		{"OK8WithSecondFactor", "Kq7-xZpW", Policy{HasSecondFactor: true}, ""},
		{"Err7WithSecondFactor", "Kq7-xZp", Policy{HasSecondFactor: true}, "login.error_password_short_2fa"},
		{"ErrTenantTightened", "Kq7-xZp-Wm3vT", Policy{MinLength: 16}, "login.error_password_short_tenant"},
		{"OKTenantTightened", "Kq7-xZp-Wm3vT-yy", Policy{MinLength: 16}, ""},
		{"ErrTenantTightenedSecondFactor", "Kq7-xZpW", Policy{MinLength: 16, HasSecondFactor: true}, "login.error_password_short_2fa"},
		{"OKTenantLooserIgnored", "Kq7-xZp-Wm3vT", Policy{MinLength: 4}, ""},
		{"ErrTenantLooserIgnored", "Kq7-xZp-Wm3v", Policy{MinLength: 4}, "error.password_short"},
		// Characters are counted after NFKC: full-width letters are one each;
		// a compatibility ligature becomes two.
		{"OKFullWidth13", "Ｋｑ７－ｘＺｐ－Ｗｍ３ｖＴ", Policy{}, ""},
		{"OKLigatureCountsTwo", "Kq7-xZp-Wm3\uFB01", Policy{}, ""},
		{"ErrCombiningCountsOnce", "Kq7-xZp-Wm3e\u0301", Policy{}, "error.password_short"},
		{"ErrLettersOnly", "KqxZpWmvTabcd", Policy{}, "error.password_mix"},
		{"ErrDigitsOnly", "1234567890123", Policy{}, "error.password_mix"},
		{"ErrBlocklist", "baseball1234", Policy{HasSecondFactor: true}, "login.error_password_common"},
		{"ErrBlocklistCase", "BaseBall1234", Policy{HasSecondFactor: true}, "login.error_password_common"},
		{"ErrBlocklistFullWidth", "ｐａｓｓｗｏｒｄ１２３", Policy{HasSecondFactor: true}, "login.error_password_common"},
		{"ErrBlocklistPadded", "iloveyou2026!!", Policy{}, "login.error_password_common"},
		{"ErrLoginID", "xx-nurse.hanako-77", Policy{}, "error.password_personal"},
		{"ErrLoginIDCase", "xx-NURSE.HANAKO-77", Policy{}, "error.password_personal"},
		{"ErrNameWord", "Kq7-xZp-花子-Wm3v", Policy{}, "error.password_personal"},
		{"ErrKanaFullName", "Kq7-カンゴハナコ-Wm3v", Policy{}, "error.password_personal"},
		{"ErrHalfWidthKana", "Kq7-ｶﾝｺﾞﾊﾅｺ-Wm3v", Policy{}, "error.password_personal"},
		{"ErrBirthDateContext", "Kq7-xZp-19850412", Policy{}, "error.password_personal"},
		{"ErrDateSeparated", "Kq7-xZp-1999/12/31", Policy{}, "login.error_password_date"},
		{"ErrDateDayFirst", "Kq7-xZp-31.12.1999", Policy{}, "login.error_password_date"},
		{"ErrDateJapanese", "Kq7-xZp-1999年12月31日", Policy{}, "login.error_password_date"},
		{"OKYearAlone", "Hanamizuki-2026", Policy{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.pw, tt.p, context...); got != tt.want {
				t.Errorf("CheckPassword(%q, %+v) = %q, want %q", tt.pw, tt.p, got, tt.want)
			}
		})
	}
}

func TestBlocklist(t *testing.T) {
	if n := BlocklistLen(); n < 5000 {
		t.Fatalf("blocklist has %d entries, want thousands", n)
	}
	for _, pw := range []string{"password", "12345678", "qwertyuiop", "iloveyou"} {
		if !blocked(fold(pw)) {
			t.Errorf("%q is not blocked", pw)
		}
	}
}

func TestPolicyMin(t *testing.T) {
	tests := []struct {
		p    Policy
		want int
	}{
		{Policy{}, 13}, {Policy{MinLength: 13}, 13}, {Policy{MinLength: 20}, 20},
		{Policy{HasSecondFactor: true}, 8}, {Policy{MinLength: 20, HasSecondFactor: true}, 15}, {Policy{MinLength: 1}, 13},
	}
	for _, tt := range tests {
		if got := tt.p.Min(); got != tt.want {
			t.Errorf("%+v.Min() = %d, want %d", tt.p, got, tt.want)
		}
	}
}

func TestThrottle(t *testing.T) {
	th := NewThrottle(2, time.Minute)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	th.Fail("192.0.2.1", now)
	if over, _ := th.Over("192.0.2.1", now); over {
		t.Fatal("over after one failure of two")
	}
	th.Fail("192.0.2.1", now.Add(10*time.Second))
	over, wait := th.Over("192.0.2.1", now.Add(20*time.Second))
	if !over || wait != 40*time.Second {
		t.Fatalf("Over = %v, %v; want true, 40s", over, wait)
	}
	if over, _ := th.Over("192.0.2.2", now); over {
		t.Fatal("another address is over")
	}
	if over, _ := th.Over("192.0.2.1", now.Add(time.Minute)); over {
		t.Fatal("over after the window")
	}
	if over, _ := NewThrottle(-1, time.Minute).Over("192.0.2.1", now); over {
		t.Fatal("a disabled throttle throttles")
	}
}
