package web

import (
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
)

var settingsSpec = &formSpec{fields: []specField{
	{name: "ended_retention_years", label: "settings.ended_retention_years"},
	{name: "audit_retention_days", label: "audit_chain.retention_days"},
	{name: "lockout_threshold", label: "login.settings_lockout_threshold"},
	{name: "password_min_length", label: "login.settings_password_min_length"},
	{name: "idle_minutes", label: "mfa.settings.idle_minutes"},
	{name: "factor_required", label: "mfa.settings.factor_required"},
}}

func (w *Web) renderSettings(rw http.ResponseWriter, r *http.Request, status int, f *Form) error {
	return w.render(rw, r, status, pageSettings, view{Notice: noticeKey(r), Form: f})
}

// settings shows the tenant's settings, for its tenant admins.
func (w *Web) settings(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	s, err := w.app.TenantSettings(r.Context(), act)
	if err != nil {
		return err
	}
	f := newForm(settingsSpec, nil)
	f.Set("ended_retention_years", strconv.Itoa(s.EndedRetentionYears))
	f.Set("audit_retention_days", strconv.Itoa(s.AuditRetentionDays))
	f.Set("lockout_threshold", strconv.Itoa(s.LockoutThreshold))
	f.Set("password_min_length", strconv.Itoa(s.PasswordMinLength))
	f.Set("idle_minutes", strconv.Itoa(s.IdleMinutes))
	if s.FactorRequired {
		f.Set("factor_required", "1")
	}
	return w.renderSettings(rw, r, http.StatusOK, f)
}

// updateSettings saves the tenant's settings.
func (w *Web) updateSettings(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, settingsSpec)
	if err != nil {
		return err
	}
	// Full-width digits from a Japanese input method count as digits;
	// anything else that is not a number is 0, which the app refuses with
	// the field's own message.
	number := func(name string) int {
		if !f.Values.Has(name) {
			return 0 // a form without the field keeps the value
		}
		n, err := strconv.Atoi(strings.TrimSpace(norm.NFKC.String(f.Get(name))))
		if err != nil {
			return -1 // refused with the field's own message (0 would keep the old value)
		}
		return n
	}
	// An empty audit retention leaves it as it is (0), like an absent one.
	days := 0
	if strings.TrimSpace(f.Get("audit_retention_days")) != "" {
		days = number("audit_retention_days")
	}
	in := app.Settings{EndedRetentionYears: number("ended_retention_years"), AuditRetentionDays: days,
		LockoutThreshold: number("lockout_threshold"), PasswordMinLength: number("password_min_length"),
		IdleMinutes: number("idle_minutes"), FactorRequired: f.Get("factor_required") == "1"}
	if _, err := w.app.UpdateTenantSettings(r.Context(), act, in); err != nil {
		return refill(f, err, func(status int) error { return w.renderSettings(rw, r, status, f) })
	}
	return redirect(rw, r, "/admin/settings?notice=saved")
}
