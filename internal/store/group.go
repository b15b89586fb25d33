package store

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/care"
)

const groupColumns = `g.id, g.tenant_id, g.name, g.description, g.created_by, g.created_at`

func scanGroup(row interface{ Scan(...any) error }) (care.Group, error) {
	var g care.Group
	err := row.Scan(&g.ID, &g.TenantID, &g.Name, &g.Description, &g.CreatedBy, &g.CreatedAt)
	g.CreatedAt = g.CreatedAt.UTC()
	return g, err
}

// CreateGroup writes a group with its members; it sets the ID and time.
func (tx *Tx) CreateGroup(ctx context.Context, g *care.Group) error {
	g.ID = NewID()
	g.TenantID = tx.tenant
	g.CreatedAt = tx.now
	if _, err := tx.exec(ctx, `INSERT INTO groups (tenant_id, id, name, description, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tx.tenant, g.ID, g.Name, g.Description, g.CreatedBy, g.CreatedAt); err != nil {
		return wrap(err, "create group")
	}
	for _, u := range g.Members {
		if err := tx.AddGroupMember(ctx, g.ID, u); err != nil {
			return err
		}
	}
	return nil
}

// Group returns one group with its members' IDs.
func (tx *Tx) Group(ctx context.Context, id string) (care.Group, error) {
	g, err := scanGroup(tx.queryRow(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.tenant_id = ? AND g.id = ?`, tx.tenant, id))
	if err != nil {
		return care.Group{}, notFound(err, "group")
	}
	ms, err := tx.GroupMembers(ctx, id)
	for _, m := range ms {
		g.Members = append(g.Members, m.ID)
	}
	return g, err
}

// GroupFor says whether the group exists and whether the user is on it
// (member) as an active user, in one statement.
func (tx *Tx) GroupFor(ctx context.Context, id, userID string) (member, userActive bool, err error) {
	err = tx.queryRow(ctx, `SELECT gm.user_id IS NOT NULL, COALESCE(u.active, FALSE)
		FROM groups g LEFT JOIN group_members gm ON gm.tenant_id = g.tenant_id AND gm.group_id = g.id AND gm.user_id = ?
		LEFT JOIN users u ON u.tenant_id = gm.tenant_id AND u.id = gm.user_id AND u.deleted_at IS NULL
		WHERE g.tenant_id = ? AND g.id = ?`, userID, tx.tenant, id).Scan(&member, &userActive)
	if err != nil {
		return false, false, notFound(err, "group")
	}
	return member, userActive, nil
}

// UserGroups lists the groups the user is a member of, by name, with their
// members' IDs.
func (tx *Tx) UserGroups(ctx context.Context, userID string) ([]care.Group, error) {
	rows, err := tx.query(ctx, `SELECT `+groupColumns+` FROM groups g JOIN group_members gm
		ON gm.tenant_id = g.tenant_id AND gm.group_id = g.id AND gm.user_id = ?
		WHERE g.tenant_id = ? ORDER BY g.name, g.id`, userID, tx.tenant)
	if err != nil {
		return nil, wrap(err, "list groups")
	}
	defer rows.Close()
	var out []care.Group
	idx := map[string]int{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, wrap(err, "list groups")
		}
		idx[g.ID] = len(out)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "list groups")
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	for i, g := range out {
		ids[i] = g.ID
	}
	mrows, err := tx.query(ctx, `SELECT gm.group_id, gm.user_id FROM group_members gm JOIN users u
		ON u.tenant_id = gm.tenant_id AND u.id = gm.user_id
		WHERE gm.tenant_id = ? AND `+tx.dialect.inList("gm.group_id")+` ORDER BY u.kana, u.name, u.id`, tx.tenant, jsonList(ids))
	if err != nil {
		return nil, wrap(err, "list groups")
	}
	defer mrows.Close()
	for mrows.Next() {
		var g, u string
		if err := mrows.Scan(&g, &u); err != nil {
			return nil, wrap(err, "list groups")
		}
		out[idx[g]].Members = append(out[idx[g]].Members, u)
	}
	return out, wrap(mrows.Err(), "list groups")
}

// AddGroupMember puts a user on a group; a member already on it stays.
func (tx *Tx) AddGroupMember(ctx context.Context, groupID, userID string) error {
	_, err := tx.exec(ctx, `INSERT INTO group_members (tenant_id, group_id, user_id, joined_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, group_id, user_id) DO NOTHING`, tx.tenant, groupID, userID, tx.now)
	return wrap(err, "add group member")
}

// RemoveGroupMember takes a user off a group.
func (tx *Tx) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	_, err := tx.exec(ctx, `DELETE FROM group_members WHERE tenant_id = ? AND group_id = ? AND user_id = ?`, tx.tenant, groupID, userID)
	return wrap(err, "remove group member")
}

// GroupMembers lists a group's members by kana, with whether each is an
// active user.
func (tx *Tx) GroupMembers(ctx context.Context, groupID string) ([]UserBrief, error) {
	rows, err := tx.query(ctx, `SELECT u.id, u.name, u.kana, u.profession, u.active AND u.deleted_at IS NULL
		FROM group_members gm JOIN users u ON u.tenant_id = gm.tenant_id AND u.id = gm.user_id
		WHERE gm.tenant_id = ? AND gm.group_id = ? ORDER BY u.kana, u.name, u.id`, tx.tenant, groupID)
	if err != nil {
		return nil, wrap(err, "list group members")
	}
	defer rows.Close()
	var out []UserBrief
	for rows.Next() {
		var b UserBrief
		if err := rows.Scan(&b.ID, &b.Name, &b.Kana, &b.Profession, &b.Active); err != nil {
			return nil, wrap(err, "list group members")
		}
		out = append(out, b)
	}
	return out, wrap(rows.Err(), "list group members")
}
