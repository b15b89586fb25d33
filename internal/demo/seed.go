// Package demo seeds the demo tenants of `renrakucho demo`: two regions'
// care networks with realistic facilities and one account per kind of
// professional, all sharing one demo password, and months of contact-book
// history. Everything goes through the app layer as the demo operator, each
// tenant's admin and, for the contact books, the members themselves, so the
// seeding is permission-checked and audited like any other work.
package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
)

// OperatorActor returns the demo operator, creating it as the first
// operator when the deployment has none. A deployment initialised with
// another operator has no demo operator: that is an error.
func OperatorActor(ctx context.Context, a *app.App, password string, o care.Origin) (act care.Actor, created bool, err error) {
	ok, err := a.Initialised(ctx)
	if err != nil {
		return care.Actor{}, false, err
	}
	if !ok {
		act, err = a.InitOperator(ctx, Operator.Login, Operator.Name, Operator.Email, password, o)
		if err != nil {
			return care.Actor{}, false, fmt.Errorf("demo: create operator %q: %w", Operator.Login, err)
		}
		return act, true, nil
	}
	act, err = a.OperatorActor(ctx, Operator.Login, o)
	if err != nil {
		return care.Actor{}, false, fmt.Errorf("demo: operator %q (is this data directory initialised for another deployment?): %w", Operator.Login, err)
	}
	return act, false, nil
}

// Seed creates what is missing of the demo: the operator, both tenants,
// their facilities and users, all with password. It is idempotent: what
// exists (matched by slug, facility name and login) is left as it is, so a
// restart, or a run interrupted half way, just completes the data.
func Seed(ctx context.Context, a *app.App, password string, o care.Origin) error {
	op, _, err := OperatorActor(ctx, a, password, o)
	if err != nil {
		return err
	}
	tenants, err := a.Tenants(ctx, op)
	if err != nil {
		return fmt.Errorf("demo: list tenants: %w", err)
	}
	for _, t := range Tenants {
		exists := slices.ContainsFunc(tenants, func(x care.Tenant) bool { return x.Slug == t.Slug })
		if err := seedTenant(ctx, a, op, t, exists, password, o); err != nil {
			return fmt.Errorf("demo: tenant %s: %w", t.Slug, err)
		}
	}
	return nil
}

func seedTenant(ctx context.Context, a *app.App, op care.Actor, t Tenant, exists bool, password string, o care.Origin) error {
	admin := t.user(AdminLogin)
	if !exists {
		_, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: t.Slug, Name: t.Name, Options: t.Options,
			AdminLogin: admin.Login, AdminName: admin.Name, AdminEmail: admin.Email, AdminPassword: password})
		if err != nil {
			return fmt.Errorf("create: %w", err)
		}
	}
	ta, err := a.TenantAdminActor(ctx, t.Slug, AdminLogin, o)
	if err != nil {
		return err
	}

	facilities, err := a.Facilities(ctx, ta)
	if err != nil {
		return err
	}
	ids := map[string]string{} // facility key → ID
	for _, f := range t.Facilities {
		i := slices.IndexFunc(facilities, func(x care.Facility) bool { return x.Name == f.Name })
		if i >= 0 {
			ids[f.Key] = facilities[i].ID
			continue
		}
		created, err := a.CreateFacility(ctx, ta, care.Facility{Kind: f.Kind, Name: f.Name, Address: f.Address,
			Phone: f.Phone, Area: f.Area})
		if err != nil {
			return fmt.Errorf("facility %s: %w", f.Name, err)
		}
		ids[f.Key] = created.ID
	}

	users, err := a.Users(ctx, ta, app.UserFilter{})
	if err != nil {
		return err
	}
	for _, u := range t.Users {
		in := care.UserInput{LoginID: u.Login, Name: u.Name, Kana: u.Kana, Profession: u.Profession, Email: u.Email,
			Role: u.Role, Password: password}
		for _, k := range u.Facilities {
			id, ok := ids[k]
			if !ok {
				return fmt.Errorf("user %s: no facility %q in the demo data", u.Login, k)
			}
			in.Facilities = append(in.Facilities, id)
		}
		i := slices.IndexFunc(users, func(x care.User) bool { return x.LoginID == u.Login })
		switch {
		case i < 0:
			if _, err := a.CreateUser(ctx, ta, in); err != nil {
				return fmt.Errorf("user %s: %w", u.Login, err)
			}
		case u.Login == AdminLogin && users[i].Kana == "":
			// The first admin was created with the tenant, in the
			// tenant's own office; complete the profile and add the
			// admin to the city-hall section.
			in.Facilities = slices.Concat(users[i].Facilities, in.Facilities)
			if _, err := a.UpdateUser(ctx, ta, users[i].ID, app.UserUpdate{UserInput: in, Active: true}); err != nil {
				return fmt.Errorf("user %s: %w", u.Login, err)
			}
		}
	}
	return nil
}

// user returns the tenant's user with the login.
func (t Tenant) user(login string) User {
	for _, u := range t.Users {
		if u.Login == login {
			return u
		}
	}
	panic("demo: tenant " + t.Slug + " has no user " + login)
}

// Logins returns every demo login of every tenant and the operator's, the
// words a demo password must not contain (care.CheckPassword refuses a
// password that contains the account's own login or name).
func Logins() []string {
	words := []string{Operator.Login, Operator.Name}
	for _, t := range Tenants {
		for _, u := range t.Users {
			words = append(words, u.Login, u.Name)
		}
	}
	return words
}
