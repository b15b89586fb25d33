package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/renrakucho/renrakucho/internal/care"
)

// residentColumns reads a resident (alias r) with whether it has an active
// consent.
const residentColumns = `r.id, r.tenant_id, r.facility_id, r.name, r.kana, r.birth_date, r.sex, r.address, r.phone,
	r.care_level, r.child, r.disability, r.key_person, r.notes, r.created_by, r.created_at, r.updated_at, r.last_activity,
	r.ended_at, r.end_date, r.end_reason, r.end_note, r.version,
	EXISTS (SELECT 1 FROM consents c WHERE c.tenant_id = r.tenant_id AND c.resident_id = r.id AND c.revoked_at IS NULL)`

// scanResident reads residentColumns (and extra) and opens the sealed fields.
func (tx *Tx) scanResident(ctx context.Context, row interface{ Scan(...any) error }, extra ...any) (care.Resident, error) {
	var r care.Resident
	var ended sql.NullTime
	var name, kana, birth, sex, address, phone, level, keyPerson, notes, endDate, endReason, endNote []byte
	dest := append([]any{&r.ID, &r.TenantID, &r.FacilityID, &name, &kana, &birth, &sex, &address, &phone,
		&level, &r.Child, &r.Disability, &keyPerson, &notes, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &r.LastActivity,
		&ended, &endDate, &endReason, &endNote, &r.Version, &r.ConsentActive}, extra...)
	if err := row.Scan(dest...); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt, r.LastActivity = r.CreatedAt.UTC(), r.UpdatedAt.UTC(), r.LastActivity.UTC()
	r.EndedAt = timePtr(ended)
	o := tx.opener(ctx, "residents", r.ID)
	o.into("name", name, &r.Name)
	o.into("kana", kana, &r.Kana)
	o.into("birth_date", birth, &r.BirthDate)
	openInto(o, "sex", sex, &r.Sex)
	o.into("address", address, &r.Address)
	o.into("phone", phone, &r.Phone)
	openInto(o, "care_level", level, &r.CareLevel)
	o.into("key_person", keyPerson, &r.KeyPerson)
	o.into("notes", notes, &r.Notes)
	o.into("end_date", endDate, &r.EndDate)
	openInto(o, "end_reason", endReason, &r.EndReason)
	o.into("end_note", endNote, &r.EndNote)
	return r, o.err
}

// CreateResident registers a resident in the transaction's tenant; it sets
// the ID, times and first version.
func (tx *Tx) CreateResident(ctx context.Context, r *care.Resident) error {
	r.ID = NewID()
	r.TenantID = tx.tenant
	r.CreatedAt, r.UpdatedAt, r.LastActivity = tx.now, tx.now, tx.now
	r.Version = 1
	s := tx.sealer(ctx, "residents", r.ID)
	args := []any{tx.tenant, r.ID, r.FacilityID, s.v("name", r.Name), s.v("kana", r.Kana), s.v("birth_date", r.BirthDate),
		s.v("sex", string(r.Sex)), s.v("address", r.Address), s.v("phone", r.Phone), s.v("care_level", string(r.CareLevel)),
		r.Child, r.Disability, s.v("key_person", r.KeyPerson), s.v("notes", r.Notes), s.v("end_date", ""),
		s.v("end_reason", ""), s.v("end_note", ""), r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.LastActivity, r.Version}
	if s.err != nil {
		return s.err
	}
	_, err := tx.exec(ctx, `INSERT INTO residents (tenant_id, id, facility_id, name, kana, birth_date, sex, address, phone,
		care_level, child, disability, key_person, notes, end_date, end_reason, end_note, created_by, created_at, updated_at,
		last_activity, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return wrap(err, "create resident")
}

// Resident returns one resident of the tenant.
func (tx *Tx) Resident(ctx context.Context, id string) (care.Resident, error) {
	r, err := tx.scanResident(ctx, tx.queryRow(ctx, `SELECT `+residentColumns+` FROM residents r WHERE r.tenant_id = ? AND r.id = ?`,
		tx.tenant, id))
	if err != nil {
		return care.Resident{}, notFound(err, "resident")
	}
	return r, nil
}

// Member is one user's standing towards a resident: the care-team row (if
// any) and the facts the access rule needs. The store reports them; the
// app decides.
type Member struct {
	care.TeamMember
	// UserActive: the user exists, is not deleted and is active.
	UserActive bool
	// InFacility: the user belongs to the resident's owning facility.
	InFacility bool
	// BreakGlass: the user holds a break-glass grant on the resident that
	// is still running at the transaction's time (only ResidentFor sets it).
	BreakGlass bool
}

// ResidentFor returns a resident with the user's standing towards it, in
// one statement: it runs before every use of a contact book. Status is ""
// when the user was never on the team.
func (tx *Tx) ResidentFor(ctx context.Context, id, userID string) (care.Resident, Member, error) {
	var m Member
	r, err := tx.scanResident(ctx, tx.queryRow(ctx, `SELECT `+residentColumns+`, COALESCE(tm.status, ''), COALESCE(u.active, FALSE),
		EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.tenant_id = r.tenant_id AND uf.user_id = ? AND uf.facility_id = r.facility_id),
		EXISTS (SELECT 1 FROM break_glass bg WHERE bg.tenant_id = r.tenant_id AND bg.user_id = ? AND bg.resident_id = r.id AND bg.expires_at > ?)
		FROM residents r
		LEFT JOIN team_members tm ON tm.tenant_id = r.tenant_id AND tm.resident_id = r.id AND tm.user_id = ?
		LEFT JOIN users u ON u.tenant_id = r.tenant_id AND u.id = ? AND u.deleted_at IS NULL
		WHERE r.tenant_id = ? AND r.id = ?`, userID, userID, tx.now, userID, userID, tx.tenant, id),
		&m.Status, &m.UserActive, &m.InFacility, &m.BreakGlass)
	if err != nil {
		return care.Resident{}, Member{}, notFound(err, "resident")
	}
	m.ResidentID, m.UserID = id, userID
	return r, m, nil
}

// UpdateResident changes a resident's profile if r.Version is still the
// stored version, and advances it; otherwise it is a conflict (error.stale)
// and nothing changes.
func (tx *Tx) UpdateResident(ctx context.Context, r *care.Resident) error {
	s := tx.sealer(ctx, "residents", r.ID)
	args := []any{s.v("name", r.Name), s.v("kana", r.Kana), s.v("birth_date", r.BirthDate), s.v("sex", string(r.Sex)),
		s.v("address", r.Address), s.v("phone", r.Phone), s.v("care_level", string(r.CareLevel)), r.Child, r.Disability,
		s.v("key_person", r.KeyPerson), s.v("notes", r.Notes), tx.now, tx.tenant, r.ID, r.Version}
	if s.err != nil {
		return s.err
	}
	res, err := tx.exec(ctx, `UPDATE residents SET name = ?, kana = ?, birth_date = ?, sex = ?, address = ?, phone = ?,
		care_level = ?, child = ?, disability = ?, key_person = ?, notes = ?, updated_at = ?, version = version + 1
		WHERE tenant_id = ? AND id = ? AND version = ?`, args...)
	if err != nil {
		return wrap(err, "update resident")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &care.Error{Code: care.EConflict, Key: "error.stale", Field: "version"}
	}
	r.Version++
	r.UpdatedAt = tx.now
	return nil
}

// EndResident ends a resident's sharing; an already ended resident is a
// conflict (error.resident_ended).
func (tx *Tx) EndResident(ctx context.Context, id string, in care.EndInput) error {
	s := tx.sealer(ctx, "residents", id)
	args := []any{tx.now, s.v("end_date", in.Date), s.v("end_reason", string(in.Reason)), s.v("end_note", in.Note), tx.now, tx.tenant, id}
	if s.err != nil {
		return s.err
	}
	res, err := tx.exec(ctx, `UPDATE residents SET ended_at = ?, end_date = ?, end_reason = ?, end_note = ?, updated_at = ?,
		version = version + 1 WHERE tenant_id = ? AND id = ? AND ended_at IS NULL`, args...)
	if err != nil {
		return wrap(err, "end resident")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.Errorf(care.EConflict, "error.resident_ended")
	}
	return nil
}

// TouchResident records activity (a post, a comment) for sorting lists.
func (tx *Tx) TouchResident(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, `UPDATE residents SET last_activity = ? WHERE tenant_id = ? AND id = ?`, tx.now, tx.tenant, id)
	return wrap(err, "touch resident")
}

// ResidentFilter narrows resident lists. Zero fields match everything.
type ResidentFilter struct {
	Query      string // words, each in the name or the kana
	FacilityID string
	CareLevel  care.CareLevel
	Ended      bool // ended residents instead of current ones
	All        bool // current and ended residents alike (Ended is ignored)
	// Facilities, when not nil, keeps residents owned by one of them.
	Facilities []string
}

// ResidentRow is a resident in a list, with the listing user's standing
// and the size of the active team.
type ResidentRow struct {
	care.Resident
	Member   Member
	TeamSize int
}

// where appends the filter's conditions on residents r.
func (f ResidentFilter) where(d dialect, q string, args []any) (string, []any) {
	switch {
	case f.All:
	case f.Ended:
		q += ` AND r.ended_at IS NOT NULL`
	default:
		q += ` AND r.ended_at IS NULL`
	}
	if f.FacilityID != "" {
		q += ` AND r.facility_id = ?`
		args = append(args, f.FacilityID)
	}
	if f.Facilities != nil {
		q += ` AND ` + d.inList("r.facility_id")
		args = append(args, jsonList(f.Facilities))
	}
	return q, args
}

// match applies the filter's conditions on sealed fields, which the
// database cannot see: the care level, and each query word in the name
// or the kana (spaces ignored, hiragana and katakana alike).
func (f ResidentFilter) match(r care.Resident) bool {
	if f.CareLevel != "" && r.CareLevel != f.CareLevel {
		return false
	}
	if f.Query == "" {
		return true
	}
	kana := strings.NewReplacer(" ", "", "　", "").Replace(r.Kana)
	for _, w := range queryWords(f.Query, 5) {
		k := strings.NewReplacer(" ", "", "　", "").Replace(w)
		if !strings.Contains(r.Name, w) && !strings.Contains(kana, katakana(k)) && !strings.Contains(kana, hiragana(k)) {
			return false
		}
	}
	return true
}

// MemberResidents lists the residents on whose team the user has the
// status, newest activity first, with the user's standing and the team size.
func (tx *Tx) MemberResidents(ctx context.Context, userID string, status care.TeamStatus, f ResidentFilter) ([]ResidentRow, error) {
	q := `SELECT ` + residentColumns + `, tm.status, tm.invited_by, tm.created_at, tm.joined_at, tm.ended_at,
		COALESCE(u.active, FALSE),
		EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.tenant_id = r.tenant_id AND uf.user_id = tm.user_id AND uf.facility_id = r.facility_id),
		(SELECT COUNT(*) FROM team_members t2 WHERE t2.tenant_id = r.tenant_id AND t2.resident_id = r.id AND t2.status = 'active')
		FROM team_members tm JOIN residents r ON r.tenant_id = tm.tenant_id AND r.id = tm.resident_id
		LEFT JOIN users u ON u.tenant_id = tm.tenant_id AND u.id = tm.user_id AND u.deleted_at IS NULL
		WHERE tm.tenant_id = ? AND tm.user_id = ? AND tm.status = ?`
	args := []any{tx.tenant, userID, status}
	q, args = f.where(tx.dialect, q, args)
	q += ` ORDER BY r.last_activity DESC, r.id DESC`
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list member residents")
	}
	defer rows.Close()
	var out []ResidentRow
	for rows.Next() {
		var row ResidentRow
		var joined, ended sql.NullTime
		m := &row.Member
		row.Resident, err = tx.scanResident(ctx, rows, &m.Status, &m.InvitedBy, &m.CreatedAt, &joined, &ended,
			&m.UserActive, &m.InFacility, &row.TeamSize)
		if err != nil {
			return nil, wrap(err, "list member residents")
		}
		m.ResidentID, m.UserID = row.ID, userID
		m.CreatedAt = m.CreatedAt.UTC()
		m.JoinedAt, m.EndedAt = timePtr(joined), timePtr(ended)
		if f.match(row.Resident) {
			out = append(out, row)
		}
	}
	return out, wrap(rows.Err(), "list member residents")
}

// Residents lists the tenant's residents by kana, for the register.
func (tx *Tx) Residents(ctx context.Context, f ResidentFilter) ([]care.Resident, error) {
	q := `SELECT ` + residentColumns + ` FROM residents r WHERE r.tenant_id = ?`
	args := []any{tx.tenant}
	q, args = f.where(tx.dialect, q, args)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list residents")
	}
	defer rows.Close()
	var out []care.Resident
	for rows.Next() {
		r, err := tx.scanResident(ctx, rows)
		if err != nil {
			return nil, wrap(err, "list residents")
		}
		if f.match(r) {
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "list residents")
	}
	// By kana, as the register is read; sealed, so sorted here.
	slices.SortFunc(out, func(a, b care.Resident) int {
		return cmp.Or(strings.Compare(a.Kana, b.Kana), strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// queryWords splits a search query into at most max distinct words.
func queryWords(q string, max int) []string {
	var out []string
	for _, w := range strings.FieldsFunc(q, unicode.IsSpace) {
		if len(out) == max {
			break
		}
		dup := false
		for _, o := range out {
			dup = dup || o == w
		}
		if !dup {
			out = append(out, w)
		}
	}
	return out
}

// katakana turns hiragana into katakana, so ひらがな finds カタカナ kana.
func katakana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ぁ' && r <= 'ゖ' {
			return r + ('ァ' - 'ぁ')
		}
		return r
	}, s)
}

// hiragana turns katakana into hiragana.
func hiragana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ァ' && r <= 'ヶ' {
			return r - ('ァ' - 'ぁ')
		}
		return r
	}, s)
}

// EndedRetentionYears returns how long the tenant keeps ended residents.
func (tx *Tx) EndedRetentionYears(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT ended_retention_years FROM tenants WHERE id = ?`, tx.tenant).Scan(&n)
	if err != nil {
		return 0, notFound(err, "tenant")
	}
	return n, nil
}

// EndedResident is a resident whose sharing ended, for the retention job.
type EndedResident struct {
	ID      string
	EndedAt time.Time
}

// ResidentsEndedBefore lists residents whose sharing ended before cutoff.
func (tx *Tx) ResidentsEndedBefore(ctx context.Context, cutoff time.Time) ([]EndedResident, error) {
	rows, err := tx.query(ctx, `SELECT id, ended_at FROM residents WHERE tenant_id = ? AND ended_at IS NOT NULL AND ended_at < ?
		ORDER BY ended_at, id`, tx.tenant, cutoff.UTC())
	if err != nil {
		return nil, wrap(err, "list ended residents")
	}
	defer rows.Close()
	var out []EndedResident
	for rows.Next() {
		var e EndedResident
		if err := rows.Scan(&e.ID, &e.EndedAt); err != nil {
			return nil, wrap(err, "list ended residents")
		}
		e.EndedAt = e.EndedAt.UTC()
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "list ended residents")
}

// PurgeCounts says how many rows a purge deleted.
type PurgeCounts struct {
	Posts, Versions, Addressees, Comments, Receipts, Consents, Team int
}

// PurgeResident deletes a resident with everything of its contact book:
// posts with their versions, addressees, comments and read receipts,
// consents and the team. The audit log keeps naming the resident's ID.
func (tx *Tx) PurgeResident(ctx context.Context, id string) (PurgeCounts, error) {
	var c PurgeCounts
	steps := []struct {
		q string
		n *int
	}{
		{`DELETE FROM read_receipts WHERE tenant_id = ? AND post_id IN
			(SELECT p.id FROM posts p WHERE p.tenant_id = ? AND p.resident_id = ?)`, &c.Receipts},
		{`DELETE FROM comments WHERE tenant_id = ? AND post_id IN
			(SELECT p.id FROM posts p WHERE p.tenant_id = ? AND p.resident_id = ?)`, &c.Comments},
		{`DELETE FROM post_versions WHERE tenant_id = ? AND post_id IN
			(SELECT p.id FROM posts p WHERE p.tenant_id = ? AND p.resident_id = ?)`, &c.Versions},
		{`DELETE FROM post_addressees WHERE tenant_id = ? AND post_id IN
			(SELECT p.id FROM posts p WHERE p.tenant_id = ? AND p.resident_id = ?)`, &c.Addressees},
	}
	for _, s := range steps {
		res, err := tx.exec(ctx, s.q, tx.tenant, tx.tenant, id)
		if err != nil {
			return c, wrap(err, "purge resident")
		}
		n, _ := res.RowsAffected()
		*s.n = int(n)
	}
	direct := []struct {
		q string
		n *int
	}{
		{`DELETE FROM posts WHERE tenant_id = ? AND resident_id = ?`, &c.Posts},
		{`DELETE FROM consents WHERE tenant_id = ? AND resident_id = ?`, &c.Consents},
		{`DELETE FROM team_members WHERE tenant_id = ? AND resident_id = ?`, &c.Team},
		{`DELETE FROM break_glass WHERE tenant_id = ? AND resident_id = ?`, new(int)},
	}
	for _, s := range direct {
		res, err := tx.exec(ctx, s.q, tx.tenant, id)
		if err != nil {
			return c, wrap(err, "purge resident")
		}
		n, _ := res.RowsAffected()
		*s.n = int(n)
	}
	res, err := tx.exec(ctx, `DELETE FROM residents WHERE tenant_id = ? AND id = ?`, tx.tenant, id)
	if err != nil {
		return c, wrap(err, "purge resident")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, care.NotFound("resident")
	}
	return c, nil
}
