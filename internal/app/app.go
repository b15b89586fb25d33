// Package app holds renrakucho's use cases, one exported method per user
// action. It is the one place that checks permissions, opens the
// transaction and writes the audit entry in it. Resident data is sealed
// and opened by the store with the keys the app is given (internal/seal),
// so no use case can write a protected column in clear. The tenant of every transaction comes from the
// authenticated actor, never from the request.
package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/blob"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
)

// App is the application: the store and the side services it drives.
type App struct {
	db       *store.DB
	hasher   *auth.Hasher
	ca       *pki.CA
	hub      realtime.Hub
	keys     *seal.Keyring
	log      *slog.Logger
	idle     time.Duration
	absolute time.Duration
	// access holds the operator allow-list, the CRL file and the cache of
	// tenants' access policies (allowlist.go, certs.go).
	access   *accessState
	throttle *auth.Throttle
	// publicURL is the base of links mailed to users (password resets).
	publicURL string
	rpID      string
	blobs     blob.Store
	blobKeys  BlobKeys
	thumbs    chan struct{} // one thumbnail decode at a time
}

// Options configure New.
type Options struct {
	// IdleTimeout ends a session after this long without a request (15 min
	// by default; never off).
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after login (12 h by default).
	AbsoluteTimeout time.Duration
	// CA issues admin client certificates; nil disables issuing.
	CA *pki.CA
	// Hub receives live events after each committed change; nil drops them.
	Hub realtime.Hub
	// Keys is the keyring the store seals with, for key rotation.
	Keys *seal.Keyring
	Log  *slog.Logger
	// OperatorAllow is where the operator console may be used from
	// (--operator-allow); empty allows every address.
	OperatorAllow care.AllowList
	// CRLPath is the file the CRL is rewritten to after each revocation;
	// "" writes none.
	CRLPath string
	// LoginThrottle is how many failed logins one source address may make
	// in ThrottleWindow before further failures of accounts that already
	// failed answer 429 (50 by default; negative: never).
	LoginThrottle int
	// PublicURL is the user listener's base URL as users reach it, for
	// the links of password-reset mails.
	PublicURL string
	// RPID is the WebAuthn relying party ID: the host of the public URL
	// ("localhost" by default).
	RPID string
	// Blobs stores file contents, sealed; nil leaves file sharing unable
	// to store or read anything (an internal error).
	Blobs blob.Store
	// BlobKeys gives each tenant's streaming AEAD for its blobs.
	BlobKeys BlobKeys
}

// ThrottleWindow is the window of Options.LoginThrottle.
const ThrottleWindow = 10 * time.Minute

// New returns the application over db.
func New(db *store.DB, hasher *auth.Hasher, opt Options) *App {
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 15 * time.Minute
	}
	if opt.AbsoluteTimeout <= 0 {
		opt.AbsoluteTimeout = 12 * time.Hour
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Hub == nil {
		opt.Hub = realtime.Nop{}
	}
	if opt.RPID == "" {
		opt.RPID = "localhost"
	}
	if opt.LoginThrottle == 0 {
		opt.LoginThrottle = 50
	}
	return &App{db: db, hasher: hasher, ca: opt.CA, hub: opt.Hub, keys: opt.Keys, log: opt.Log, idle: opt.IdleTimeout,
		absolute: opt.AbsoluteTimeout, access: newAccessState(opt.OperatorAllow, opt.CRLPath),
		throttle: auth.NewThrottle(opt.LoginThrottle, ThrottleWindow), publicURL: strings.TrimRight(opt.PublicURL, "/"),
		rpID: opt.RPID, blobs: opt.Blobs, blobKeys: opt.BlobKeys, thumbs: make(chan struct{}, 1)}
}

// Hub returns the live-event hub, for the event stream endpoint.
func (a *App) Hub() realtime.Hub {
	return a.hub
}

// Ready reports whether the database answers.
func (a *App) Ready(ctx context.Context) error { return a.db.Ping(ctx) }

// entry returns an audit entry for an action taken by the actor.
func entry(act care.Actor, action audit.Action, targetType, targetID string) *audit.Entry {
	return &audit.Entry{
		ActorID: act.UserID, ActorLogin: act.LoginID, ActorRole: string(act.Role),
		Action: action, TargetType: targetType, TargetID: targetID,
		IP: act.IP, UserAgent: act.UserAgent, Result: audit.OK,
	}
}

// require returns Forbidden unless the actor may take the action.
func require(act care.Actor, action care.Action) error {
	if act.UserID == "" {
		return care.Unauthorized()
	}
	if !act.Can(action) {
		return care.Forbidden()
	}
	return nil
}

// inTenant runs fn in a transaction of the actor's own tenant.
func (a *App) inTenant(ctx context.Context, act care.Actor, fn func(*store.Tx) error) error {
	if act.TenantID == "" {
		return care.Forbidden()
	}
	return a.db.InTenant(ctx, act.TenantID, fn)
}

// readTenant runs fn in a read-only transaction of the actor's own tenant.
func (a *App) readTenant(ctx context.Context, act care.Actor, fn func(*store.Tx) error) error {
	if act.TenantID == "" {
		return care.Forbidden()
	}
	return a.db.ReadTenant(ctx, act.TenantID, fn)
}
