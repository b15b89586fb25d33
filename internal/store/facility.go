package store

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/care"
)

const facilityColumns = `id, tenant_id, kind, name, address, phone, area, created_at`

func scanFacility(row interface{ Scan(...any) error }) (care.Facility, error) {
	var f care.Facility
	err := row.Scan(&f.ID, &f.TenantID, &f.Kind, &f.Name, &f.Address, &f.Phone, &f.Area, &f.CreatedAt)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

// CreateFacility inserts a facility into the transaction's tenant.
func (tx *Tx) CreateFacility(ctx context.Context, f *care.Facility) error {
	f.ID = NewID()
	f.TenantID = tx.tenant
	f.CreatedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO facilities (tenant_id, id, kind, name, address, phone, area, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tx.tenant, f.ID, f.Kind, f.Name, f.Address, f.Phone, f.Area, f.CreatedAt)
	return wrap(err, "create facility")
}

// UpdateFacility changes a facility's fields.
func (tx *Tx) UpdateFacility(ctx context.Context, f care.Facility) error {
	res, err := tx.exec(ctx, `UPDATE facilities SET kind = ?, name = ?, address = ?, phone = ?, area = ?
		WHERE tenant_id = ? AND id = ?`, f.Kind, f.Name, f.Address, f.Phone, f.Area, tx.tenant, f.ID)
	if err != nil {
		return wrap(err, "update facility")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.NotFound("facility")
	}
	return nil
}

// Facility returns one facility of the tenant.
func (tx *Tx) Facility(ctx context.Context, id string) (care.Facility, error) {
	f, err := scanFacility(tx.queryRow(ctx, `SELECT `+facilityColumns+` FROM facilities WHERE tenant_id = ? AND id = ?`, tx.tenant, id))
	if err != nil {
		return care.Facility{}, notFound(err, "facility")
	}
	return f, nil
}

// Facilities lists the tenant's facilities by name.
func (tx *Tx) Facilities(ctx context.Context) ([]care.Facility, error) {
	rows, err := tx.query(ctx, `SELECT `+facilityColumns+` FROM facilities WHERE tenant_id = ? ORDER BY name, id`, tx.tenant)
	if err != nil {
		return nil, wrap(err, "list facilities")
	}
	defer rows.Close()
	var out []care.Facility
	for rows.Next() {
		f, err := scanFacility(rows)
		if err != nil {
			return nil, wrap(err, "list facilities")
		}
		out = append(out, f)
	}
	return out, wrap(rows.Err(), "list facilities")
}
