package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store"
)

// ErrInitialised is returned by InitOperator when an operator exists.
var ErrInitialised = &care.Error{Code: care.EConflict, Key: "error.initialised"}

// Initialised reports whether the first operator exists.
func (a *App) Initialised(ctx context.Context) (bool, error) {
	var n int
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		n, err = ptx.CountOperators(ctx)
		return err
	})
	return n > 0, err
}

// InitOperator creates the first operator; the command line's bootstrap.
// It refuses once any operator exists, so it cannot be used to get round
// the consoles later. The origin names the command for the audit log.
func (a *App) InitOperator(ctx context.Context, loginID, name, email, password string, o care.Origin) (care.Actor, error) {
	in := care.UserInput{LoginID: loginID, Name: name, Profession: "other", Role: care.RoleMember, Facilities: []string{"-"}, Email: email, Password: password}
	if err := in.Validate(true); err != nil {
		return care.Actor{}, err
	}
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return care.Actor{}, care.Internal(err)
	}
	op := store.Operator{LoginID: in.LoginID, Name: in.Name, Email: in.Email}
	err = a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		n, err := ptx.CountOperators(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrInitialised
		}
		if err := ptx.CreateOperator(ctx, &op, hash); err != nil {
			return err
		}
		return ptx.AppendAudit(ctx, &audit.Entry{ActorLogin: "cli", Action: audit.OperatorInit, TargetType: "operator",
			TargetID: op.ID, IP: o.IP, UserAgent: o.UserAgent, Result: audit.OK, Detail: "first operator " + op.LoginID})
	})
	if err != nil {
		return care.Actor{}, err
	}
	return care.Actor{UserID: op.ID, LoginID: op.LoginID, Name: op.Name, Role: care.RoleOperator, Listener: care.AdminListener,
		IP: o.IP, UserAgent: o.UserAgent}, nil
}

// OperatorActor returns the actor of an existing operator, for the command
// line's audited bootstrap work (the demo, `renrakucho ca issue`).
func (a *App) OperatorActor(ctx context.Context, loginID string, o care.Origin) (care.Actor, error) {
	var op store.Operator
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		op, _, err = ptx.OperatorCredentials(ctx, loginID)
		return err
	})
	if err != nil {
		return care.Actor{}, err
	}
	return care.Actor{UserID: op.ID, LoginID: op.LoginID, Name: op.Name, Role: care.RoleOperator, Listener: care.AdminListener,
		IP: o.IP, UserAgent: o.UserAgent}, nil
}

// TenantAdminActor returns the actor of a tenant's admin, for the command
// line's audited bootstrap work (the demo's seeding).
func (a *App) TenantAdminActor(ctx context.Context, slug, loginID string, o care.Origin) (care.Actor, error) {
	var act care.Actor
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		t, err := ptx.TenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		tx, err := ptx.InTenant(ctx, t.ID)
		if err != nil {
			return err
		}
		u, _, err := tx.UserCredentials(ctx, loginID)
		if err != nil {
			return err
		}
		if u.Role != care.RoleTenantAdmin {
			return care.Forbidden()
		}
		act = care.Actor{TenantID: t.ID, TenantSlug: t.Slug, UserID: u.ID, LoginID: u.LoginID, Name: u.Name, Role: u.Role,
			Facilities: u.Facilities, Listener: care.AdminListener, IP: o.IP, UserAgent: o.UserAgent}
		return nil
	})
	return act, err
}

// CertValidity is how long an admin client certificate lasts.
const CertValidity = 397 * 24 * time.Hour

// IssuedCert is a client certificate with the password of its PKCS#12
// bundle, shown once.
type IssuedCert struct {
	*pki.Issued
	P12         []byte
	P12Password string
	Subject     pki.Subject
}

// IssueClientCert issues an admin client certificate bound to one account:
// an operator may issue for any tenant's admins and for operators (tenant
// ""), a tenant admin for the admins of their own tenant. Audited.
func (a *App) IssueClientCert(ctx context.Context, act care.Actor, tenantSlug, loginID string) (IssuedCert, error) {
	if a.ca == nil {
		return IssuedCert{}, care.Internal(errors.New("app: no CA configured"))
	}
	switch {
	case act.IsOperator() && act.Listener == care.AdminListener:
	case act.Role == care.RoleTenantAdmin && act.Listener == care.AdminListener && tenantSlug == act.TenantSlug:
	default:
		return IssuedCert{}, care.Forbidden()
	}
	var out IssuedCert
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var tenant care.Tenant
		if tenantSlug != "" {
			var err error
			if tenant, err = ptx.TenantBySlug(ctx, tenantSlug); err != nil {
				return err
			}
		} else if _, _, err := ptx.OperatorCredentials(ctx, loginID); err != nil {
			return err
		}
		sub := pki.Subject{Tenant: tenantSlug, Login: loginID}
		issued, err := a.ca.IssueClient(sub, CertValidity, ptx.Now())
		if err != nil {
			return care.Internal(err)
		}
		pw := randomPassword()
		p12, err := issued.PKCS12(pw)
		if err != nil {
			return care.Internal(err)
		}
		if err := ptx.RecordClientCert(ctx, store.ClientCert{Serial: issued.Serial, TenantID: tenant.ID, LoginID: loginID,
			Fingerprint: pki.Fingerprint(issued.Cert), NotAfter: issued.NotAfter}); err != nil {
			return err
		}
		e := entry(act, audit.CertIssue, "certificate", issued.Serial)
		e.Detail = sub.CommonName()
		out = IssuedCert{Issued: issued, P12: p12, P12Password: pw, Subject: sub}
		if act.IsOperator() {
			// The operator's own work log (control 12.4.3).
			if err := ptx.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		if tenant.ID == "" {
			return nil
		}
		// From here on the transaction is scoped to the tenant.
		tx, err := ptx.InTenant(ctx, tenant.ID)
		if err != nil {
			return err
		}
		u, _, err := tx.UserCredentials(ctx, loginID)
		if err != nil {
			return err
		}
		if !u.Role.IsAdmin() {
			return &care.Error{Code: care.EInvalid, Key: "error.cert_not_admin"}
		}
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}

func randomPassword() string {
	b := make([]byte, 10)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
