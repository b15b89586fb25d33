package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
)

// The tenant's shape. Resident indexes: A (10,000 posts) and B (the long
// history) are the timeline's; S is the live-update measurement's (its
// team grows to -clients members then); the searcher is on the 50 from
// searchFirst, the poster on the 50 after them.
const (
	regularUsers = 60
	facilities   = 10
	teamSize     = 5 // the registering member and four invited ones
	residentA    = 0
	residentB    = 1
	residentS    = 2
	searchFirst  = 3
	boardSize    = 50 // residents of the searcher and of the poster
	posterFirst  = searchFirst + boardSize
	minResidents = posterFirst + boardSize
	aPosts       = 10_000
)

const benchPassword = "bench-Passw0rd-2026"

// cheapHash is the argon2id cost of the benchmark's users: logins are not
// measured, and a thousand SSE users with the production cost would make
// the setup minutes longer. Hashes carry their parameters, so verification
// is the ordinary code.
var cheapHash = auth.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

var origin = care.Origin{IP: "127.0.0.1", UserAgent: "bench/contactbook", Listener: care.UserListener}

// user is a member of the tenant.
type user struct {
	login string
	id    string
	name  string
}

// resident is a resident with the user IDs of its active team.
type resident struct {
	id      string
	team    []string
	ownerIx int // index in world.users of the registering member
}

// world is the tenant the measurements run against.
type world struct {
	app      *app.App
	db       *store.DB
	keys     store.Keys // what db seals with (see -seal)
	hub      *realtime.Local
	log      *slog.Logger
	tenantID string
	op       care.Actor // the operator
	admin    care.Actor
	users    []user // the regular members
	reader   user   // on A and B's teams
	searcher user   // on 50 residents' teams
	poster   user   // on 50 other residents' teams
	// residents in the order of their indexes.
	residents []resident
	base      string // the user listener's URL
	// searchHits are the loaded posts of the searcher's residents that
	// hold searchWord: texts are sealed, so the raw search baseline cannot
	// match them in SQL.
	searchHits map[string]bool
	live       liveState
	targets    []target
}

// login opens a session of the user on the user listener.
func (w *world) login(ctx context.Context, login string) (string, care.Actor, error) {
	token, act, err := w.app.Login(ctx, app.Credentials{Tenant: "bench", LoginID: login, Password: benchPassword, Origin: origin})
	if err != nil {
		return "", care.Actor{}, fmt.Errorf("login %s: %w", login, err)
	}
	return token, act, nil
}

// Japanese names and their kana, for residents and users.
var (
	families = [][2]string{{"佐藤", "サトウ"}, {"鈴木", "スズキ"}, {"高橋", "タカハシ"}, {"田中", "タナカ"}, {"伊藤", "イトウ"},
		{"渡辺", "ワタナベ"}, {"山本", "ヤマモト"}, {"中村", "ナカムラ"}, {"小林", "コバヤシ"}, {"加藤", "カトウ"}, {"吉田", "ヨシダ"},
		{"山田", "ヤマダ"}, {"佐々木", "ササキ"}, {"松本", "マツモト"}, {"井上", "イノウエ"}, {"木村", "キムラ"}}
	givens = [][2]string{{"花子", "ハナコ"}, {"太郎", "タロウ"}, {"春子", "ハルコ"}, {"次郎", "ジロウ"}, {"幸子", "サチコ"},
		{"清", "キヨシ"}, {"和子", "カズコ"}, {"茂", "シゲル"}, {"節子", "セツコ"}, {"勇", "イサム"}, {"文子", "フミコ"}, {"実", "ミノル"}}
)

func personName(i int) (name, kana string) {
	f, g := families[i%len(families)], givens[(i/len(families))%len(givens)]
	return f[0] + " " + g[0], f[1] + " " + g[1]
}

// teamOf returns the indexes of resident i's regular team members: the
// registering member first. 13 and 60 are coprime, so the five differ.
func teamOf(i int) []int {
	out := make([]int, teamSize)
	for k := range teamSize {
		out[k] = (i + 13*k) % regularUsers
	}
	return out
}

// seed migrates db and builds the tenant through the app, as its people
// would: an operator creates the tenant, its admin the facilities and
// members; each resident is registered by a member, who records consent
// and invites four more, who accept. The reader, searcher and poster join
// their residents' teams the same way. keys are what db seals with; the
// app gets the product's keyring (nil with -seal off), as serve wires it.
func seed(ctx context.Context, db *store.DB, keys store.Keys, keyring *seal.Keyring, o options, log *slog.Logger) (*world, error) {
	if err := db.CheckRole(ctx); err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	hub := realtime.NewLocal()
	a := app.New(db, auth.NewHasher(cheapHash, 0), app.Options{Hub: hub, Keys: keyring, Log: log})
	w := &world{app: a, db: db, keys: keys, hub: hub, log: log, searchHits: map[string]bool{}}
	cli := care.Origin{IP: "127.0.0.1", UserAgent: "bench/contactbook", Listener: care.AdminListener}
	op, err := a.InitOperator(ctx, "operator", "運用 太郎", "", benchPassword, cli)
	if err != nil {
		return nil, fmt.Errorf("init operator: %w", err)
	}
	w.op = op
	ct, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: "bench", Name: "ベンチ市", AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: benchPassword})
	if err != nil {
		return nil, fmt.Errorf("create tenant: %w", err)
	}
	w.tenantID = ct.Tenant.ID
	if w.admin, err = a.TenantAdminActor(ctx, "bench", "admin", cli); err != nil {
		return nil, fmt.Errorf("tenant admin: %w", err)
	}
	facs := []string{ct.Facility.ID}
	for i := 1; i < facilities; i++ {
		f, err := a.CreateFacility(ctx, w.admin, care.Facility{Kind: care.FacilityKinds[i%len(care.FacilityKinds)],
			Name: fmt.Sprintf("ベンチ事業所 %02d", i), Address: fmt.Sprintf("東京都千代田区千代田%d-%d", i%9+1, i),
			Phone: "03-1234-5678", Area: "中部"})
		if err != nil {
			return nil, fmt.Errorf("create facility: %w", err)
		}
		facs = append(facs, f.ID)
	}
	newUser := func(login string, i int) (user, error) {
		name, kana := personName(i + 7)
		u, err := a.CreateUser(ctx, w.admin, care.UserInput{LoginID: login, Name: name, Kana: kana,
			Profession: care.Professions[i%len(care.Professions)], Role: care.RoleMember,
			Facilities: []string{facs[i%len(facs)]}, Password: benchPassword})
		if err != nil {
			return user{}, fmt.Errorf("create user %s: %w", login, err)
		}
		return user{login: login, id: u.ID, name: u.Name}, nil
	}
	for i := range regularUsers {
		u, err := newUser(fmt.Sprintf("member%02d", i), i)
		if err != nil {
			return nil, err
		}
		w.users = append(w.users, u)
	}
	for i, p := range []*user{&w.reader, &w.searcher, &w.poster} {
		if *p, err = newUser([]string{"reader", "searcher", "poster"}[i], regularUsers+i); err != nil {
			return nil, err
		}
	}
	// One session per member for the setup.
	acts := make([]care.Actor, regularUsers)
	for i, u := range w.users {
		if _, acts[i], err = w.login(ctx, u.login); err != nil {
			return nil, err
		}
	}

	w.residents = make([]resident, o.residents)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= o.residents {
					return
				}
				if err := w.register(ctx, i, acts); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	join := func(u user, from, to int) error {
		_, act, err := w.login(ctx, u.login)
		if err != nil {
			return err
		}
		for i := from; i < to; i++ {
			if err := w.join(ctx, i, acts[w.residents[i].ownerIx], act); err != nil {
				return err
			}
		}
		return nil
	}
	if err := join(w.reader, residentA, residentB+1); err != nil {
		return nil, err
	}
	if err := join(w.searcher, searchFirst, searchFirst+boardSize); err != nil {
		return nil, err
	}
	if err := join(w.poster, posterFirst, posterFirst+boardSize); err != nil {
		return nil, err
	}
	return w, nil
}

// register registers resident i as its first team member, records the
// consent and builds the rest of the team.
func (w *world) register(ctx context.Context, i int, acts []care.Actor) error {
	team := teamOf(i)
	owner := acts[team[0]]
	name, kana := personName(i)
	r, err := w.app.CreateResident(ctx, owner, care.ResidentInput{Name: name, Kana: kana,
		BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 30+i%20, 1+i%12, 1+i%28), Sex: care.Sexes[i%2],
		Address: fmt.Sprintf("東京都千代田区神田%d-%d-%d", 1+i%5, 1+i%20, 1+i%9), Phone: "03-5555-0000",
		CareLevel: care.CareLevels[i%len(care.CareLevels)], KeyPerson: "長男（同居）"})
	if err != nil {
		return fmt.Errorf("create resident: %w", err)
	}
	w.residents[i] = resident{id: r.ID, ownerIx: team[0], team: []string{w.users[team[0]].id}}
	if _, err := w.app.AddConsent(ctx, owner, r.ID, care.ConsentInput{Method: "written", ObtainedAt: "2024-04-01",
		ObtainedBy: owner.Name, Scope: "連携チーム内での情報共有"}); err != nil {
		return fmt.Errorf("add consent: %w", err)
	}
	for _, k := range team[1:] {
		if err := w.join(ctx, i, owner, acts[k]); err != nil {
			return err
		}
	}
	return nil
}

// join has inviter invite the member to resident i's team, and the member
// accept.
func (w *world) join(ctx context.Context, i int, inviter, member care.Actor) error {
	id := w.residents[i].id
	if _, err := w.app.Invite(ctx, inviter, id, member.UserID); err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	if err := w.app.AcceptInvitation(ctx, member, id); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	w.residents[i].team = append(w.residents[i].team, member.UserID)
	return nil
}

// boardIDs returns the IDs of the residents from..to-1.
func (w *world) boardIDs(from, to int) []string {
	var out []string
	for _, r := range w.residents[from:to] {
		out = append(out, r.id)
	}
	return out
}
