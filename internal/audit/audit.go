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
	LoginSuccess, LoginFailure, Logout, TenantCreate, FacilityCreate, FacilityUpdate, UserCreate, UserUpdate,
	UserDelete, OperatorInit, CertIssue, CLICommand, AuditExport, AuditView, SettingsUpdate, ResidentCreate,
	ResidentUpdate, ResidentView, ResidentEnd, ResidentRegister, ResidentPurge, ConsentCreate, ConsentRevoke,
	TeamInvite, TeamAccept, TeamDecline, TeamLeave, TeamRemove, PostCreate, PostUpdate, PostDelete, PostView,
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
}
