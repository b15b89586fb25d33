package store

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
)

// PutTeamMember writes a user's care-team row, replacing an earlier one (a
// re-invitation after leaving, say).
func (tx *Tx) PutTeamMember(ctx context.Context, m care.TeamMember) error {
	_, err := tx.exec(ctx, `INSERT INTO team_members (tenant_id, resident_id, user_id, status, invited_by, created_at, joined_at, ended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, resident_id, user_id) DO UPDATE SET status = excluded.status, invited_by = excluded.invited_by,
		created_at = excluded.created_at, joined_at = excluded.joined_at, ended_at = excluded.ended_at`,
		tx.tenant, m.ResidentID, m.UserID, m.Status, m.InvitedBy, m.CreatedAt.UTC(), nullTime(m.JoinedAt), nullTime(m.EndedAt))
	return wrap(err, "put team member")
}

// SetTeamStatus moves a user's team row from one status to another,
// recording when they joined (to active) or left (any other status). A
// row not in the from status is not found.
func (tx *Tx) SetTeamStatus(ctx context.Context, residentID, userID string, from, to care.TeamStatus) error {
	q := `UPDATE team_members SET status = ?, ended_at = ? WHERE tenant_id = ? AND resident_id = ? AND user_id = ? AND status = ?`
	args := []any{to, tx.now, tx.tenant, residentID, userID, from}
	if to == care.TeamActive {
		q = `UPDATE team_members SET status = ?, joined_at = ?, ended_at = NULL WHERE tenant_id = ? AND resident_id = ? AND user_id = ? AND status = ?`
	}
	res, err := tx.exec(ctx, q, args...)
	if err != nil {
		return wrap(err, "set team status")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.NotFound("team_member")
	}
	return nil
}

const memberColumns = `tm.resident_id, tm.user_id, tm.status, tm.invited_by, tm.created_at, tm.joined_at, tm.ended_at,
	u.name, u.kana, u.profession, u.active AND u.deleted_at IS NULL,
	EXISTS (SELECT 1 FROM user_facilities ow WHERE ow.tenant_id = tm.tenant_id AND ow.user_id = tm.user_id AND ow.facility_id = r.facility_id)`

const memberFrom = ` FROM team_members tm JOIN users u ON u.tenant_id = tm.tenant_id AND u.id = tm.user_id
	JOIN residents r ON r.tenant_id = tm.tenant_id AND r.id = tm.resident_id`

func scanMember(row interface{ Scan(...any) error }) (Member, error) {
	var m Member
	var joined, ended sql.NullTime
	err := row.Scan(&m.ResidentID, &m.UserID, &m.Status, &m.InvitedBy, &m.CreatedAt, &joined, &ended,
		&m.Name, &m.Kana, &m.Profession, &m.UserActive, &m.InFacility)
	m.CreatedAt = m.CreatedAt.UTC()
	m.JoinedAt, m.EndedAt = timePtr(joined), timePtr(ended)
	return m, err
}

// Team returns every team row of the resident (all statuses), with each
// user's name, profession, facilities and standing, by kana.
func (tx *Tx) Team(ctx context.Context, residentID string) ([]Member, error) {
	teams, err := tx.teams(ctx, `SELECT `+memberColumns+memberFrom+` WHERE tm.tenant_id = ? AND tm.resident_id = ?
		ORDER BY u.kana, u.name, u.id`, tx.tenant, residentID)
	return teams[residentID], err
}

// Teams returns the team rows of several residents, by resident ID.
func (tx *Tx) Teams(ctx context.Context, residentIDs []string) (map[string][]Member, error) {
	if len(residentIDs) == 0 {
		return map[string][]Member{}, nil
	}
	return tx.teams(ctx, `SELECT `+memberColumns+memberFrom+` WHERE tm.tenant_id = ? AND `+tx.dialect.inList("tm.resident_id")+`
		ORDER BY u.kana, u.name, u.id`, tx.tenant, jsonList(residentIDs))
}

func (tx *Tx) teams(ctx context.Context, q string, args ...any) (map[string][]Member, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list team")
	}
	defer rows.Close()
	out := map[string][]Member{}
	var users []string
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, wrap(err, "list team")
		}
		out[m.ResidentID] = append(out[m.ResidentID], m)
		users = append(users, m.UserID)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "list team")
	}
	facs, err := tx.facilitiesOf(ctx, users)
	if err != nil {
		return nil, err
	}
	for _, ms := range out {
		for i := range ms {
			ms[i].Facilities = facs[ms[i].UserID]
		}
	}
	return out, nil
}

// facilitiesOf returns the facilities of each of the users.
func (tx *Tx) facilitiesOf(ctx context.Context, userIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `SELECT user_id, facility_id FROM user_facilities WHERE tenant_id = ? AND `+
		tx.dialect.inList("user_id")+` ORDER BY facility_id`, tx.tenant, jsonList(userIDs))
	if err != nil {
		return nil, wrap(err, "user facilities")
	}
	defer rows.Close()
	for rows.Next() {
		var u, f string
		if err := rows.Scan(&u, &f); err != nil {
			return nil, wrap(err, "user facilities")
		}
		out[u] = append(out[u], f)
	}
	return out, wrap(rows.Err(), "user facilities")
}

// UserBrief is what lists show of a user next to a post or a group.
type UserBrief struct {
	ID         string
	Name       string
	Kana       string
	Profession care.Profession
	Active     bool
}

// UserBriefs returns the named users that exist, by ID.
func (tx *Tx) UserBriefs(ctx context.Context, ids []string) (map[string]UserBrief, error) {
	out := map[string]UserBrief{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `SELECT id, name, kana, profession, active FROM users WHERE tenant_id = ? AND deleted_at IS NULL AND `+
		tx.dialect.inList("id"), tx.tenant, jsonList(ids))
	if err != nil {
		return nil, wrap(err, "user briefs")
	}
	defer rows.Close()
	for rows.Next() {
		var b UserBrief
		if err := rows.Scan(&b.ID, &b.Name, &b.Kana, &b.Profession, &b.Active); err != nil {
			return nil, wrap(err, "user briefs")
		}
		out[b.ID] = b
	}
	return out, wrap(rows.Err(), "user briefs")
}

// jsonList encodes IDs as a JSON array for inList. IDs are opaque strings
// without quotes or backslashes; anything else is dropped rather than
// escaped, so the encoding stays trivial.
func jsonList(ids []string) string {
	var b strings.Builder
	b.WriteByte('[')
	n := 0
	seen := make(map[string]bool, len(ids))
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	for _, id := range sorted {
		if seen[id] || strings.ContainsAny(id, "\"\\") || strings.IndexFunc(id, func(r rune) bool { return r < 0x20 }) >= 0 {
			continue
		}
		seen[id] = true
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(id)
		b.WriteByte('"')
		n++
	}
	b.WriteByte(']')
	return b.String()
}

// inList is the condition "col is one of the IDs of a JSON array
// parameter" (jsonList): one statement text whatever the number of IDs,
// so the PostgreSQL rebind cache and prepared plans stay bounded.
func (d dialect) inList(col string) string {
	if d.name == "postgres" {
		return col + ` = ANY (ARRAY(SELECT jsonb_array_elements_text(CAST(? AS jsonb))))`
	}
	return col + ` IN (SELECT value FROM json_each(?))`
}
