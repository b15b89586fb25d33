package store

import (
	"context"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
)

const tenantColumns = `id, slug, name, active, options, created_at`

func scanTenant(row interface{ Scan(...any) error }) (care.Tenant, error) {
	var t care.Tenant
	var opts string
	err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.Active, &opts, &t.CreatedAt)
	if opts != "" {
		t.Options = strings.Split(opts, ",")
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// CreateTenant inserts a tenant with its data keyset. A taken slug is a
// conflict.
func (tx *PlatformTx) CreateTenant(ctx context.Context, t *care.Tenant) error {
	t.ID = NewID()
	t.CreatedAt = tx.now
	t.Active = true
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM tenants WHERE slug = ?`, t.Slug).Scan(&n); err != nil {
		return wrap(err, "create tenant")
	}
	if n > 0 {
		return &care.Error{Code: care.EConflict, Key: "error.slug_taken", Field: "slug"}
	}
	_, err := tx.exec(ctx, `INSERT INTO tenants (id, slug, name, active, options, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, t.Slug, t.Name, t.Active, strings.Join(t.Options, ","), t.CreatedAt)
	if err != nil {
		return wrap(err, "create tenant")
	}
	// The keyset row is the tenant's own (row-level security): write it in
	// the tenant's scope, then return to the platform's.
	if err := tx.dialect.setScope(ctx, tx.tx, t.ID); err != nil {
		return care.Internal(err)
	}
	if err := (&Tx{conn: tx.conn, tenant: t.ID}).CreateKeyset(ctx); err != nil {
		return err
	}
	if err := tx.dialect.setScope(ctx, tx.tx, ""); err != nil {
		return care.Internal(err)
	}
	return nil
}

// SetTenantActive switches a tenant on or off.
func (tx *PlatformTx) SetTenantActive(ctx context.Context, id string, active bool) error {
	res, err := tx.exec(ctx, `UPDATE tenants SET active = ? WHERE id = ?`, active, id)
	if err != nil {
		return wrap(err, "set tenant active")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.NotFound("tenant")
	}
	return nil
}

// TenantBySlug returns the tenant with the slug.
func (tx *PlatformTx) TenantBySlug(ctx context.Context, slug string) (care.Tenant, error) {
	t, err := scanTenant(tx.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = ?`, slug))
	if err != nil {
		return care.Tenant{}, notFound(err, "tenant")
	}
	return t, nil
}

// TenantByID returns the tenant with the ID.
func (tx *PlatformTx) TenantByID(ctx context.Context, id string) (care.Tenant, error) {
	t, err := scanTenant(tx.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
	if err != nil {
		return care.Tenant{}, notFound(err, "tenant")
	}
	return t, nil
}

// Tenants lists all tenants by slug.
func (tx *PlatformTx) Tenants(ctx context.Context) ([]care.Tenant, error) {
	rows, err := tx.query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY slug`)
	if err != nil {
		return nil, wrap(err, "list tenants")
	}
	defer rows.Close()
	var out []care.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, wrap(err, "list tenants")
		}
		out = append(out, t)
	}
	return out, wrap(rows.Err(), "list tenants")
}

// Tenant returns the tenant this transaction is bound to.
func (tx *Tx) Tenant(ctx context.Context) (care.Tenant, error) {
	t, err := scanTenant(tx.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, tx.tenant))
	if err != nil {
		return care.Tenant{}, notFound(err, "tenant")
	}
	return t, nil
}

// SetEndedRetentionYears sets how many years the tenant keeps residents
// whose sharing ended before the retention job purges them. The app
// validates the number.
func (tx *Tx) SetEndedRetentionYears(ctx context.Context, years int) error {
	res, err := tx.exec(ctx, `UPDATE tenants SET ended_retention_years = ? WHERE id = ?`, years, tx.tenant)
	if err != nil {
		return wrap(err, "set retention")
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err, "set retention")
	} else if n != 1 {
		return care.NotFound("tenant")
	}
	return nil
}
