package demo_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/demo"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const password = "Minato-Demo-2026"

var cli = care.Origin{UserAgent: "demo test", Listener: care.AdminListener}

var hasher = auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 0)

// counts is what the demo put in the database.
type counts struct {
	tenants    int
	facilities map[string]int
	users      map[string]int
	residents  map[string]int // current and ended
	posts      map[string]int // in contact books and groups
	comments   map[string]int
	groups     map[string]int
}

func count(t *testing.T, a *app.App) counts {
	t.Helper()
	ctx := context.Background()
	op, err := a.OperatorActor(ctx, demo.OperatorLogin, cli)
	if err != nil {
		t.Fatal(err)
	}
	tenants, err := a.Tenants(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	c := counts{tenants: len(tenants), facilities: map[string]int{}, users: map[string]int{}, residents: map[string]int{},
		posts: map[string]int{}, comments: map[string]int{}, groups: map[string]int{}}
	for _, tn := range tenants {
		ta, err := a.TenantAdminActor(ctx, tn.Slug, demo.AdminLogin, cli)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := a.Facilities(ctx, ta)
		if err != nil {
			t.Fatal(err)
		}
		us, err := a.Users(ctx, ta, app.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		c.facilities[tn.Slug], c.users[tn.Slug] = len(fs), len(us)
		for _, ended := range []bool{false, true} {
			rs, err := a.ResidentRegister(ctx, ta, app.ResidentFilter{Ended: ended})
			if err != nil {
				t.Fatal(err)
			}
			c.residents[tn.Slug] += len(rs)
		}
		c.posts[tn.Slug], c.comments[tn.Slug], c.groups[tn.Slug] = countPosts(t, a, tn.Slug)
	}
	return c
}

// countPosts counts, as the members, the posts and comments of every
// contact book and group they may see, and the groups.
func countPosts(t *testing.T, a *app.App, slug string) (posts, comments, groups int) {
	t.Helper()
	ctx := context.Background()
	seen := map[string]bool{}
	count := func(pg app.PostPage) {
		for _, p := range pg.Items {
			if !seen[p.ID] {
				seen[p.ID] = true
				posts++
				comments += p.CommentCount
			}
		}
	}
	for _, login := range demo.ContactBooks[slug].Members() {
		act := member(t, a, slug, login)
		for _, ended := range []bool{false, true} {
			rs, err := a.Residents(ctx, act, app.ResidentFilter{Ended: ended})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				for before := ""; ; {
					pg, err := a.Posts(ctx, act, r.ID, before, 100)
					if err != nil {
						t.Fatal(err)
					}
					count(pg)
					if before = pg.Next; before == "" {
						break
					}
				}
			}
		}
		gs, err := a.Groups(ctx, act)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if !seen[g.ID] {
				seen[g.ID] = true
				groups++
			}
			pg, err := a.GroupPosts(ctx, act, g.ID, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			count(pg)
		}
	}
	return posts, comments, groups
}

// member logs a demo member in.
func member(t *testing.T, a *app.App, slug, login string) care.Actor {
	t.Helper()
	act, err := demo.MemberActor(context.Background(), a, slug, login, password, cli)
	if err != nil {
		t.Fatalf("%s/%s: %v", slug, login, err)
	}
	return act
}

// seedAll seeds the demo, contact books included, through an app on a
// settable clock as cmd/renrakucho does.
func seedAll(t *testing.T, a *app.App, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if err := demo.Seed(ctx, a, password, cli); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	clock := demo.NewClock()
	if err := demo.SeedContactBook(ctx, app.New(db.WithClock(clock.Now), hasher, app.Options{}), clock, password, cli); err != nil {
		t.Fatalf("SeedContactBook: %v", err)
	}
	if now := clock.Now(); time.Since(now) > time.Minute || time.Until(now) > time.Minute {
		t.Errorf("the clock reads %v after seeding, not the real time", now)
	}
}

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := app.New(db, hasher, app.Options{})
		seedAll(t, a, db)
		first := count(t, a)
		if first.tenants != len(demo.Tenants) {
			t.Errorf("%d tenants, want %d", first.tenants, len(demo.Tenants))
		}
		for _, tn := range demo.Tenants {
			// The tenant's own office comes with the tenant.
			if got, want := first.facilities[tn.Slug], len(tn.Facilities)+1; got != want {
				t.Errorf("%s: %d facilities, want %d", tn.Slug, got, want)
			}
			if got, want := first.users[tn.Slug], len(tn.Users); got != want {
				t.Errorf("%s: %d users, want %d", tn.Slug, got, want)
			}
			cb := demo.ContactBooks[tn.Slug]
			posts, comments := 0, 0
			for _, r := range cb.Residents {
				for _, p := range demo.Stories[r.Story].Posts {
					posts, comments = posts+1, comments+len(p.Comments)
				}
			}
			for _, g := range demo.Groups {
				for _, p := range g.Posts {
					posts, comments = posts+1, comments+len(p.Comments)
				}
			}
			if first.residents[tn.Slug] != len(cb.Residents) || first.posts[tn.Slug] != posts ||
				first.comments[tn.Slug] != comments || first.groups[tn.Slug] != len(demo.Groups) {
				t.Errorf("%s: %d residents, %d posts, %d comments, %d groups; want %d, %d, %d, %d", tn.Slug,
					first.residents[tn.Slug], first.posts[tn.Slug], first.comments[tn.Slug], first.groups[tn.Slug],
					len(cb.Residents), posts, comments, len(demo.Groups))
			}
		}

		t.Run("Idempotent", func(t *testing.T) {
			seedAll(t, a, db)
			second := count(t, a)
			if second.tenants != first.tenants {
				t.Errorf("tenants %d after the second Seed, %d before", second.tenants, first.tenants)
			}
			for slug := range first.users {
				if second.users[slug] != first.users[slug] || second.facilities[slug] != first.facilities[slug] {
					t.Errorf("%s: users %d→%d, facilities %d→%d", slug, first.users[slug], second.users[slug],
						first.facilities[slug], second.facilities[slug])
				}
				if second.residents[slug] != first.residents[slug] || second.posts[slug] != first.posts[slug] ||
					second.comments[slug] != first.comments[slug] || second.groups[slug] != first.groups[slug] {
					t.Errorf("%s: residents %d→%d, posts %d→%d, comments %d→%d, groups %d→%d", slug,
						first.residents[slug], second.residents[slug], first.posts[slug], second.posts[slug],
						first.comments[slug], second.comments[slug], first.groups[slug], second.groups[slug])
				}
			}
		})

		t.Run("ContactBook", func(t *testing.T) {
			for _, tn := range demo.Tenants {
				checkContactBook(t, a, tn)
			}
		})

		t.Run("Logins", func(t *testing.T) {
			for _, tn := range demo.Tenants {
				for _, u := range tn.Users {
					_, act, err := a.Login(ctx, app.Credentials{Tenant: tn.Slug, LoginID: u.Login, Password: password,
						Origin: care.Origin{Listener: care.UserListener}})
					if err != nil {
						t.Errorf("%s/%s: %v", tn.Slug, u.Login, err)
						continue
					}
					if act.Role != u.Role || act.Name != u.Name {
						t.Errorf("%s/%s: role %s name %s, want %s %s", tn.Slug, u.Login, act.Role, act.Name, u.Role, u.Name)
					}
				}
			}
		})

		t.Run("AdminInCityHall", func(t *testing.T) {
			ta, err := a.TenantAdminActor(ctx, "demo", demo.AdminLogin, cli)
			if err != nil {
				t.Fatal(err)
			}
			me, fs, err := a.Me(ctx, ta)
			if err != nil {
				t.Fatal(err)
			}
			if me.Kana == "" || len(fs) != 2 {
				t.Errorf("admin kana %q, %d facilities; want kana and the office plus the city hall", me.Kana, len(fs))
			}
		})

		t.Run("ErrWeakPassword", func(t *testing.T) {
			db2 := storetest.Open(t, db.Engine(), nil)
			a2 := app.New(db2, hasher, app.Options{})
			if err := demo.Seed(ctx, a2, "short", cli); err == nil {
				t.Fatal("Seed with a weak password succeeded")
			}
		})
	})
}

func TestData(t *testing.T) {
	seen := map[string]bool{}
	for _, tn := range demo.Tenants {
		if seen[tn.Slug] {
			t.Errorf("slug %s twice", tn.Slug)
		}
		seen[tn.Slug] = true
		in := care.NewTenant{Slug: tn.Slug, Name: tn.Name, Options: tn.Options, AdminLogin: demo.AdminLogin,
			AdminName: "x", AdminPassword: password}
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", tn.Slug, err)
		}
		keys := map[string]bool{}
		for _, f := range tn.Facilities {
			keys[f.Key] = true
			cf := care.Facility{Kind: f.Kind, Name: f.Name, Address: f.Address, Phone: f.Phone, Area: f.Area}
			if err := cf.Validate(); err != nil {
				t.Errorf("%s/%s: %v", tn.Slug, f.Key, err)
			}
		}
		logins := map[string]bool{}
		for _, u := range tn.Users {
			logins[u.Login] = true
			in := care.UserInput{LoginID: u.Login, Name: u.Name, Kana: u.Kana, Profession: u.Profession, Email: u.Email,
				Role: u.Role, Facilities: u.Facilities, Password: password}
			if err := in.Validate(true); err != nil {
				t.Errorf("%s/%s: %v", tn.Slug, u.Login, err)
			}
			for _, k := range u.Facilities {
				if !keys[k] {
					t.Errorf("%s/%s: unknown facility %s", tn.Slug, u.Login, k)
				}
			}
		}
		// DESIGN §8 fixes these logins.
		for _, l := range []string{"admin", "fadmin", "doctor", "nurse", "caremgr", "pharmacist", "responder"} {
			if !logins[l] {
				t.Errorf("%s: no %s", tn.Slug, l)
			}
		}
		if got := tn.Admins(); len(got) != 2 || got[0] != "admin" || got[1] != "fadmin" {
			t.Errorf("%s: admins %v", tn.Slug, got)
		}
	}
	if !seen["demo"] || !seen["demo2"] {
		t.Error("the demo tenants must be demo and demo2")
	}
}

// checkContactBook checks what the members of a seeded tenant see.
func checkContactBook(t *testing.T, a *app.App, tn demo.Tenant) {
	t.Helper()
	ctx := context.Background()
	cb := demo.ContactBooks[tn.Slug]
	now := time.Now()
	byStory := map[string]demo.Resident{}
	for _, r := range cb.Residents {
		byStory[r.Story] = r
	}

	// Every member has residents (or groups) with something unread, and
	// sees exactly the current residents whose team they are on.
	for _, login := range cb.Members() {
		act := member(t, a, tn.Slug, login)
		unread, err := a.Unread(ctx, act)
		if err != nil {
			t.Fatal(err)
		}
		if len(unread) == 0 {
			t.Errorf("%s/%s: nothing unread", tn.Slug, login)
		}
		rs, err := a.Residents(ctx, act, app.ResidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, r := range cb.Residents {
			st := demo.Stories[r.Story]
			team := append([]string{st.Owner}, st.Team...)
			if st.End == nil && slices.ContainsFunc(team, func(l string) bool { return l == login || l == demo.Therapist && cb.Therapist == login }) {
				want = append(want, r.Name)
			}
		}
		unreadCount := 0
		for _, r := range rs {
			got = append(got, r.Name)
			unreadCount += r.Unread
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s/%s: residents %v, want %v", tn.Slug, login, got, want)
		}
		if len(rs) > 0 && unreadCount == 0 {
			t.Errorf("%s/%s: no unread posts in %d residents", tn.Slug, login, len(rs))
		}
	}

	doctor := member(t, a, tn.Slug, "doctor")
	rs, err := a.Residents(ctx, doctor, app.ResidentFilter{Query: byStory["heart"].Kana})
	if err != nil || len(rs) != 1 {
		t.Fatalf("%s: doctor's heart resident: %v %v", tn.Slug, rs, err)
	}
	if rs[0].TeamSize != 5 || !rs[0].ConsentActive {
		t.Errorf("%s: heart resident: team %d, consent %v", tn.Slug, rs[0].TeamSize, rs[0].ConsentActive)
	}
	page, err := a.Resident(ctx, doctor, rs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	s := page.Summary
	if s.LatestHandover == nil || s.LatestVisit == nil || s.LatestMedication == nil || s.Diagnoses == "" ||
		!strings.Contains(s.Medications, "フロセミド") || s.LatestHandover.Fields["plan_changed"] != "yes" {
		t.Errorf("%s: heart summary %+v", tn.Slug, s)
	}
	// Months of history: the oldest post is about four months old, the
	// newest from the last days.
	var all []care.Post
	for before := ""; ; {
		pg, err := a.Posts(ctx, doctor, rs[0].ID, before, 100)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pg.Items...)
		if before = pg.Next; before == "" {
			break
		}
	}
	if n := len(all); n < 10 || now.Sub(all[n-1].CreatedAt) < 100*24*time.Hour || now.Sub(all[0].CreatedAt) > 3*24*time.Hour {
		t.Errorf("%s: heart posts %d, from %v to %v", tn.Slug, n, all[n-1].CreatedAt, all[0].CreatedAt)
	}
	for i := 1; i < len(all); i++ {
		if all[i].CreatedAt.After(all[i-1].CreatedAt) {
			t.Errorf("%s: post %s (%v) listed after the older %s (%v)", tn.Slug, all[i].ID, all[i].CreatedAt, all[i-1].ID, all[i-1].CreatedAt)
		}
	}
	urgent, err := a.Search(ctx, doctor, app.SearchQuery{Importance: "urgent"})
	if err != nil || len(urgent) != 1 {
		t.Errorf("%s: urgent posts %d, %v; want 1", tn.Slug, len(urgent), err)
	}

	ended, err := a.Residents(ctx, doctor, app.ResidentFilter{Ended: true})
	if err != nil || len(ended) != 1 || ended[0].EndReason != "death" || ended[0].EndDate == "" {
		t.Errorf("%s: ended residents %+v, %v", tn.Slug, ended, err)
	}

	gs, err := a.Groups(ctx, doctor)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"北地区 地域ケア会議", "多職種連携 勉強会"}) {
		t.Errorf("%s: doctor's groups %v", tn.Slug, names)
	}

	nurse := member(t, a, tn.Slug, "nurse")
	inv, err := a.Invitations(ctx, nurse)
	if err != nil || len(inv) != 1 || inv[0].Name != byStory["stroke"].Name {
		t.Errorf("%s: nurse's invitations %+v, %v", tn.Slug, inv, err)
	}

	// The resident without consent is shared within its facility only.
	ta, err := a.TenantAdminActor(ctx, tn.Slug, demo.AdminLogin, cli)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := a.ResidentRegister(ctx, ta, app.ResidentFilter{Query: byStory["noconsent"].Kana})
	if err != nil || len(reg) != 1 {
		t.Fatalf("%s: register %+v, %v", tn.Slug, reg, err)
	}
	if e := reg[0]; e.ConsentActive || len(e.Team) != 2 {
		t.Errorf("%s: resident without consent: consent %v, team %d", tn.Slug, e.ConsentActive, len(e.Team))
	} else {
		for _, m := range e.Team {
			if !slices.Contains(m.Facilities, e.Resident.FacilityID) {
				t.Errorf("%s: %s on the team of a resident without consent, outside its facility", tn.Slug, m.Name)
			}
		}
	}
}

func TestContactBookData(t *testing.T) {
	today := time.Now()
	urgent := 0
	for key, st := range demo.Stories {
		for _, p := range st.Posts {
			if p.Importance == "urgent" {
				urgent++
			}
		}
		if n := len(st.Posts); n < 10 || n > 30 {
			t.Errorf("%s: %d posts, want 10 to 30", key, n)
		}
		members := append([]string{st.Owner}, st.Team...)
		checkPosts(t, key, st.Posts, members, st.Day)
		if st.Day < 0 || st.InvitedDay >= demo.HistoryDays || st.End != nil && st.End.Day >= demo.HistoryDays {
			t.Errorf("%s: days out of the history", key)
		}
		if e := st.End; e != nil {
			for _, p := range st.Posts {
				last := p.Day*24*60 + minutes(t, p.At)
				for _, c := range p.Comments {
					last = max(last, p.Day*24*60+minutes(t, p.At)+c.After)
				}
				if last >= e.Day*24*60+17*60 {
					t.Errorf("%s: post of day %d or its comments after the end", key, p.Day)
				}
			}
		}
	}
	if urgent != 1 {
		t.Errorf("%d urgent posts in the stories, want one per tenant", urgent)
	}
	for _, g := range demo.Groups {
		checkPosts(t, g.Name, g.Posts, append([]string{g.By}, g.Members...), g.Day)
	}

	for _, tn := range demo.Tenants {
		cb, ok := demo.ContactBooks[tn.Slug]
		if !ok || len(cb.Residents) != 8 {
			t.Errorf("%s: %d residents, want 8", tn.Slug, len(cb.Residents))
			continue
		}
		users := map[string]demo.User{}
		for _, u := range tn.Users {
			users[u.Login] = u
		}
		for _, l := range cb.Members() {
			if u, ok := users[l]; !ok || u.Role != care.RoleMember {
				t.Errorf("%s: %s is not a member", tn.Slug, l)
			}
		}
		stories, children := map[string]bool{}, 0
		for _, r := range cb.Residents {
			st, ok := demo.Stories[r.Story]
			if !ok || stories[r.Story] {
				t.Errorf("%s/%s: story %q unknown or used twice", tn.Slug, r.Name, r.Story)
				continue
			}
			stories[r.Story] = true
			in := care.ResidentInput{Name: r.Name, Kana: r.Kana, BirthDate: r.BirthDate, Sex: r.Sex, Address: r.Address,
				Phone: r.Phone, CareLevel: st.CareLevel, Child: st.Child, Disability: st.Disability, KeyPerson: r.KeyPerson, Notes: st.Notes}
			if err := in.Validate(today); err != nil {
				t.Errorf("%s/%s: %v", tn.Slug, r.Name, err)
			}
			year, _ := strconv.Atoi(r.BirthDate[:4])
			switch {
			case st.Child:
				children++
				if year < today.Year()-18 || !st.Disability {
					t.Errorf("%s/%s: a child born in %d, disability %v", tn.Slug, r.Name, year, st.Disability)
				}
			case year < 1930 || year > 1950:
				t.Errorf("%s/%s: born in %d, not 1930–1950", tn.Slug, r.Name, year)
			}
			// Without consent, the team is the owner's facility's staff.
			if st.Consent == nil {
				owner := users[st.Owner]
				for _, l := range st.Team {
					if l == demo.Therapist {
						l = cb.Therapist
					}
					if !slices.ContainsFunc(users[l].Facilities, func(f string) bool { return slices.Contains(owner.Facilities, f) }) {
						t.Errorf("%s/%s: %s on the team without consent, outside the owner's facility", tn.Slug, r.Name, l)
					}
				}
			}
		}
		if children != 1 {
			t.Errorf("%s: %d children, want 1", tn.Slug, children)
		}
	}
}

// checkPosts checks a board's posts: days within the history after the
// board began, authors, addressees and commenters on the board.
func checkPosts(t *testing.T, key string, posts []demo.Post, members []string, from int) {
	t.Helper()
	for i, p := range posts {
		minutes(t, p.At)
		if p.Day < from || p.Day >= demo.HistoryDays || p.Day == from && minutes(t, p.At) < 10*60 {
			t.Errorf("%s: post %d on day %d %s, outside the history", key, i+1, p.Day, p.At)
		}
		who := slices.Concat([]string{p.By}, p.To)
		for _, c := range p.Comments {
			who = append(who, c.By)
			if c.After < 1 || c.Body == "" {
				t.Errorf("%s: post %d: comment %+v", key, i+1, c)
			}
		}
		for _, l := range who {
			if !slices.Contains(members, l) {
				t.Errorf("%s: post %d: %s is not on the board", key, i+1, l)
			}
		}
		templates := 0
		for _, ok := range []bool{p.Handover != nil, p.Visit != nil, p.Medication != nil} {
			if ok {
				templates++
			}
		}
		if templates > 1 || templates == 0 && p.Body == "" || !slices.Contains(care.Categories, p.Category) ||
			p.Importance != "" && !slices.Contains(care.Importances, p.Importance) {
			t.Errorf("%s: post %d: %d templates, body %q, category %q, importance %q", key, i+1, templates, p.Body, p.Category, p.Importance)
		}
	}
}

func minutes(t *testing.T, hhmm string) int {
	t.Helper()
	at, err := time.Parse("15:04", hhmm)
	if err != nil {
		t.Fatalf("time %q: %v", hhmm, err)
	}
	return at.Hour()*60 + at.Minute()
}
