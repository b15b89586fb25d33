package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// AccessSettings are a tenant's access controls (DESIGN §3.2, §3.3, §3.15),
// kept by its tenant admins apart from the other settings so that each
// change is its own audit entry.
type AccessSettings struct {
	// AdminAllow lists the addresses (CIDR prefixes) the tenant's admins
	// may use the admin console from; empty allows any address.
	AdminAllow string
	// UserAllow lists the addresses every user of the tenant may use the
	// user listener from; empty allows any address.
	UserAllow string
	// DeviceCerts requires every user of the tenant to present, on the user
	// listener, a device certificate issued to them by their facility admin.
	DeviceCerts bool
	// BreakGlassMinutes is how long a break-glass grant lasts.
	BreakGlassMinutes int
}

// The bounds of AccessSettings.BreakGlassMinutes: long enough for one
// emergency visit, never more than a day (DESIGN §3.15).
const (
	DefaultBreakGlassMinutes = 60
	MinBreakGlassMinutes     = 5
	MaxBreakGlassMinutes     = 24 * 60
)

// policyTTL bounds how long a node trusts its cached copy of a tenant's
// policy. A change made through this node applies at once; one made on
// another node within this time.
const policyTTL = 5 * time.Second

// accessState is the App's access-control state.
type accessState struct {
	operatorAllow care.AllowList
	crlPath       string
	crlMu         sync.Mutex // one CRL write at a time

	mu       sync.Mutex
	policies map[string]cachedPolicy
	// devices caches whether any tenant requires device certificates.
	devices      bool
	devicesUntil time.Time
}

type cachedPolicy struct {
	p     tenantPolicy
	until time.Time
}

// tenantPolicy is a tenant's access policy, parsed.
type tenantPolicy struct {
	admin, user       care.AllowList
	deviceCerts       bool
	breakGlassMinutes int
}

func newAccessState(operatorAllow care.AllowList, crlPath string) *accessState {
	return &accessState{operatorAllow: operatorAllow, crlPath: crlPath, policies: map[string]cachedPolicy{}}
}

func parsePolicy(p store.AccessPolicy) tenantPolicy {
	// The stored lists were validated when saved; an entry that no longer
	// parses would make the list refuse every address rather than none.
	admin, err := care.ParseAllowList(p.AdminAllow)
	if err != nil {
		admin = care.AllowList{}
	}
	user, err := care.ParseAllowList(p.UserAllow)
	if err != nil {
		user = care.AllowList{}
	}
	return tenantPolicy{admin: admin, user: user, deviceCerts: p.DeviceCerts, breakGlassMinutes: p.BreakGlassMinutes}
}

// policy returns the tenant's access policy, cached for policyTTL.
func (a *App) policy(ctx context.Context, tenantID string) (tenantPolicy, error) {
	now := time.Now()
	a.access.mu.Lock()
	c, ok := a.access.policies[tenantID]
	a.access.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.p, nil
	}
	var sp store.AccessPolicy
	err := a.db.ReadTenant(ctx, tenantID, func(tx *store.Tx) error {
		var err error
		sp, err = tx.AccessPolicy(ctx)
		return err
	})
	if err != nil {
		return tenantPolicy{}, err
	}
	p := parsePolicy(sp)
	a.access.mu.Lock()
	a.access.policies[tenantID] = cachedPolicy{p: p, until: now.Add(policyTTL)}
	a.access.mu.Unlock()
	return p, nil
}

func (a *App) forgetPolicy(tenantID string) {
	a.access.mu.Lock()
	delete(a.access.policies, tenantID)
	a.access.devicesUntil = time.Time{}
	a.access.mu.Unlock()
}

// errAddress refuses a request from an address outside an allow-list.
func errAddress() error { return &care.Error{Code: care.EForbidden, Key: "access.error_address"} }

// errDeviceCert refuses a request without the device certificate the
// tenant requires; the page says what to install.
func errDeviceCert() error {
	return &care.Error{Code: care.EForbidden, Key: "access.error_device_cert"}
}

// tenantGate returns why a request of the tenant's user may not proceed
// ("" when it may) and the error to answer with: the allow-list of the
// listener, then (user listener) the device certificate bound to loginID.
func (a *App) tenantGate(ctx context.Context, tenantID, loginID string, o care.Origin, fingerprint string) (string, error) {
	p, err := a.policy(ctx, tenantID)
	if err != nil {
		return "policy unavailable", err
	}
	list := p.user
	if o.Listener == care.AdminListener {
		list = p.admin
	}
	if !list.Allows(o.IP) {
		return "address not allowed " + o.IP, errAddress()
	}
	if o.Listener == care.UserListener && p.deviceCerts {
		if reason := a.checkDeviceCert(ctx, tenantID, loginID, fingerprint); reason != "" {
			return reason, errDeviceCert()
		}
	}
	return "", nil
}

// LoginGate says, before any password form, whether a request may log in
// to the tenant at all: from an allowed address and (when the tenant
// requires them) with a device certificate. An unknown tenant passes:
// the login answers it like a wrong password.
func (a *App) LoginGate(ctx context.Context, slug string, o care.Origin, fingerprint string) error {
	var tenantID string
	err := a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
		t, err := ptx.TenantBySlug(ctx, slug)
		tenantID = t.ID
		return err
	})
	if care.ErrorCode(err) == care.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := a.policy(ctx, tenantID)
	if err != nil {
		return err
	}
	list := p.user
	if o.Listener == care.AdminListener {
		list = p.admin
	}
	if !list.Allows(o.IP) {
		return errAddress()
	}
	if o.Listener == care.UserListener && p.deviceCerts {
		var ok bool
		if fingerprint != "" {
			err := a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
				c, err := ptx.ClientCertByFingerprint(ctx, fingerprint)
				ok = err == nil && c.Kind == store.CertDevice && c.TenantID == tenantID && c.RevokedAt == nil &&
					ptx.Now().Before(c.NotAfter)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if !ok {
			return errDeviceCert()
		}
	}
	return nil
}

// operatorGate returns "" when the operator console may be used from the
// address, else the reason.
func (a *App) operatorGate(ip string) string {
	if !a.access.operatorAllow.Allows(ip) {
		return "address not allowed " + ip
	}
	return ""
}

// AccessSettings returns the access settings of the actor's tenant.
func (a *App) AccessSettings(ctx context.Context, act care.Actor) (AccessSettings, error) {
	if err := require(act, care.ActSettingsManage); err != nil {
		return AccessSettings{}, err
	}
	var p store.AccessPolicy
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		p, err = tx.AccessPolicy(ctx)
		return err
	})
	return AccessSettings(p), err
}

// validate checks and normalises the settings; saving them from ip must
// not shut the admin saving them out of the console.
func (s *AccessSettings) validate(ip string) error {
	var v care.Invalid
	admin, err := care.ParseAllowList(s.AdminAllow)
	if err != nil {
		v.Add("admin_allow", "access.error_cidr")
	} else if !admin.Allows(ip) {
		v.Add("admin_allow", "access.error_self_lockout")
	}
	user, err := care.ParseAllowList(s.UserAllow)
	if err != nil {
		v.Add("user_allow", "access.error_cidr")
	}
	if s.BreakGlassMinutes < MinBreakGlassMinutes || s.BreakGlassMinutes > MaxBreakGlassMinutes {
		v.Add("break_glass_minutes", "access.error_break_glass_minutes")
	}
	if err := v.Err(); err != nil {
		return err
	}
	s.AdminAllow, s.UserAllow = admin.String(), user.String()
	return nil
}

// UpdateAccessSettings replaces the access settings of the actor's
// tenant, audited with the old and new values. An admin allow-list that
// leaves out the address the change comes from is refused, so an admin
// cannot lock themselves out by accident.
func (a *App) UpdateAccessSettings(ctx context.Context, act care.Actor, in AccessSettings) (AccessSettings, error) {
	if err := require(act, care.ActSettingsManage); err != nil {
		return AccessSettings{}, err
	}
	if err := in.validate(act.IP); err != nil {
		return AccessSettings{}, err
	}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		old, err := tx.AccessPolicy(ctx)
		if err != nil {
			return err
		}
		if err := tx.SetAccessPolicy(ctx, store.AccessPolicy(in)); err != nil {
			return err
		}
		e := entry(act, audit.AccessUpdate, "tenant", act.TenantID)
		e.Detail = fmt.Sprintf("admin_allow %q → %q; user_allow %q → %q; device_certs %t → %t; break_glass_minutes %d → %d",
			old.AdminAllow, in.AdminAllow, old.UserAllow, in.UserAllow, old.DeviceCerts, in.DeviceCerts,
			old.BreakGlassMinutes, in.BreakGlassMinutes)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return AccessSettings{}, err
	}
	a.forgetPolicy(act.TenantID)
	return in, nil
}

// refuseLogin records a login refused by the tenant's gate and returns
// the error to answer with.
func (a *App) refuseLogin(ctx context.Context, tenantID string, c Credentials, reason string, gateErr error) error {
	if care.ErrorCode(gateErr) == care.EInternal {
		return gateErr
	}
	err := a.db.InTenant(ctx, tenantID, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, &audit.Entry{ActorLogin: c.LoginID, Action: audit.LoginFailure, IP: c.Origin.IP,
			UserAgent: c.Origin.UserAgent, Result: audit.Denied, Detail: reason})
	})
	if err != nil {
		return err
	}
	return gateErr
}

// OperatorLoginGate refuses, before the password form, an operator
// console request from outside --operator-allow.
func (a *App) OperatorLoginGate(o care.Origin) error {
	if a.operatorGate(o.IP) != "" {
		return errAddress()
	}
	return nil
}

// DeviceCertsInUse reports whether any tenant requires device
// certificates (cached like the policies). The user listener asks
// browsers for a certificate only then, so that nobody is shown a
// certificate prompt for a feature no one uses.
func (a *App) DeviceCertsInUse(ctx context.Context) bool {
	now := time.Now()
	a.access.mu.Lock()
	if now.Before(a.access.devicesUntil) {
		in := a.access.devices
		a.access.mu.Unlock()
		return in
	}
	a.access.mu.Unlock()
	var n int
	err := a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		n, err = ptx.DeviceCertTenants(ctx)
		return err
	})
	if err != nil {
		// Asking costs nothing when no one answers; refusing to ask would
		// lock out the members of a tenant that requires certificates.
		return true
	}
	a.access.mu.Lock()
	a.access.devices, a.access.devicesUntil = n > 0, now.Add(policyTTL)
	a.access.mu.Unlock()
	return n > 0
}
