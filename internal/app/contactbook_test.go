package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// The contact book's cast, all members of tenant alpha unless said.
const (
	owner     = "owner"     // nurse of the clinic: registers the residents
	colleague = "colleague" // doctor of the clinic
	outsider  = "outsider"  // pharmacist of the pharmacy (another facility)
	stranger  = "stranger"  // care manager of the clinic, never invited
	retiree   = "retiree"   // home helper of the clinic, deactivated in one test
	foreign   = "foreign"   // nurse of tenant beta
)

var cast = []string{owner, colleague, outsider, stranger, retiree, foreign}

// cbFixture is the fixture of the contact-book tests: the base fixture
// with more members, logged in, and an app with an in-process hub.
type cbFixture struct {
	*fixture
	cb   *app.App
	hub  *realtime.Local
	act  map[string]care.Actor
	user map[string]care.User
}

func cbSetup(t *testing.T, engine string) *cbFixture {
	t.Helper()
	ctx := context.Background()
	f := setup(t, engine)
	hub := realtime.NewLocal()
	c := &cbFixture{fixture: f, hub: hub, act: map[string]care.Actor{}, user: map[string]care.User{},
		cb: app.New(f.db, auth.NewHasher(cheap, 0), app.Options{Hub: hub})}
	mk := func(who, slug, loginID, name, kana string, prof care.Profession, facility string) {
		t.Helper()
		if loginID != "nurse" {
			if _, err := c.cb.CreateUser(ctx, f.admin[slug], care.UserInput{LoginID: loginID, Name: name, Kana: kana,
				Profession: prof, Role: care.RoleMember, Facilities: []string{facility}, Password: pw}); err != nil {
				t.Fatal(err)
			}
		}
		_, act, err := c.cb.Login(ctx, app.Credentials{Tenant: slug, LoginID: loginID, Password: pw, Origin: userO})
		if err != nil {
			t.Fatalf("login %s: %v", who, err)
		}
		c.act[who] = act
		if c.user[who], err = c.cb.User(ctx, f.admin[slug], act.UserID); err != nil {
			t.Fatal(err)
		}
	}
	mk(owner, "alpha", "nurse", "", "", "", "")
	mk(colleague, "alpha", "doctor", "医師 一郎", "イシ イチロウ", "doctor", f.clinic["alpha"].ID)
	mk(outsider, "alpha", "pharmacist", "薬剤 三郎", "ヤクザイ サブロウ", "pharmacist", f.other["alpha"].ID)
	mk(stranger, "alpha", "caremgr", "介護 四郎", "カイゴ シロウ", "care_manager", f.clinic["alpha"].ID)
	mk(retiree, "alpha", "helper", "訪問 五郎", "ホウモン ゴロウ", "home_helper", f.clinic["alpha"].ID)
	mk(foreign, "beta", "nurse", "", "", "", "")
	return c
}

func eachCB(t *testing.T, fn func(t *testing.T, c *cbFixture)) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { fn(t, cbSetup(t, engine)) })
	}
}

var bg = context.Background()

func residentInput(name, kana string) care.ResidentInput {
	return care.ResidentInput{Name: name, Kana: kana, BirthDate: "1938-04-01", Sex: "female", CareLevel: "care2",
		Address: "横浜市港北区1-2-3", KeyPerson: "長女"}
}

// newResident registers a resident as who (the owner by default).
func (c *cbFixture) newResident(t *testing.T, who ...string) care.Resident {
	t.Helper()
	by := owner
	if len(who) > 0 {
		by = who[0]
	}
	r, err := c.cb.CreateResident(bg, c.act[by], residentInput("佐藤 ハナ", "サトウ ハナ"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (c *cbFixture) consent(t *testing.T, rid string) care.Consent {
	t.Helper()
	cons, err := c.cb.AddConsent(bg, c.act[owner], rid, care.ConsentInput{Method: "written", ObtainedAt: "2026-11-20",
		ObtainedBy: "看護 花子", Scope: "連携チーム内での情報共有"})
	if err != nil {
		t.Fatal(err)
	}
	return cons
}

func (c *cbFixture) invite(t *testing.T, rid, who string) {
	t.Helper()
	if _, err := c.cb.Invite(bg, c.act[owner], rid, c.act[who].UserID); err != nil {
		t.Fatalf("invite %s: %v", who, err)
	}
}

// join invites who as the owner and accepts as who.
func (c *cbFixture) join(t *testing.T, rid, who string) {
	t.Helper()
	c.invite(t, rid, who)
	if err := c.cb.AcceptInvitation(bg, c.act[who], rid); err != nil {
		t.Fatalf("accept %s: %v", who, err)
	}
}

func (c *cbFixture) post(t *testing.T, who, rid, body string) care.Post {
	t.Helper()
	p, err := c.cb.CreatePost(bg, c.act[who], rid, care.PostInput{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr fails unless err has the code and, when given, the key.
func wantErr(t *testing.T, err error, code care.Code, key string) {
	t.Helper()
	e := care.AsError(err)
	if err == nil || e.Code != code || key != "" && e.Key != key {
		t.Fatalf("got %v, want %s %s", err, code, key)
	}
}

// wantNotFound fails unless err is exactly what a nonexistent object of
// the kind gives: the same code, key and field, so nothing tells them apart.
func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	e := care.AsError(err)
	if err == nil || e.Code != care.ENotFound || e.Key != "error.not_found" || e.Field != what {
		t.Fatalf("got %v, want not found %s", err, what)
	}
}

func fieldsOf(err error) []string {
	var out []string
	for _, f := range care.AsError(err).Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestContactBookAccess is the access rule as a table: after each
// scenario's steps on a fresh resident, exactly the listed cast may use the
// contact book; everyone else gets what a nonexistent resident gives.
func TestContactBookAccess(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		noID := "01900000-0000-7000-8000-000000000000"
		_, err := c.cb.Posts(bg, c.act[owner], noID, "", 0)
		wantNotFound(t, err, "resident")
		tests := []struct {
			name   string
			steps  func(t *testing.T, rid string)
			access []string
		}{
			{"OKOwner", func(t *testing.T, rid string) {}, []string{owner}},
			{"OKOwnFacilityWithoutConsent", func(t *testing.T, rid string) { c.join(t, rid, colleague) }, []string{owner, colleague}},
			{"ErrInvitedNotAccepted", func(t *testing.T, rid string) { c.invite(t, rid, colleague) }, []string{owner}},
			{"ErrDeclined", func(t *testing.T, rid string) {
				c.invite(t, rid, colleague)
				if err := c.cb.DeclineInvitation(bg, c.act[colleague], rid); err != nil {
					t.Fatal(err)
				}
				wantNotFound(t, c.cb.AcceptInvitation(bg, c.act[colleague], rid), "resident")
			}, []string{owner}},
			{"ErrOutsiderWithoutConsentCannotBeInvited", func(t *testing.T, rid string) {
				_, err := c.cb.Invite(bg, c.act[owner], rid, c.act[outsider].UserID)
				wantErr(t, err, care.EConflict, "error.no_consent")
			}, []string{owner}},
			{"OKOutsiderWithConsent", func(t *testing.T, rid string) {
				c.consent(t, rid)
				c.join(t, rid, outsider)
			}, []string{owner, outsider}},
			{"ErrConsentRevokedOutsiderLosesAccess", func(t *testing.T, rid string) {
				cons := c.consent(t, rid)
				c.join(t, rid, outsider)
				c.join(t, rid, colleague)
				if err := c.cb.RevokeConsent(bg, c.act[owner], rid, cons.ID); err != nil {
					t.Fatal(err)
				}
			}, []string{owner, colleague}},
			{"OKConsentGivenAgain", func(t *testing.T, rid string) {
				cons := c.consent(t, rid)
				c.join(t, rid, outsider)
				if err := c.cb.RevokeConsent(bg, c.act[owner], rid, cons.ID); err != nil {
					t.Fatal(err)
				}
				c.consent(t, rid)
			}, []string{owner, outsider}},
			{"ErrInviteAcceptedAfterRevocation", func(t *testing.T, rid string) {
				cons := c.consent(t, rid)
				c.invite(t, rid, outsider)
				if err := c.cb.RevokeConsent(bg, c.act[owner], rid, cons.ID); err != nil {
					t.Fatal(err)
				}
				wantErr(t, c.cb.AcceptInvitation(bg, c.act[outsider], rid), care.EConflict, "error.no_consent")
			}, []string{owner}},
			{"ErrRemoved", func(t *testing.T, rid string) {
				c.join(t, rid, colleague)
				if err := c.cb.RemoveFromTeam(bg, c.act[owner], rid, c.act[colleague].UserID); err != nil {
					t.Fatal(err)
				}
			}, []string{owner}},
			{"ErrLeft", func(t *testing.T, rid string) {
				c.join(t, rid, colleague)
				if err := c.cb.LeaveTeam(bg, c.act[colleague], rid); err != nil {
					t.Fatal(err)
				}
			}, []string{owner}},
			{"OKRejoinAfterLeaving", func(t *testing.T, rid string) {
				c.join(t, rid, colleague)
				if err := c.cb.LeaveTeam(bg, c.act[colleague], rid); err != nil {
					t.Fatal(err)
				}
				c.join(t, rid, colleague)
			}, []string{owner, colleague}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := c.newResident(t)
				tt.steps(t, r.ID)
				for _, who := range cast {
					checkAccess(t, c, who, r.ID, slices.Contains(tt.access, who))
				}
			})
		}
		// Run last: it deactivates the retiree for good.
		t.Run("ErrDeactivatedUser", func(t *testing.T) {
			r := c.newResident(t)
			c.join(t, r.ID, retiree)
			checkAccess(t, c, retiree, r.ID, true)
			u := c.user[retiree]
			if _, err := c.cb.UpdateUser(bg, c.admin["alpha"], u.ID, app.UserUpdate{UserInput: care.UserInput{Name: u.Name,
				Kana: u.Kana, Profession: u.Profession, Role: u.Role, Facilities: u.Facilities}, Active: false}); err != nil {
				t.Fatal(err)
			}
			// The actor was authenticated before the deactivation: the app
			// itself must refuse it.
			checkAccess(t, c, retiree, r.ID, false)
			if _, err := c.cb.Invite(bg, c.act[owner], r.ID, u.ID); care.ErrorCode(err) != care.ENotFound {
				t.Errorf("inviting a deactivated user: %v", err)
			}
		})
		t.Run("ErrOtherTenantResident", func(t *testing.T) {
			theirs := c.newResident(t, foreign)
			checkAccess(t, c, foreign, theirs.ID, true)
			for _, who := range []string{owner, colleague, outsider} {
				checkAccess(t, c, who, theirs.ID, false)
			}
			_, err := c.cb.Invite(bg, c.act[owner], c.newResident(t).ID, c.act[foreign].UserID)
			wantNotFound(t, err, "user")
		})
	})
}

// checkAccess checks who may (or may not) use the resident's contact book
// through every door: the page, the timeline, the team, posting, the list.
func checkAccess(t *testing.T, c *cbFixture, who, rid string, want bool) {
	t.Helper()
	act := c.act[who]
	_, errPage := c.cb.Resident(bg, act, rid)
	_, errPosts := c.cb.Posts(bg, act, rid, "", 0)
	_, errTeam := c.cb.Team(bg, act, rid)
	_, errSearch := c.cb.Search(bg, act, app.SearchQuery{ResidentID: rid})
	list, errList := c.cb.Residents(bg, act, app.ResidentFilter{})
	if errList != nil {
		t.Fatalf("%s: residents: %v", who, errList)
	}
	listed := slices.ContainsFunc(list, func(s app.ResidentSummary) bool { return s.ID == rid })
	if want {
		for _, err := range []error{errPage, errPosts, errTeam, errSearch} {
			if err != nil {
				t.Fatalf("%s has no access: %v", who, err)
			}
		}
		if !listed {
			t.Fatalf("%s does not see the resident in the list", who)
		}
		return
	}
	for _, err := range []error{errPage, errPosts, errTeam, errSearch} {
		wantNotFound(t, err, "resident")
	}
	_, err := c.cb.CreatePost(bg, act, rid, care.PostInput{Body: "見えないはず"})
	wantNotFound(t, err, "resident")
	if listed {
		t.Fatalf("%s sees the resident in the list", who)
	}
}

func TestInvite(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		c.join(t, r.ID, colleague)
		c.invite(t, r.ID, stranger)
		ended := c.newResident(t)
		if err := c.cb.EndResident(bg, c.act[owner], ended.ID, care.EndInput{Date: "2026-11-25", Reason: "moved"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name     string
			by, rid  string
			userID   string
			code     care.Code
			key, fld string
		}{
			{"ErrAlreadyMember", owner, r.ID, c.act[colleague].UserID, care.EConflict, "error.already_member", ""},
			{"ErrAlreadyInvited", colleague, r.ID, c.act[stranger].UserID, care.EConflict, "error.already_member", ""},
			{"ErrNoConsent", colleague, r.ID, c.act[outsider].UserID, care.EConflict, "error.no_consent", ""},
			{"ErrOtherTenantUser", owner, r.ID, c.act[foreign].UserID, care.ENotFound, "error.not_found", "user"},
			{"ErrNoSuchUser", owner, r.ID, "nobody", care.ENotFound, "error.not_found", "user"},
			{"OKFacilityAdmin", owner, r.ID, c.fadmin["alpha"].UserID, "", "", ""}, // an admin may be a professional on a team too
			{"ErrInviterNotOnTeam", outsider, r.ID, c.act[outsider].UserID, care.ENotFound, "error.not_found", "resident"},
			{"ErrInviterInvitedOnly", stranger, r.ID, c.act[retiree].UserID, care.ENotFound, "error.not_found", "resident"},
			{"ErrEnded", owner, ended.ID, c.act[colleague].UserID, care.EConflict, "error.resident_ended", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m, err := c.cb.Invite(bg, c.act[tt.by], tt.rid, tt.userID)
				if tt.code == "" {
					if err != nil || m.Status != care.TeamInvited {
						t.Fatalf("got %+v %v", m, err)
					}
					return
				}
				e := care.AsError(err)
				if err == nil || e.Code != tt.code || e.Key != tt.key || tt.fld != "" && e.Field != tt.fld {
					t.Fatalf("got %v, want %s %s %s", err, tt.code, tt.key, tt.fld)
				}
			})
		}
		t.Run("Invitations", func(t *testing.T) {
			inv, err := c.cb.Invitations(bg, c.act[stranger])
			if err != nil || len(inv) != 1 || inv[0].ID != r.ID || inv[0].Name != "佐藤 ハナ" || inv[0].BirthDate != "" || inv[0].Address != "" {
				t.Fatalf("invitations show %+v %v: want the name only", inv, err)
			}
			if err := c.cb.AcceptInvitation(bg, c.act[stranger], r.ID); err != nil {
				t.Fatal(err)
			}
			if inv, _ := c.cb.Invitations(bg, c.act[stranger]); len(inv) != 0 {
				t.Fatalf("accepted invitation still listed: %+v", inv)
			}
		})
		t.Run("Roster", func(t *testing.T) {
			team, err := c.cb.Team(bg, c.act[colleague], r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]care.TeamStatus{}
			for _, m := range team {
				got[m.UserID] = m.Status
				if m.UserID == c.act[colleague].UserID && (m.Profession != "doctor" || len(m.Facilities) != 1 || m.Name != "医師 一郎" || m.JoinedAt == nil) {
					t.Errorf("roster row %+v lacks the profession, facility or join time", m)
				}
			}
			want := map[string]care.TeamStatus{c.act[owner].UserID: care.TeamActive, c.act[colleague].UserID: care.TeamActive,
				c.act[stranger].UserID: care.TeamActive, c.fadmin["alpha"].UserID: care.TeamInvited}
			if len(got) != len(want) {
				t.Fatalf("roster %v, want %v", got, want)
			}
			for id, s := range want {
				if got[id] != s {
					t.Errorf("roster %v, want %v", got, want)
				}
			}
		})
		t.Run("ErrRemoveNonMember", func(t *testing.T) {
			wantNotFound(t, c.cb.RemoveFromTeam(bg, c.act[owner], r.ID, c.act[outsider].UserID), "user")
			wantNotFound(t, c.cb.LeaveTeam(bg, c.act[outsider], r.ID), "resident")
		})
	})
}

func TestResidents(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		t.Run("ErrInvalid", func(t *testing.T) {
			in := residentInput("", "yamada")
			in.BirthDate = "2026-11-26"
			in.FacilityID = c.other["alpha"].ID
			_, err := c.cb.CreateResident(bg, c.act[owner], in)
			wantErr(t, err, care.EInvalid, "")
			got := fieldsOf(err)
			for _, f := range []string{"name", "kana", "birth_date", "facility_id"} {
				if !slices.Contains(got, f) {
					t.Errorf("fields %v lack %s", got, f)
				}
			}
		})
		sato := c.newResident(t)
		in := residentInput("鈴木 一郎", "スズキ イチロウ")
		in.CareLevel = "support1"
		suzuki, err := c.cb.CreateResident(bg, c.act[owner], in)
		if err != nil {
			t.Fatal(err)
		}
		if suzuki.FacilityID != c.clinic["alpha"].ID || suzuki.Version != 1 {
			t.Fatalf("registered %+v", suzuki)
		}
		c.clock.Advance(time.Minute)
		c.post(t, owner, sato.ID, "訪問しました")
		t.Run("ListByActivity", func(t *testing.T) {
			list, err := c.cb.Residents(bg, c.act[owner], app.ResidentFilter{})
			if err != nil || len(list) != 2 || list[0].ID != sato.ID || list[0].TeamSize != 1 {
				t.Fatalf("got %+v %v: want 佐藤 first (latest post)", list, err)
			}
		})
		t.Run("Filter", func(t *testing.T) {
			tests := []struct {
				name string
				f    app.ResidentFilter
				want []string
			}{
				{"Name", app.ResidentFilter{Query: "鈴木"}, []string{suzuki.ID}},
				{"Kana", app.ResidentFilter{Query: "サトウ"}, []string{sato.ID}},
				{"Hiragana", app.ResidentFilter{Query: "すずき"}, []string{suzuki.ID}},
				{"KanaWithoutSpace", app.ResidentFilter{Query: "スズキイチロウ"}, []string{suzuki.ID}},
				{"TwoWords", app.ResidentFilter{Query: "佐藤 ハナ"}, []string{sato.ID}},
				{"NoMatch", app.ResidentFilter{Query: "佐藤 イチロウ"}, nil},
				{"Wildcard", app.ResidentFilter{Query: "%"}, nil},
				{"CareLevel", app.ResidentFilter{CareLevel: "support1"}, []string{suzuki.ID}},
				{"Facility", app.ResidentFilter{FacilityID: c.other["alpha"].ID}, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					list, err := c.cb.Residents(bg, c.act[owner], tt.f)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, s := range list {
						got = append(got, s.ID)
					}
					if !slices.Equal(got, tt.want) {
						t.Fatalf("got %v, want %v", got, tt.want)
					}
				})
			}
		})
		t.Run("Update", func(t *testing.T) {
			in := residentInput("佐藤 ハナ", "サトウ ハナ")
			in.Phone = "045-000-0000"
			in.Version = 1
			r, err := c.cb.UpdateResident(bg, c.act[owner], sato.ID, in)
			if err != nil || r.Version != 2 || r.Phone != "045-000-0000" {
				t.Fatalf("got %+v %v", r, err)
			}
			in.Phone = "090-0000-0000" // made against version 1: stale
			_, err = c.cb.UpdateResident(bg, c.act[owner], sato.ID, in)
			wantErr(t, err, care.EConflict, "error.stale")
			page, err := c.cb.Resident(bg, c.act[owner], sato.ID)
			if err != nil || page.Resident.Phone != "045-000-0000" || page.Resident.Version != 2 {
				t.Fatalf("the stale edit changed the resident: %+v %v", page.Resident, err)
			}
			_, err = c.cb.UpdateResident(bg, c.act[colleague], sato.ID, in)
			wantNotFound(t, err, "resident")
		})
		t.Run("End", func(t *testing.T) {
			wantErr(t, c.cb.EndResident(bg, c.act[owner], suzuki.ID, care.EndInput{Date: "2026-11-26", Reason: "death"}), care.EInvalid, "")
			wantErr(t, c.cb.EndResident(bg, c.act[owner], suzuki.ID, care.EndInput{Date: "2026-11-25", Reason: "bored"}), care.EInvalid, "")
			if err := c.cb.EndResident(bg, c.act[owner], suzuki.ID, care.EndInput{Date: "2026-11-25", Reason: "death", Note: "ご逝去"}); err != nil {
				t.Fatal(err)
			}
			wantErr(t, c.cb.EndResident(bg, c.act[owner], suzuki.ID, care.EndInput{Date: "2026-11-25", Reason: "death"}), care.EConflict, "error.resident_ended")
			current, _ := c.cb.Residents(bg, c.act[owner], app.ResidentFilter{})
			ended, _ := c.cb.Residents(bg, c.act[owner], app.ResidentFilter{Ended: true})
			if len(current) != 1 || len(ended) != 1 || ended[0].ID != suzuki.ID || !ended[0].Ended() || ended[0].EndReason != "death" {
				t.Fatalf("current %+v, ended %+v", current, ended)
			}
			// Read-only: reading works, writing is a conflict.
			if _, err := c.cb.Posts(bg, c.act[owner], suzuki.ID, "", 0); err != nil {
				t.Fatal(err)
			}
			_, err := c.cb.CreatePost(bg, c.act[owner], suzuki.ID, care.PostInput{Body: "終了後の記事"})
			wantErr(t, err, care.EConflict, "error.resident_ended")
			in := residentInput("鈴木 一郎", "スズキ イチロウ")
			in.Version = 2
			_, err = c.cb.UpdateResident(bg, c.act[owner], suzuki.ID, in)
			wantErr(t, err, care.EConflict, "error.resident_ended")
		})
		t.Run("Register", func(t *testing.T) {
			theirs := c.newResident(t, outsider) // owned by the pharmacy
			c.join(t, sato.ID, colleague)
			reg, err := c.cb.ResidentRegister(bg, c.admin["alpha"], app.ResidentFilter{})
			if err != nil || len(reg) != 2 {
				t.Fatalf("tenant admin's register %+v %v", reg, err)
			}
			for _, e := range reg {
				if e.Resident.ID == sato.ID && (len(e.Team) != 2 || e.ConsentActive) {
					t.Errorf("register entry %+v: want two team members, no consent", e)
				}
			}
			reg, err = c.cb.ResidentRegister(bg, c.fadmin["alpha"], app.ResidentFilter{})
			if err != nil || len(reg) != 1 || reg[0].Resident.ID != sato.ID {
				t.Fatalf("clinic admin's register %+v %v: want the clinic's resident only", reg, err)
			}
			if reg, _ := c.cb.ResidentRegister(bg, c.admin["alpha"], app.ResidentFilter{Ended: true}); len(reg) != 1 || reg[0].Resident.ID != suzuki.ID {
				t.Fatalf("ended register %+v", reg)
			}
			_, err = c.cb.ResidentRegister(bg, c.act[owner], app.ResidentFilter{})
			wantErr(t, err, care.EForbidden, "")
			onUser := c.admin["alpha"]
			onUser.Listener = care.UserListener
			_, err = c.cb.ResidentRegister(bg, onUser, app.ResidentFilter{})
			wantErr(t, err, care.EForbidden, "")
			// Admins are not team members: no contact book for them.
			_, err = c.cb.Posts(bg, onUser, theirs.ID, "", 0)
			wantNotFound(t, err, "resident")
			es, _ := c.cb.Audit(bg, c.admin["alpha"], app.AuditFilter{Action: string(audit.ResidentRegister)})
			if len(es) != 3 {
				t.Errorf("%d register views audited, want 3", len(es))
			}
		})
	})
}
