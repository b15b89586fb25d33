package api

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// settingsOut is the tenant's settings.
type settingsOut struct {
	EndedRetentionYears int      `json:"ended_retention_years"`
	AuditRetentionDays  int      `json:"audit_retention_days"`
	LockoutThreshold    int      `json:"lockout_threshold"`
	PasswordMinLength   int      `json:"password_min_length"`
	IdleMinutes         int      `json:"idle_minutes"`
	FactorRequired      bool     `json:"factor_required"`
	FileMaxMB           int64    `json:"file_max_mb"`
	FileQuotaMB         int64    `json:"file_quota_mb"`
	FileTypes           []string `json:"file_types"`
	FileUsedBytes       int64    `json:"file_used_bytes"`
}

// settingsPatch holds the members a PATCH sent; absent ones stay nil.
type settingsPatch struct {
	EndedRetentionYears *int      `json:"ended_retention_years"`
	AuditRetentionDays  *int      `json:"audit_retention_days"`
	LockoutThreshold    *int      `json:"lockout_threshold"`
	PasswordMinLength   *int      `json:"password_min_length"`
	IdleMinutes         *int      `json:"idle_minutes"`
	FactorRequired      *bool     `json:"factor_required"`
	FileMaxMB           *int64    `json:"file_max_mb"`
	FileQuotaMB         *int64    `json:"file_quota_mb"`
	FileTypes           *[]string `json:"file_types"`
}

func renderSettings(s app.Settings) settingsOut {
	return settingsOut{EndedRetentionYears: s.EndedRetentionYears, AuditRetentionDays: s.AuditRetentionDays,
		LockoutThreshold: s.LockoutThreshold, PasswordMinLength: s.PasswordMinLength, IdleMinutes: s.IdleMinutes,
		FactorRequired: s.FactorRequired, FileMaxMB: s.FileMaxMB, FileQuotaMB: s.FileQuotaMB,
		FileTypes: strs(s.FileTypes), FileUsedBytes: s.FileUsedBytes}
}

func (a *API) settings(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	s, err := a.app.TenantSettings(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderSettings(s))
	return nil
}

// updateSettings applies a PATCH: members sent replace the stored values.
// The read and the write are separate use cases, so of two concurrent
// PATCHes of different members the later one wins; with one setting that
// cannot lose anything yet.
func (a *API) updateSettings(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in settingsPatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	s, err := a.app.TenantSettings(r.Context(), act)
	if err != nil {
		return err
	}
	set(&s.EndedRetentionYears, in.EndedRetentionYears)
	set(&s.AuditRetentionDays, in.AuditRetentionDays)
	set(&s.LockoutThreshold, in.LockoutThreshold)
	set(&s.PasswordMinLength, in.PasswordMinLength)
	set(&s.IdleMinutes, in.IdleMinutes)
	set(&s.FactorRequired, in.FactorRequired)
	set(&s.FileMaxMB, in.FileMaxMB)
	set(&s.FileQuotaMB, in.FileQuotaMB)
	if in.FileTypes != nil {
		s.FileTypes = append([]string{}, *in.FileTypes...)
	}
	if s, err = a.app.UpdateTenantSettings(r.Context(), act, s); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderSettings(s))
	return nil
}
