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
	years, err := strconv.Atoi(strings.TrimSpace(norm.NFKC.String(f.Get("ended_retention_years"))))
	if err != nil {
		years = 0
	}
	// An empty or absent audit retention leaves it as it is (0); anything
	// else that is not a number is refused by the app (-1).
	days := 0
	if s := strings.TrimSpace(norm.NFKC.String(f.Get("audit_retention_days"))); s != "" {
		if days, err = strconv.Atoi(s); err != nil {
			days = -1
		}
	}
	if _, err := w.app.UpdateTenantSettings(r.Context(), act, app.Settings{EndedRetentionYears: years, AuditRetentionDays: days}); err != nil {
		return refill(f, err, func(status int) error { return w.renderSettings(rw, r, status, f) })
	}
	return redirect(rw, r, "/admin/settings?notice=saved")
}
