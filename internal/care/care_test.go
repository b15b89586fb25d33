package care

import (
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, pw string
		personal []string
		want     string
	}{
		{"OK13", "Hanamizuki-2026", nil, ""},
		{"Short12", "abcdefgh-123", nil, "error.password_short"},
		{"Short7", "abc-123", nil, "error.password_short"},
		{"Long129", strings.Repeat("a1", 64) + "b", nil, "error.password_long"},
		{"OK128", strings.Repeat("a1", 64), nil, ""},
		{"LettersOnly", "abcdefghijklmn", nil, "error.password_mix"},
		{"DigitsOnly", "12345678901234", nil, "error.password_mix"},
		{"FullWidthDigitsNormalised", "ｐａｓｓｗｏｒｄ１２３４５", nil, ""},
		{"Japanese", "やまのぼり好き2026年の春", nil, ""},
		{"ContainsLogin", "xx-doctor-2026xx", []string{"doctor"}, "error.password_personal"},
		{"ContainsLoginCase", "xx-DOCTOR-2026xx", []string{"doctor"}, "error.password_personal"},
		{"ShortPersonalIgnored", "ab-1234567890123", []string{"ab"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.pw, tt.personal...); got != tt.want {
				t.Errorf("CheckPassword(%q) = %q, want %q", tt.pw, got, tt.want)
			}
		})
	}
}

func TestCan(t *testing.T) {
	tests := []struct {
		role     Role
		listener Listener
		act      Action
		want     bool
	}{
		{RoleOperator, AdminListener, ActTenantCreate, true},
		{RoleOperator, UserListener, ActTenantCreate, false},
		{RoleTenantAdmin, AdminListener, ActTenantCreate, false},
		{RoleTenantAdmin, AdminListener, ActFacilityManage, true},
		{RoleTenantAdmin, UserListener, ActFacilityManage, false},
		{RoleFacilityAdmin, AdminListener, ActFacilityManage, false},
		{RoleFacilityAdmin, AdminListener, ActUserManage, true},
		{RoleMember, AdminListener, ActUserManage, false},
		{RoleMember, UserListener, ActUserDirectory, true},
		{RoleResponder, UserListener, ActUserDirectory, false},
		{RoleOperator, AdminListener, ActFacilityList, false},
		{RoleMember, UserListener, Action("no.such"), false},
	}
	for _, tt := range tests {
		a := Actor{Role: tt.role, Listener: tt.listener}
		if got := a.Can(tt.act); got != tt.want {
			t.Errorf("%s on %s: Can(%s) = %v, want %v", tt.role, tt.listener, tt.act, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	good := UserInput{LoginID: "nurse1", Name: "看護 花子", Kana: "カンゴ ハナコ", Profession: "nurse", Role: RoleMember,
		Facilities: []string{"f"}, Password: "Hanamizuki-2026"}
	tests := []struct {
		name   string
		mutate func(*UserInput)
		fields []string
	}{
		{"OK", func(*UserInput) {}, nil},
		{"ErrLogin", func(u *UserInput) { u.LoginID = "a b" }, []string{"login_id"}},
		{"ErrName", func(u *UserInput) { u.Name = "  " }, []string{"name"}},
		{"ErrControl", func(u *UserInput) { u.Name = "a\x00b" }, []string{"name"}},
		{"ErrKana", func(u *UserInput) { u.Kana = "kana" }, []string{"kana"}},
		{"ErrProfession", func(u *UserInput) { u.Profession = "wizard" }, []string{"profession"}},
		{"ErrRole", func(u *UserInput) { u.Role = RoleOperator }, []string{"role"}},
		{"ErrEmail", func(u *UserInput) { u.Email = "no-at" }, []string{"email"}},
		{"ErrFacilities", func(u *UserInput) { u.Facilities = nil }, []string{"facilities"}},
		{"ErrPassword", func(u *UserInput) { u.Password = "short1" }, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := good
			tt.mutate(&u)
			err := u.Validate(true)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e := AsError(err)
			if e.Code != EInvalid {
				t.Fatalf("got %v, want invalid", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}
