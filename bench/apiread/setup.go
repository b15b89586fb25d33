package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
)

// The query app.Facilities runs (store.Tx.Facilities), in each engine's
// placeholder syntax.
var rawQuery = map[string]string{
	"sqlite":   `SELECT id, tenant_id, kind, name, address, phone, area, created_at FROM facilities WHERE tenant_id = ? ORDER BY name, id`,
	"postgres": `SELECT id, tenant_id, kind, name, address, phone, area, created_at FROM facilities WHERE tenant_id = $1 ORDER BY name, id`,
}

// rawOp runs the facilities query and scans every row as the store does.
func rawOp(db *sql.DB, engine, tenantID string, want int) func(context.Context) error {
	q := rawQuery[engine]
	return func(ctx context.Context) error {
		rows, err := db.QueryContext(ctx, q, tenantID)
		if err != nil {
			return err
		}
		defer rows.Close()
		var out []care.Facility
		for rows.Next() {
			var f care.Facility
			if err := rows.Scan(&f.ID, &f.TenantID, &f.Kind, &f.Name, &f.Address, &f.Phone, &f.Area, &f.CreatedAt); err != nil {
				return err
			}
			f.CreatedAt = f.CreatedAt.UTC()
			out = append(out, f)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) != want {
			return fmt.Errorf("raw query: %d rows, want %d", len(out), want)
		}
		return nil
	}
}

// seeded is the data the measurements read.
type seeded struct {
	app        *app.App
	tenantID   string
	facilities int
	token      string // a member's session on the user listener
}

const benchPassword = "bench-Passw0rd-2026"

// seed migrates db and fills it through the app, as an operator and a
// tenant admin would (the app gets the keyring the store seals with, as
// renrakucho serve wires it): one tenant with n facilities (the tenant's
// office, which CreateTenant makes, and n-1 more), one member, logged in
// on the user listener.
func seed(ctx context.Context, db *store.DB, keys *seal.Keyring, n int, log *slog.Logger) (*seeded, error) {
	if err := db.CheckRole(ctx); err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	a := app.New(db, auth.NewHasher(auth.DefaultParams, 0), app.Options{Keys: keys, Log: log})
	cli := care.Origin{IP: "127.0.0.1", UserAgent: "bench/apiread", Listener: care.AdminListener}
	op, err := a.InitOperator(ctx, "operator", "運用 太郎", "", benchPassword, cli)
	if err != nil {
		return nil, fmt.Errorf("init operator: %w", err)
	}
	ct, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: "bench", Name: "ベンチ市", AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: benchPassword})
	if err != nil {
		return nil, fmt.Errorf("create tenant: %w", err)
	}
	admin, err := a.TenantAdminActor(ctx, "bench", "admin", cli)
	if err != nil {
		return nil, fmt.Errorf("tenant admin: %w", err)
	}
	kinds := care.FacilityKinds
	for i := 1; i < n; i++ {
		f := care.Facility{Kind: kinds[i%len(kinds)], Name: fmt.Sprintf("ベンチ事業所 %03d", i),
			Address: fmt.Sprintf("東京都千代田区千代田%d-%d", i%9+1, i), Phone: "03-1234-5678", Area: "中部"}
		if _, err := a.CreateFacility(ctx, admin, f); err != nil {
			return nil, fmt.Errorf("create facility: %w", err)
		}
	}
	if _, err := a.CreateUser(ctx, admin, care.UserInput{LoginID: "member", Name: "看護 次郎", Profession: "nurse",
		Role: care.RoleMember, Facilities: []string{ct.Facility.ID}, Password: benchPassword}); err != nil {
		return nil, fmt.Errorf("create member: %w", err)
	}
	token, _, err := a.Login(ctx, app.Credentials{Tenant: "bench", LoginID: "member", Password: benchPassword,
		Origin: care.Origin{IP: "127.0.0.1", UserAgent: "bench/apiread", Listener: care.UserListener}})
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return &seeded{app: a, tenantID: ct.Tenant.ID, facilities: n, token: token}, nil
}
