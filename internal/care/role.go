package care

// Role is what a principal may do, from DESIGN §1.
type Role string

// The roles.
const (
	RoleOperator      Role = "operator"
	RoleTenantAdmin   Role = "tenant_admin"
	RoleFacilityAdmin Role = "facility_admin"
	RoleMember        Role = "member"
	RoleResponder     Role = "responder"
)

// TenantRoles are the roles a tenant's user may hold.
var TenantRoles = []Role{RoleTenantAdmin, RoleFacilityAdmin, RoleMember, RoleResponder}

// Valid reports whether r is a role a tenant user may hold.
func (r Role) Valid() bool {
	for _, t := range TenantRoles {
		if r == t {
			return true
		}
	}
	return false
}

// IsAdmin reports whether r administers something and so belongs on the
// admin listener, with a client certificate.
func (r Role) IsAdmin() bool {
	return r == RoleOperator || r == RoleTenantAdmin || r == RoleFacilityAdmin
}

// Listener names the door a request came through.
type Listener string

// The two listeners of DESIGN §8.
const (
	UserListener  Listener = "user"
	AdminListener Listener = "admin"
)

// Actor is the authenticated principal a use case runs for. The app layer
// takes the tenant only from here.
type Actor struct {
	TenantID   string // "" for an operator
	TenantSlug string
	UserID     string
	LoginID    string
	Name       string
	Role       Role
	Facilities []string // facility IDs the user belongs to
	SessionID  string
	Listener   Listener
	IP         string
	UserAgent  string
	// MustChangePassword: an admin reissued the password, and the actor
	// may do nothing but choose a new one (and log out).
	MustChangePassword bool
	// Stage is "" for a full session. Otherwise the password was right and
	// the second factor is still due ("factor") or must first be enrolled
	// ("enrol"): such an actor may do nothing but that step.
	Stage string
}

// IsOperator reports whether the actor is the service operator's staff.
func (a Actor) IsOperator() bool { return a.Role == RoleOperator }

// InFacility reports whether the actor belongs to facility id.
func (a Actor) InFacility(id string) bool {
	for _, f := range a.Facilities {
		if f == id {
			return true
		}
	}
	return false
}

// Origin is where a request came from, recorded in the audit log even when
// no one is authenticated yet (a failed login).
type Origin struct {
	IP        string
	UserAgent string
	Listener  Listener
}
