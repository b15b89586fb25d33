package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Passkeys are WebAuthn credentials used as the second factor after the
// password. The relying party ID is the host of the public URL
// (Options.RPID); a ceremony is bound to the origin it began at, which must
// be on that host (either listener's port), as WebAuthn itself allows.

// ceremony is what a WebAuthn ceremony keeps on the session between its
// two requests.
type ceremony struct {
	Kind   string               `json:"kind"` // "register" or "login"
	Origin string               `json:"origin"`
	Data   webauthn.SessionData `json:"data"`
}

// passkeyUser is an account as the WebAuthn library sees it.
type passkeyUser struct {
	act   care.Actor
	creds []webauthn.Credential
}

func (u passkeyUser) WebAuthnID() []byte {
	if u.act.IsOperator() {
		return []byte("op:" + u.act.UserID)
	}
	return []byte(u.act.UserID)
}
func (u passkeyUser) WebAuthnName() string                       { return accountName(u.act) }
func (u passkeyUser) WebAuthnDisplayName() string                { return u.act.Name }
func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func errPasskey(err error) error {
	return &care.Error{Code: care.EInvalid, Key: "error.passkey_failed", Err: err}
}

// relyingParty returns the WebAuthn relying party for a ceremony at origin.
func (a *App) relyingParty(origin string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && a.rpID == "localhost")) ||
		!strings.EqualFold(u.Hostname(), a.rpID) || u.Path != "" {
		return nil, errPasskey(errors.New("origin " + origin + " is not on the relying party's host " + a.rpID))
	}
	w, err := webauthn.New(&webauthn.Config{RPID: a.rpID, RPDisplayName: "renrakucho", RPOrigins: []string{origin}})
	if err != nil {
		return nil, care.Internal(err)
	}
	return w, nil
}

// passkeyUserOf loads the account's passkeys for the library.
func passkeyUserOf(ctx context.Context, t acct, act care.Actor) (passkeyUser, []store.Passkey, error) {
	ps, err := t.f.Passkeys(ctx, act.UserID)
	if err != nil {
		return passkeyUser{}, nil, err
	}
	u := passkeyUser{act: act}
	for _, p := range ps {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(p.Credential), &c); err != nil {
			return passkeyUser{}, nil, care.Internal(err)
		}
		u.creds = append(u.creds, c)
	}
	return u, ps, nil
}

func (t acct) ceremony(ctx context.Context, id string) (ceremony, error) {
	s, err := t.session(ctx, id)
	if err != nil {
		return ceremony{}, err
	}
	var c ceremony
	if s.Ceremony == "" || json.Unmarshal([]byte(s.Ceremony), &c) != nil {
		return ceremony{}, errPasskey(errors.New("no ceremony under way"))
	}
	return c, t.setCeremony(ctx, id, "") // a ceremony is good once
}

func (t acct) begin(ctx context.Context, id string, c ceremony) error {
	b, err := json.Marshal(c)
	if err != nil {
		return care.Internal(err)
	}
	return t.setCeremony(ctx, id, string(b))
}

// BeginPasskeyRegistration starts adding a passkey to the actor's account
// (signed in, or at a login's enrolment step) and returns the options for
// navigator.credentials.create, as JSON.
func (a *App) BeginPasskeyRegistration(ctx context.Context, act care.Actor, origin string) ([]byte, error) {
	if err := mayEnrol(act); err != nil {
		return nil, err
	}
	rp, err := a.relyingParty(origin)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = a.inAccount(ctx, act, func(t acct) error {
		u, _, err := passkeyUserOf(ctx, t, act)
		if err != nil {
			return err
		}
		var exclude []protocol.CredentialDescriptor
		for _, c := range u.creds {
			exclude = append(exclude, c.Descriptor())
		}
		creation, data, err := rp.BeginRegistration(u, webauthn.WithExclusions(exclude),
			webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
				ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationPreferred}))
		if err != nil {
			return care.Internal(err)
		}
		if out, err = json.Marshal(creation); err != nil {
			return care.Internal(err)
		}
		return t.begin(ctx, act.SessionID, ceremony{Kind: "register", Origin: origin, Data: *data})
	})
	return out, err
}

// FinishPasskeyRegistration checks the authenticator's answer, stores the
// passkey under the name given, and rotates the session (which becomes
// full if it was a login's enrolment step).
func (a *App) FinishPasskeyRegistration(ctx context.Context, act care.Actor, name string, response []byte) (Enrolled, error) {
	if err := mayEnrol(act); err != nil {
		return Enrolled{}, err
	}
	name = strings.TrimSpace(name)
	if len([]rune(name)) > 60 {
		return Enrolled{}, &care.Error{Code: care.EInvalid, Key: "error.passkey_name", Field: "name"}
	}
	parsed, perr := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(response))
	var out Enrolled
	err := a.inAccount(ctx, act, func(t acct) error {
		c, err := t.ceremony(ctx, act.SessionID)
		if err != nil {
			return err
		}
		if perr != nil || c.Kind != "register" {
			return errPasskey(perr)
		}
		rp, err := a.relyingParty(c.Origin)
		if err != nil {
			return err
		}
		u, _, err := passkeyUserOf(ctx, t, act)
		if err != nil {
			return err
		}
		cred, err := rp.CreateCredential(u, c.Data, parsed)
		if err != nil {
			return errPasskey(err)
		}
		rec, err := json.Marshal(cred)
		if err != nil {
			return care.Internal(err)
		}
		if name == "" {
			name = Device(act.UserAgent)
		}
		if err := t.f.AddPasskey(ctx, store.Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), UserID: act.UserID,
			Name: name, Credential: string(rec)}); err != nil {
			return err
		}
		e := entry(act, audit.FactorEnrol, "user", act.UserID)
		e.Detail = "passkey"
		if err := t.audit(ctx, e); err != nil {
			return err
		}
		out.Token, out.Actor, err = a.rotate(ctx, t, act)
		return err
	})
	if err != nil {
		// The failed transaction rolled back, so the ceremony is still
		// stored; clear it so a response cannot be replayed.
		a.inAccount(ctx, act, func(t acct) error { return t.setCeremony(ctx, act.SessionID, "") })
	}
	return out, err
}

// BeginPasskeyLogin starts the second factor of a pending login with a
// passkey and returns the options for navigator.credentials.get, as JSON.
func (a *App) BeginPasskeyLogin(ctx context.Context, act care.Actor, origin string) ([]byte, error) {
	if act.Stage != store.StageFactor {
		return nil, care.Unauthorized()
	}
	rp, err := a.relyingParty(origin)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = a.inAccount(ctx, act, func(t acct) error {
		u, _, err := passkeyUserOf(ctx, t, act)
		if err != nil {
			return err
		}
		if len(u.creds) == 0 {
			return errPasskey(errors.New("no passkey"))
		}
		assertion, data, err := rp.BeginLogin(u, webauthn.WithUserVerification(protocol.VerificationPreferred))
		if err != nil {
			return care.Internal(err)
		}
		if out, err = json.Marshal(assertion); err != nil {
			return care.Internal(err)
		}
		return t.begin(ctx, act.SessionID, ceremony{Kind: "login", Origin: origin, Data: *data})
	})
	return out, err
}

// FinishPasskeyLogin checks the authenticator's answer and completes the
// pending login with a full session under a new token. A failed check
// ends the pending login, as a wrong code does.
func (a *App) FinishPasskeyLogin(ctx context.Context, act care.Actor, response []byte) (string, care.Actor, error) {
	if act.Stage != store.StageFactor {
		return "", care.Actor{}, care.Unauthorized()
	}
	parsed, perr := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(response))
	var (
		token string
		out   care.Actor
		fail  error
	)
	err := a.inAccount(ctx, act, func(t acct) error {
		c, err := t.ceremony(ctx, act.SessionID)
		if err != nil {
			fail = err
			return nil
		}
		if perr != nil || c.Kind != "login" {
			fail = errPasskey(perr)
			return nil
		}
		rp, err := a.relyingParty(c.Origin)
		if err != nil {
			fail = err
			return nil
		}
		u, _, err := passkeyUserOf(ctx, t, act)
		if err != nil {
			return err
		}
		cred, err := rp.ValidateLogin(u, c.Data, parsed)
		if err != nil {
			fail = errPasskey(err)
			return nil
		}
		rec, err := json.Marshal(cred)
		if err != nil {
			return care.Internal(err)
		}
		if err := t.f.UsePasskey(ctx, act.UserID, base64.RawURLEncoding.EncodeToString(cred.ID), string(rec)); err != nil {
			return err
		}
		token, out, err = a.rotate(ctx, t, act)
		return err
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	if fail != nil {
		return "", care.Actor{}, a.failFactor(ctx, act, "passkey: "+fail.Error())
	}
	return token, out, nil
}
