package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store"
)

// DeviceCertValidity is how long a member's device certificate lasts.
const DeviceCertValidity = 397 * 24 * time.Hour

// CertInfo is a recorded client certificate, for the lists of the console
// and of `renrakucho ca list`.
type CertInfo struct {
	store.ClientCert
	TenantSlug string // "" for an operator's certificate
}

// Revoked reports whether the certificate was revoked.
func (c CertInfo) Revoked() bool { return c.RevokedAt != nil }

// Expired reports whether the certificate had expired at now.
func (c CertInfo) Expired(now time.Time) bool { return !now.Before(c.NotAfter) }

// checkDeviceCert returns "" when the fingerprint is of a device
// certificate bound to the tenant's account loginID, not revoked and not
// expired, else the reason.
func (a *App) checkDeviceCert(ctx context.Context, tenantID, loginID, fingerprint string) string {
	if fingerprint == "" {
		return "no device certificate"
	}
	var reason string
	err := a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
		c, err := ptx.ClientCertByFingerprint(ctx, fingerprint)
		switch {
		case err != nil:
			reason = "device certificate not issued to an account"
		case c.Kind != store.CertDevice:
			reason = "not a device certificate"
		case c.TenantID != tenantID || c.LoginID != loginID:
			reason = "device certificate bound to another account"
		case c.RevokedAt != nil:
			reason = "device certificate revoked"
		case !ptx.Now().Before(c.NotAfter):
			reason = "device certificate expired"
		}
		return nil
	})
	if err != nil {
		return "device certificate check failed"
	}
	return reason
}

// CheckAdminConnection says whether a verified client certificate may
// open the admin console at all: recorded as an admin certificate, not
// revoked, not expired. The admin listener asks it at each TLS handshake
// and before each request, so a revocation takes effect at once, before
// any password form. Which account it is good for is Login's check.
func (a *App) CheckAdminConnection(ctx context.Context, fingerprint string) error {
	if fingerprint == "" {
		return errors.New("app: no client certificate")
	}
	return a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
		c, err := ptx.ClientCertByFingerprint(ctx, fingerprint)
		switch {
		case err != nil:
			return errors.New("app: client certificate not recorded")
		case c.Kind != store.CertAdmin:
			return errors.New("app: not an admin certificate")
		case c.RevokedAt != nil:
			return errors.New("app: client certificate revoked")
		case !ptx.Now().Before(c.NotAfter):
			return errors.New("app: client certificate expired")
		}
		return nil
	})
}

// ClientCerts lists recorded client certificates, newest first: every one
// for an operator, its own tenant's for a tenant admin.
func (a *App) ClientCerts(ctx context.Context, act care.Actor) ([]CertInfo, error) {
	switch {
	case act.IsOperator() && act.Listener == care.AdminListener:
	case act.Role == care.RoleTenantAdmin && act.Listener == care.AdminListener:
	default:
		return nil, care.Forbidden()
	}
	var out []CertInfo
	err := a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
		var cs []store.ClientCert
		var err error
		if act.IsOperator() {
			cs, err = ptx.ClientCerts(ctx)
		} else {
			cs, err = ptx.TenantClientCerts(ctx, act.TenantID)
		}
		if err != nil {
			return err
		}
		slugs := map[string]string{}
		ts, err := ptx.Tenants(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			slugs[t.ID] = t.Slug
		}
		out = make([]CertInfo, 0, len(cs))
		for _, c := range cs {
			out = append(out, CertInfo{ClientCert: c, TenantSlug: slugs[c.TenantID]})
		}
		return nil
	})
	return out, err
}

// RevokeClientCert revokes a certificate by serial: an operator any, a
// tenant admin those of their own tenant (another tenant's is not found).
// The revocation is audited (the operator's own log for an operator, the
// tenant's log when the certificate is a tenant's) and the CRL file is
// rewritten. Revoking a revoked certificate changes nothing.
func (a *App) RevokeClientCert(ctx context.Context, act care.Actor, serial string) (CertInfo, error) {
	switch {
	case act.IsOperator() && act.Listener == care.AdminListener:
	case act.Role == care.RoleTenantAdmin && act.Listener == care.AdminListener:
	default:
		return CertInfo{}, care.Forbidden()
	}
	var out CertInfo
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		c, err := ptx.ClientCertBySerial(ctx, serial)
		if err != nil {
			return err
		}
		if !act.IsOperator() && c.TenantID != act.TenantID {
			return care.NotFound("certificate")
		}
		changed, err := ptx.RevokeClientCert(ctx, serial)
		if err != nil {
			return err
		}
		if c, err = ptx.ClientCertBySerial(ctx, serial); err != nil {
			return err
		}
		out = CertInfo{ClientCert: c}
		if c.TenantID != "" {
			t, err := ptx.TenantByID(ctx, c.TenantID)
			if err != nil {
				return err
			}
			out.TenantSlug = t.Slug
		}
		if !changed {
			return nil
		}
		e := entry(act, audit.CertRevoke, "certificate", serial)
		e.Detail = pki.Subject{Tenant: out.TenantSlug, Login: c.LoginID}.CommonName() + " (" + c.Kind + ")"
		if act.IsOperator() {
			if err := ptx.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		if c.TenantID == "" {
			return nil
		}
		tx, err := ptx.InTenant(ctx, c.TenantID)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return CertInfo{}, err
	}
	if err := a.WriteCRL(ctx); err != nil {
		// The database is the authority the listeners check; a stale CRL
		// file only delays other software, so the revocation stands.
		a.log.Error("crl not rewritten after revocation", "serial", serial, "err", err)
	}
	return out, nil
}

// WriteCRL rewrites the CRL file (Options.CRLPath) from the revoked
// serials in the database; without a path or a CA it does nothing. The
// CRL number is the time in seconds, so it grows with each export.
func (a *App) WriteCRL(ctx context.Context) error {
	if a.access.crlPath == "" || a.ca == nil {
		return nil
	}
	a.access.crlMu.Lock()
	defer a.access.crlMu.Unlock()
	var serials []string
	if err := a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		serials, err = ptx.RevokedSerials(ctx)
		return err
	}); err != nil {
		return err
	}
	now := a.db.Now()
	crl, err := a.ca.CreateCRL(serials, now.Unix(), now)
	if err != nil {
		return err
	}
	return pki.WriteCRLFile(a.access.crlPath, crl)
}

// IssueDeviceCert issues a device certificate for a user of the actor's
// tenant, for the user listener of a tenant that requires them: a
// facility admin for a user of one of their facilities, a tenant admin
// for any user. Audited in the tenant's log. The PKCS#12 password is in
// the result only.
func (a *App) IssueDeviceCert(ctx context.Context, act care.Actor, userID string) (IssuedCert, error) {
	if a.ca == nil {
		return IssuedCert{}, care.Internal(errors.New("app: no CA configured"))
	}
	if err := require(act, care.ActUserManage); err != nil {
		return IssuedCert{}, err
	}
	var out IssuedCert
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		tx, err := ptx.InTenant(ctx, act.TenantID)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		if act.Role != care.RoleTenantAdmin && !slices.ContainsFunc(u.Facilities, act.InFacility) {
			return care.NotFound("user")
		}
		if !u.Active {
			return &care.Error{Code: care.EConflict, Key: "access.error_user_inactive"}
		}
		sub := pki.Subject{Tenant: act.TenantSlug, Login: u.LoginID}
		issued, err := a.ca.IssueClient(sub, DeviceCertValidity, ptx.Now())
		if err != nil {
			return care.Internal(err)
		}
		pw := randomPassword()
		p12, err := issued.PKCS12(pw)
		if err != nil {
			return care.Internal(err)
		}
		if err := ptx.RecordClientCert(ctx, store.ClientCert{Serial: issued.Serial, TenantID: act.TenantID, LoginID: u.LoginID,
			Fingerprint: pki.Fingerprint(issued.Cert), NotAfter: issued.NotAfter, Kind: store.CertDevice}); err != nil {
			return err
		}
		out = IssuedCert{Issued: issued, P12: p12, P12Password: pw, Subject: sub}
		e := entry(act, audit.CertDeviceIssue, "certificate", issued.Serial)
		e.Detail = sub.CommonName()
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}
