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
	KeysRotate     Action = "keys.rotate"     // a tenant's data keys rotated
	KeysReencrypt  Action = "keys.reencrypt"  // a tenant's data re-sealed under its new key
	KeysRotateKEK  Action = "keys.rotate_kek" // the key-encryption key rotated, tenant keys re-wrapped
	KeysShred      Action = "keys.shred"      // a tenant's keys destroyed (crypto-shredding)

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

	// The audit log's own upkeep and the evidence drawn from it.
	AuditPurge    Action = "audit.purge"    // the retention job purged a checkpointed segment
	AuditSeal     Action = "audit.seal"     // entries from before the chain were chained
	AuditEvidence Action = "audit.evidence" // an evidence export with the chain proof
	AuditLogins   Action = "audit.logins"   // an admin viewed the users' last logins
	// Access controls: client certificates, allow-lists, break-glass.
	CertRevoke       Action = "cert.revoke"
	CertDeviceIssue  Action = "cert.device_issue"      // a member's device certificate
	AccessUpdate     Action = "access.update"          // allow-lists, device certificates, break-glass time
	BreakGlassSearch Action = "breakglass.search"      // a member searched the register to open one resident
	BreakGlassOpen   Action = "breakglass.open"        // a member opened a resident outside their teams
	BreakGlassView   Action = "breakglass.view"        // a use of a resident through a break-glass grant
	BreakGlassReview Action = "breakglass.review"      // an admin listed break-glass grants
	BreakGlassAck    Action = "breakglass.acknowledge" // an admin acknowledged one
	// Account security (issue 4).
	AccountLock          Action = "account.lock"           // failed logins locked a login ID
	AccountUnlock        Action = "account.unlock"         // an admin lifted a lock
	PasswordChange       Action = "password.change"        // a user changed their own password
	PasswordReissue      Action = "password.reissue"       // an admin issued a temporary password
	PasswordResetRequest Action = "password.reset_request" // someone asked for a reset mail
	PasswordReset        Action = "password.reset"         // a reset link set a new password
	// File sharing: uploads, downloads, views, restores and deletions
	// name the file, and the resident (ResidentID) or group (Detail).
	FileUpload   Action = "file.upload"
	FileDownload Action = "file.download"
	FileView     Action = "file.view" // a file's details or a space's listing
	FileUpdate   Action = "file.update"
	FileRestore  Action = "file.restore"
	FileDelete   Action = "file.delete"
	FilePurge    Action = "file.purge" // an admin emptied the trash
	FileAttach   Action = "file.attach"
	FolderCreate Action = "folder.create"
	FolderUpdate Action = "folder.update"
	FolderDelete Action = "folder.delete"
)

// All is the whole catalogue, in display order: the log viewer offers
// each as a filter, and a test keeps every one labelled in both catalogs.
var All = []Action{
	LoginSuccess, LoginFailure, LoginPassword, LoginFactorBad, Logout, FactorEnrol, FactorRemove, FactorRecovery,
	FactorReset, SessionRevoke, SessionsEnd, TenantCreate, FacilityCreate, FacilityUpdate, UserCreate, UserUpdate,
	UserDelete, OperatorInit, CertIssue, CLICommand, AuditExport, AuditView, SettingsUpdate, ResidentCreate,
	ResidentUpdate, ResidentView, ResidentEnd, ResidentRegister, ResidentPurge, ConsentCreate, ConsentRevoke,
	TeamInvite, TeamAccept, TeamDecline, TeamLeave, TeamRemove, PostCreate, PostUpdate, PostDelete, PostView,
	PostSearch, PostRead, CommentCreate, GroupCreate, GroupUpdate, GroupView, KeysRotate, KeysReencrypt, KeysRotateKEK,
	KeysShred, AuditPurge, AuditSeal, AuditEvidence, AuditLogins,
	CertRevoke, CertDeviceIssue, AccessUpdate, BreakGlassSearch, BreakGlassOpen, BreakGlassView, BreakGlassReview, BreakGlassAck,
	AccountLock, AccountUnlock, PasswordChange, PasswordReissue, PasswordResetRequest, PasswordReset,
	PostSearch, PostRead, CommentCreate, GroupCreate, GroupUpdate, GroupView,
	FileUpload, FileDownload, FileView, FileUpdate, FileRestore, FileDelete, FilePurge, FileAttach, FolderCreate,
	FolderUpdate, FolderDelete,
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
	// Seq is the entry's position in its tenant's chain, from 1 (0 for an
	// entry not yet written); MAC is its chain MAC, hex (see chain.go).
	Seq int64
	MAC string
}
