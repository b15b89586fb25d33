// Package audit holds the catalogue of audited events and the entry that
// records one. Entries are written by the app layer inside the transaction
// of the change or view they record, so an event is never lost and never
// recorded for a change that did not happen.
package audit

import "time"

// Action names one kind of audited event.
type Action string

// The catalogue of audited events. Names are stable: logs and exports
// outlive releases.
const (
	LoginSuccess   Action = "login.success"
	LoginFailure   Action = "login.failure"
	Logout         Action = "logout"
	TenantCreate   Action = "tenant.create"
	FacilityCreate Action = "facility.create"
	FacilityUpdate Action = "facility.update"
	UserCreate     Action = "user.create"
	UserUpdate     Action = "user.update"
	UserDelete     Action = "user.delete"
	OperatorInit   Action = "operator.init"
	CertIssue      Action = "cert.issue"
	CLICommand     Action = "cli.command"
	AuditExport    Action = "audit.export"
	AuditView      Action = "audit.view"
	SettingsUpdate Action = "settings.update" // a tenant admin changed the tenant's settings

	// Second factors and sessions (internal/app/factors.go, sessions.go).
	LoginPassword  Action = "login.password" // the password was right; the second factor is due
	LoginFactorBad Action = "login.factor_failure"
	FactorEnrol    Action = "factor.enrol"
	FactorRemove   Action = "factor.remove"
	FactorRecovery Action = "factor.recovery_codes" // new recovery codes issued
	FactorReset    Action = "factor.reset"          // an admin cleared a user's factors
	SessionRevoke  Action = "session.revoke"
	SessionsEnd    Action = "session.end_all" // an admin signed a user out everywhere

	// The contact book. Views are audited as well as changes (DESIGN §3.5).
	ResidentCreate   Action = "resident.create"
	ResidentUpdate   Action = "resident.update"
	ResidentView     Action = "resident.view"
	ResidentEnd      Action = "resident.end"
	ResidentRegister Action = "resident.register" // an admin listed the resident register
	ResidentPurge    Action = "resident.purge"
	ConsentCreate    Action = "consent.create"
	ConsentRevoke    Action = "consent.revoke"
	TeamInvite       Action = "team.invite"
	TeamAccept       Action = "team.accept"
	TeamDecline      Action = "team.decline"
	TeamLeave        Action = "team.leave"
	TeamRemove       Action = "team.remove"
	PostCreate       Action = "post.create"
	PostUpdate       Action = "post.update"
	PostDelete       Action = "post.delete"
	PostView         Action = "post.view"
	PostSearch       Action = "post.search"
	PostRead         Action = "post.read" // a first read receipt
	CommentCreate    Action = "comment.create"
	GroupCreate      Action = "group.create"
	GroupUpdate      Action = "group.update"
	GroupView        Action = "group.view"
)

// All is the whole catalogue, in display order: the log viewer offers
// each as a filter, and a test keeps every one labelled in both catalogs.
var All = []Action{
	LoginSuccess, LoginFailure, LoginPassword, LoginFactorBad, Logout, FactorEnrol, FactorRemove, FactorRecovery,
	FactorReset, SessionRevoke, SessionsEnd, TenantCreate, FacilityCreate, FacilityUpdate, UserCreate, UserUpdate,
	UserDelete, OperatorInit, CertIssue, CLICommand, AuditExport, AuditView, SettingsUpdate, ResidentCreate,
	ResidentUpdate, ResidentView, ResidentEnd, ResidentRegister, ResidentPurge, ConsentCreate, ConsentRevoke,
	TeamInvite, TeamAccept, TeamDecline, TeamLeave, TeamRemove, PostCreate, PostUpdate, PostDelete, PostView,
	PostSearch, PostRead, CommentCreate, GroupCreate, GroupUpdate, GroupView,
}

// Result says how an audited attempt ended.
type Result string

// The results.
const (
	OK     Result = "ok"
	Denied Result = "denied"
	Failed Result = "failed"
)

// Entry is one row of the audit log.
type Entry struct {
	ID         string
	At         time.Time
	ActorID    string
	ActorLogin string
	ActorRole  string
	Action     Action
	TargetType string
	TargetID   string
	ResidentID string
	IP         string
	UserAgent  string
	Result     Result
	Detail     string
}
