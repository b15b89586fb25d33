package app

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// UserFilter narrows a user list.
type UserFilter = store.UserFilter

// Directory lists the active users of the actor's tenant that a member
// needs to build a care team: name, kana, profession and facilities.
func (a *App) Directory(ctx context.Context, act care.Actor, f UserFilter) ([]care.User, error) {
	if err := require(act, care.ActUserDirectory); err != nil {
		return nil, err
	}
	f.ActiveOnly = true
	var out []care.User
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		out, err = tx.Users(ctx, f)
		return err
	})
	for i := range out {
		out[i].Email, out[i].LastLoginAt = "", nil
	}
	return out, err
}

// Users lists the users an admin manages: the whole tenant for a tenant
// admin, the members of their own facilities for a facility admin.
func (a *App) Users(ctx context.Context, act care.Actor, f UserFilter) ([]care.User, error) {
	if err := require(act, care.ActUserList); err != nil {
		return nil, err
	}
	var out []care.User
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		all, err := tx.Users(ctx, f)
		for _, u := range all {
			if act.Role == care.RoleTenantAdmin || sharesFacility(act, u) {
				out = append(out, u)
			}
		}
		if err != nil {
			return err
		}
		return fillLocks(ctx, tx, out)
	})
	return out, err
}

// User returns one user the admin manages.
func (a *App) User(ctx context.Context, act care.Actor, id string) (care.User, error) {
	if err := require(act, care.ActUserList); err != nil {
		return care.User{}, err
	}
	var out care.User
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		out, err = tx.User(ctx, id)
		if err == nil && act.Role != care.RoleTenantAdmin && !sharesFacility(act, out) {
			return care.NotFound("user")
		}
		if err != nil {
			return err
		}
		one := []care.User{out}
		err = fillLocks(ctx, tx, one)
		out = one[0]
		return err
	})
	return out, err
}

// Me returns the actor's own account with the tenant and facilities.
func (a *App) Me(ctx context.Context, act care.Actor) (care.User, []care.Facility, error) {
	if err := require(act, care.ActProfileView); err != nil {
		return care.User{}, nil, err
	}
	if act.IsOperator() {
		return care.User{ID: act.UserID, LoginID: act.LoginID, Name: act.Name, Role: care.RoleOperator, Active: true}, nil, nil
	}
	var (
		u  care.User
		fs []care.Facility
	)
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(ctx, act.UserID); err != nil {
			return err
		}
		if u.FailedLoginsSince, err = failedSincePrevious(ctx, tx, u); err != nil {
			return err
		}
		for _, id := range u.Facilities {
			f, err := tx.Facility(ctx, id)
			if err != nil {
				return err
			}
			fs = append(fs, f)
		}
		return nil
	})
	return u, fs, err
}

func sharesFacility(act care.Actor, u care.User) bool {
	for _, f := range u.Facilities {
		if act.InFacility(f) {
			return true
		}
	}
	return false
}

// mayManage reports whether the admin may create or change a user with
// these facilities and role: a facility admin only inside their own
// facilities and never a tenant admin.
func mayManage(act care.Actor, role care.Role, facilities []string) bool {
	if act.Role == care.RoleTenantAdmin {
		return true
	}
	if role == care.RoleTenantAdmin {
		return false
	}
	for _, f := range facilities {
		if !act.InFacility(f) {
			return false
		}
	}
	return true
}

// CreateUser registers a user in the actor's tenant.
func (a *App) CreateUser(ctx context.Context, act care.Actor, in care.UserInput) (care.User, error) {
	if err := require(act, care.ActUserManage); err != nil {
		return care.User{}, err
	}
	if err := in.Validate(true); err != nil {
		return care.User{}, err
	}
	if !mayManage(act, in.Role, in.Facilities) {
		return care.User{}, care.Forbidden()
	}
	if err := a.checkPolicyInTenant(ctx, act.TenantID, in.Password,
		care.User{LoginID: in.LoginID, Name: in.Name, Kana: in.Kana, Email: in.Email}); err != nil {
		return care.User{}, err
	}
	hash, err := a.hasher.Hash(ctx, in.Password)
	if err != nil {
		return care.User{}, care.Internal(err)
	}
	u := care.User{LoginID: in.LoginID, Name: in.Name, Kana: in.Kana, Profession: in.Profession, Email: in.Email,
		Role: in.Role, Facilities: in.Facilities}
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, &u, hash); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.UserCreate, "user", u.ID))
	})
	if err != nil {
		return care.User{}, err
	}
	return u, nil
}

// UserUpdate is what an admin may change of a user.
type UserUpdate struct {
	care.UserInput
	Active bool
}

// UpdateUser changes a user's profile, role, facilities or active state.
// Deactivating ends the user's sessions.
func (a *App) UpdateUser(ctx context.Context, act care.Actor, id string, in UserUpdate) (care.User, error) {
	if err := require(act, care.ActUserManage); err != nil {
		return care.User{}, err
	}
	if err := in.Validate(false); err != nil {
		return care.User{}, err
	}
	var u care.User
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		old, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		if act.Role != care.RoleTenantAdmin && !sharesFacility(act, old) {
			return care.NotFound("user")
		}
		if !mayManage(act, old.Role, old.Facilities) || !mayManage(act, in.Role, in.Facilities) {
			return care.Forbidden()
		}
		if id == act.UserID && (!in.Active || in.Role != old.Role) {
			return &care.Error{Code: care.EConflict, Key: "error.self_change"}
		}
		u = old
		u.Name, u.Kana, u.Profession, u.Email, u.Role, u.Facilities, u.Active =
			in.Name, in.Kana, in.Profession, in.Email, in.Role, in.Facilities, in.Active
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if !u.Active || u.Role != old.Role {
			if err := tx.DeleteUserSessions(ctx, id); err != nil {
				return err
			}
		}
		e := entry(act, audit.UserUpdate, "user", id)
		if old.Active != u.Active || old.Role != u.Role {
			e.Detail = "active " + boolWord(old.Active) + "→" + boolWord(u.Active) + ", role " + string(old.Role) + "→" + string(u.Role)
		}
		return tx.AppendAudit(ctx, e)
	})
	return u, err
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// DeleteUser deactivates a user and anonymises the login; the audit trail
// keeps naming who did what.
func (a *App) DeleteUser(ctx context.Context, act care.Actor, id string) error {
	if err := require(act, care.ActUserManage); err != nil {
		return err
	}
	if id == act.UserID {
		return &care.Error{Code: care.EConflict, Key: "error.self_change"}
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		old, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		if act.Role != care.RoleTenantAdmin && !sharesFacility(act, old) {
			return care.NotFound("user")
		}
		if !mayManage(act, old.Role, old.Facilities) {
			return care.Forbidden()
		}
		if err := tx.DeleteUser(ctx, id); err != nil {
			return err
		}
		e := entry(act, audit.UserDelete, "user", id)
		e.Detail = "was " + old.LoginID
		return tx.AppendAudit(ctx, e)
	})
}
