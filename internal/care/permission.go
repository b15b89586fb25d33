package care

// Action is one thing a principal can ask the app to do. Audit entries use
// the same names.
type Action string

// The actions. Audit-only events (login.*) are listed in package audit.
const (
	ActTenantList     Action = "tenant.list"
	ActTenantCreate   Action = "tenant.create"
	ActKeysManage     Action = "keys.manage"
	ActFacilityList   Action = "facility.list"
	ActFacilityManage Action = "facility.manage"
	ActUserDirectory  Action = "user.directory"
	ActUserList       Action = "user.list"
	ActUserManage     Action = "user.manage"
	ActProfileView    Action = "profile.view"
	ActAuditView      Action = "audit.view"
	ActHomeView       Action = "home.view"
	// ActSettingsManage reads and changes the tenant's settings (how long
	// ended residents are kept, …).
	ActSettingsManage Action = "settings.manage"
	// The contact book. Object-level rules (team membership, consent) are
	// the app layer's, on top of these.
	ActResidentCreate   Action = "resident.create"
	ActContactBook      Action = "contactbook.use"
	ActResidentRegister Action = "resident.register"
	ActGroupUse         Action = "group.use"
	// ActBreakGlass opens one resident outside one's teams in an emergency
	// (DESIGN §3.15); ActBreakGlassReview lists and acknowledges those
	// openings.
	ActBreakGlass       Action = "breakglass.open"
	ActBreakGlassReview Action = "breakglass.review"
	// File sharing. ActFileUse reads and writes the files of the spaces
	// the actor may use (a resident's team, a group) and reads the tenant
	// library; ActLibraryPublish writes the library; ActFileTrash lists
	// and empties the tenant's trash.
	ActFileUse        Action = "file.use"
	ActLibraryPublish Action = "library.publish"
	ActFileTrash      Action = "file.trash"
)

// rule says which roles may take an action and through which listener.
type rule struct {
	roles   []Role
	console bool // only through the admin listener
}

// permissions is the whole permission matrix of DESIGN §1, in one table.
// The user manual documents it; TestPermissionTableDocumented keeps the two
// in step.
var permissions = map[Action]rule{
	ActTenantList:     {roles: []Role{RoleOperator}, console: true},
	ActTenantCreate:   {roles: []Role{RoleOperator}, console: true},
	ActKeysManage:     {roles: []Role{RoleOperator}, console: true},
	ActFacilityList:   {roles: []Role{RoleTenantAdmin, RoleFacilityAdmin, RoleMember}},
	ActFacilityManage: {roles: []Role{RoleTenantAdmin}, console: true},
	ActUserDirectory:  {roles: []Role{RoleMember, RoleTenantAdmin, RoleFacilityAdmin}},
	ActUserList:       {roles: []Role{RoleTenantAdmin, RoleFacilityAdmin}, console: true},
	ActUserManage:     {roles: []Role{RoleTenantAdmin, RoleFacilityAdmin}, console: true},
	ActAuditView:      {roles: []Role{RoleTenantAdmin}, console: true},
	ActProfileView:    {roles: []Role{RoleOperator, RoleTenantAdmin, RoleFacilityAdmin, RoleMember, RoleResponder}},
	ActHomeView:       {roles: []Role{RoleTenantAdmin, RoleFacilityAdmin, RoleMember, RoleResponder}},
	ActSettingsManage: {roles: []Role{RoleTenantAdmin}, console: true},
	// Admins may also be care professionals on a team: on the user listener
	// they use the contact book like any member.
	ActResidentCreate:   {roles: []Role{RoleMember, RoleFacilityAdmin, RoleTenantAdmin}},
	ActContactBook:      {roles: []Role{RoleMember, RoleFacilityAdmin, RoleTenantAdmin}},
	ActGroupUse:         {roles: []Role{RoleMember, RoleFacilityAdmin, RoleTenantAdmin}},
	ActResidentRegister: {roles: []Role{RoleTenantAdmin, RoleFacilityAdmin}, console: true},
	ActBreakGlass:       {roles: []Role{RoleMember, RoleFacilityAdmin, RoleTenantAdmin}},
	ActBreakGlassReview: {roles: []Role{RoleTenantAdmin}, console: true},
	ActFileUse:          {roles: []Role{RoleMember, RoleFacilityAdmin, RoleTenantAdmin}},
	ActLibraryPublish:   {roles: []Role{RoleTenantAdmin}, console: true},
	ActFileTrash:        {roles: []Role{RoleTenantAdmin}, console: true},
}

// Can reports whether the actor's role may take the action through the
// listener the actor came in by. Object-level checks (own facility, team
// membership) are the app layer's, on top of this.
func (a Actor) Can(act Action) bool {
	r, ok := permissions[act]
	if !ok {
		return false
	}
	if r.console && a.Listener != AdminListener {
		return false
	}
	for _, role := range r.roles {
		if role == a.Role {
			return true
		}
	}
	return false
}

// PermissionRow is one row of the permission matrix, for documentation.
type PermissionRow struct {
	Action  Action
	Roles   []Role
	Console bool
}

// Permissions returns the matrix, for the manual and its test.
func Permissions() []PermissionRow {
	rows := make([]PermissionRow, 0, len(permissions))
	for act, r := range permissions {
		rows = append(rows, PermissionRow{Action: act, Roles: append([]Role(nil), r.roles...), Console: r.console})
	}
	return rows
}
