package web

import (
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

var settingsSpec = &formSpec{fields: []specField{
	{name: "ended_retention_years", label: "settings.ended_retention_years"},
	{name: "audit_retention_days", label: "audit_chain.retention_days"},
	{name: "lockout_threshold", label: "login.settings_lockout_threshold"},
	{name: "password_min_length", label: "login.settings_password_min_length"},
	{name: "idle_minutes", label: "mfa.settings.idle_minutes"},
	{name: "factor_required", label: "mfa.settings.factor_required"},
	{name: "file_max_mb", label: "settings.file_max_mb"},
	{name: "file_quota_mb", label: "settings.file_quota_mb"},
	{name: "file_types", label: "settings.file_types"},
}}

// settingsData is what the settings page shows beside its form.
type settingsData struct {
	UsedBytes, QuotaBytes int64
	Kinds                 []Choice
}

func (w *Web) renderSettings(rw http.ResponseWriter, r *http.Request, status int, f *Form) error {
	act, _ := httpx.ActorFrom(r.Context())
	s, err := w.app.TenantSettings(r.Context(), act)
	if err != nil {
		return err
	}
	d := settingsData{UsedBytes: s.FileUsedBytes, QuotaBytes: s.FileQuotaMB << 20, Kinds: choices("settings.kind", app.FileKinds)}
	return w.render(rw, r, status, pageSettings, view{Notice: noticeKey(r), Form: f, Data: d})
}

// fileNumber reads a positive whole number typed in a form; full-width
// digits count. Anything else is -1, which the app refuses with the
// field's message (0 would mean "unchanged" to the app).
func fileNumber(f *Form, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(norm.NFKC.String(f.Get(name))), 10, 64)
	if err != nil || n < 1 {
		return -1
	}
	return n
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
	f.Set("file_max_mb", strconv.FormatInt(s.FileMaxMB, 10))
	f.Set("file_quota_mb", strconv.FormatInt(s.FileQuotaMB, 10))
	f.Values["file_types"] = s.FileTypes
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
	if in.IdleMinutes == 0 && f.Values.Has("idle_minutes") {
		in.IdleMinutes = -1 // a typed 0 is refused (the timeout is never off), not taken as "unchanged"
	}
	in.FileMaxMB, in.FileQuotaMB = fileNumber(f, "file_max_mb"), fileNumber(f, "file_quota_mb")
	in.FileTypes = append([]string{}, f.Values["file_types"]...)
	if !f.Values.Has("file_max_mb") {
		// A form without the file settings (an older page) keeps them.
		in.FileMaxMB, in.FileQuotaMB, in.FileTypes = 0, 0, nil
	}
	if _, err := w.app.UpdateTenantSettings(r.Context(), act, in); err != nil {
		return refill(f, err, func(status int) error { return w.renderSettings(rw, r, status, f) })
	}
	return redirect(rw, r, "/admin/settings?notice=saved")
}
