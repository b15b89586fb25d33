package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
)

// Clock is the contact-book seeding's clock: the app that seeds reads it
// (app.New(db.WithClock(clock.Now), …)), and the seeding sets it to each
// post's time, so the contact books hold months of history written through
// the ordinary use cases. Unset, it reads the real time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads the real time until Set.
func NewClock() *Clock { return &Clock{} }

// Now returns the time set, or the real time when none is.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

// Set makes the clock read t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Reset makes the clock read the real time again.
func (c *Clock) Reset() { c.Set(time.Time{}) }

// jst is Japan's time: the stories' days and times are Japan's.
var jst = time.FixedZone("JST", 9*60*60)

// MemberActor logs a demo member in on the user listener with the demo
// password: the contact book is the members' own work, so it is seeded as
// them. The caller logs the session out.
func MemberActor(ctx context.Context, a *app.App, slug, login, password string, o care.Origin) (care.Actor, error) {
	o.Listener = care.UserListener
	_, act, err := a.Login(ctx, app.Credentials{Tenant: slug, LoginID: login, Password: password, Origin: o})
	if err != nil {
		return care.Actor{}, fmt.Errorf("log in %s: %w", login, err)
	}
	return act, nil
}

// SeedContactBook gives each demo tenant its residents, consents, care
// teams, contact books, comments, read receipts and groups (ContactBooks,
// Stories, Groups), as the members who would have written them, over the
// last HistoryDays days. a must read clock (app.New over
// db.WithClock(clock.Now)); the seeding moves it from post to post and
// resets it at the end. A tenant that has residents is left as it is, so
// the seeding runs once per tenant. Seed must have run first.
func SeedContactBook(ctx context.Context, a *app.App, clock *Clock, password string, o care.Origin) error {
	for _, t := range Tenants {
		cb, ok := ContactBooks[t.Slug]
		if !ok {
			continue
		}
		if err := seedContactBook(ctx, a, clock, t, cb, password, o); err != nil {
			return fmt.Errorf("demo: tenant %s: contact book: %w", t.Slug, err)
		}
	}
	return nil
}

// Members returns the logins of every member who takes part in the
// tenant's contact books and groups, sorted.
func (cb ContactBook) Members() []string {
	var out []string
	add := func(l string) {
		l = cb.login(l)
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	for _, r := range cb.Residents {
		st := Stories[r.Story]
		add(st.Owner)
		for _, l := range slices.Concat(st.Team, st.Invited) {
			add(l)
		}
	}
	for _, g := range Groups {
		add(g.By)
		for _, l := range g.Members {
			add(l)
		}
	}
	slices.Sort(out)
	return out
}

// login resolves the Therapist stand-in.
func (cb ContactBook) login(l string) string {
	if l == Therapist {
		return cb.Therapist
	}
	return l
}

// seeder builds one tenant's history as events, then plays them in time
// order with the clock set to each: post IDs are time-ordered, so the
// posts must be written in the order of their times.
type seeder struct {
	ctx    context.Context
	a      *app.App
	t      Tenant
	cb     ContactBook
	start  time.Time             // day 0, midnight in Japan
	end    time.Time             // now: reads due later stay unread
	actors map[string]care.Actor // by login
	ids    map[string]string     // residents by story, groups by name
	events []event
}

type event struct {
	at   time.Time
	what string
	do   func() error
}

func seedContactBook(ctx context.Context, a *app.App, clock *Clock, t Tenant, cb ContactBook, password string, o care.Origin) (err error) {
	clock.Reset()
	ta, err := a.TenantAdminActor(ctx, t.Slug, AdminLogin, o)
	if err != nil {
		return err
	}
	for _, ended := range []bool{false, true} {
		rs, err := a.ResidentRegister(ctx, ta, app.ResidentFilter{Ended: ended})
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			return nil
		}
	}

	now := clock.Now()
	y, m, d := now.In(jst).Date()
	s := &seeder{ctx: ctx, a: a, t: t, cb: cb, start: time.Date(y, m, d-HistoryDays, 0, 0, 0, 0, jst), end: now,
		actors: map[string]care.Actor{}, ids: map[string]string{}}
	logins := cb.Members()
	defer func() {
		clock.Reset()
		for _, l := range logins {
			if act, ok := s.actors[l]; ok {
				if lerr := a.Logout(ctx, act); lerr != nil && err == nil {
					err = lerr
				}
			}
		}
	}()
	for _, l := range logins {
		if s.actors[l], err = MemberActor(ctx, a, t.Slug, l, password, o); err != nil {
			return err
		}
	}

	for _, r := range cb.Residents {
		st, ok := Stories[r.Story]
		if !ok {
			return fmt.Errorf("resident %s: no story %q", r.Name, r.Story)
		}
		s.resident(r, st)
	}
	for _, g := range Groups {
		s.group(g)
	}
	sort.SliceStable(s.events, func(i, j int) bool { return s.events[i].at.Before(s.events[j].at) })
	for _, e := range s.events {
		clock.Set(e.at)
		if err := e.do(); err != nil {
			return fmt.Errorf("%s %s: %w", e.at.In(jst).Format("2006-01-02 15:04"), e.what, err)
		}
	}
	return nil
}

func (s *seeder) add(at time.Time, what string, do func() error) {
	s.events = append(s.events, event{at: at, what: what, do: do})
}

// actor returns the member's actor; l may be the Therapist stand-in.
func (s *seeder) actor(l string) care.Actor { return s.actors[s.cb.login(l)] }

// day returns midnight, in Japan, of the history's day.
func (s *seeder) day(day int) time.Time { return s.start.AddDate(0, 0, day) }

// date returns the history's day as YYYY-MM-DD.
func (s *seeder) date(day int) string { return s.day(day).Format("2006-01-02") }

// at returns the time hh:mm on the history's day.
func (s *seeder) at(day int, hhmm string) time.Time {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		panic("demo: time " + hhmm + ": " + err.Error())
	}
	return s.day(day).Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
}

// resident schedules a resident's registration, consent, team, posts and
// end of sharing.
func (s *seeder) resident(r Resident, st Story) {
	key := r.Story
	reg := s.at(st.Day, "09:00")
	s.add(reg, "register "+key, func() error {
		res, err := s.a.CreateResident(s.ctx, s.actor(st.Owner), care.ResidentInput{Name: r.Name, Kana: r.Kana,
			BirthDate: r.BirthDate, Sex: r.Sex, Address: r.Address, Phone: r.Phone, CareLevel: st.CareLevel,
			Child: st.Child, Disability: st.Disability, KeyPerson: r.KeyPerson, Notes: st.Notes})
		s.ids[key] = res.ID
		return err
	})
	if c := st.Consent; c != nil {
		s.add(reg.Add(5*time.Minute), "consent of "+key, func() error {
			_, err := s.a.AddConsent(s.ctx, s.actor(st.Owner), s.ids[key], care.ConsentInput{Method: c.Method,
				ObtainedAt: s.date(st.Day), ObtainedBy: s.t.user(s.cb.login(c.By)).Name, Scope: c.Scope})
			return err
		})
	}
	invite := func(at time.Time, l string) {
		s.add(at, "invite "+l+" to "+key, func() error {
			_, err := s.a.Invite(s.ctx, s.actor(st.Owner), s.ids[key], s.actor(l).UserID)
			return err
		})
	}
	for i, l := range st.Team {
		invite(reg.Add(time.Duration(10+2*i)*time.Minute), l)
		accept := reg.Add(2*time.Hour + time.Duration(hash(s.t.Slug, key, l)%(6*60))*time.Minute)
		s.add(accept, l+" accepts "+key, func() error { return s.a.AcceptInvitation(s.ctx, s.actor(l), s.ids[key]) })
	}
	for _, l := range st.Invited {
		invite(s.at(st.InvitedDay, "08:50"), l)
	}
	members := append([]string{st.Owner}, st.Team...)
	s.board(key, st.Posts, members, func(act care.Actor, in care.PostInput) (care.Post, error) {
		return s.a.CreatePost(s.ctx, act, s.ids[key], in)
	})
	if e := st.End; e != nil {
		s.add(s.at(e.Day, "17:00"), "end "+key, func() error {
			return s.a.EndResident(s.ctx, s.actor(st.Owner), s.ids[key], care.EndInput{Date: s.date(e.Day), Reason: e.Reason, Note: e.Note})
		})
	}
}

// group schedules a group's creation and posts.
func (s *seeder) group(g Group) {
	s.add(s.at(g.Day, "09:00"), "group "+g.Name, func() error {
		in := care.GroupInput{Name: g.Name, Description: g.Description}
		for _, l := range g.Members {
			in.Members = append(in.Members, s.actor(l).UserID)
		}
		created, err := s.a.CreateGroup(s.ctx, s.actor(g.By), in)
		s.ids[g.Name] = created.ID
		return err
	})
	s.board(g.Name, g.Posts, append([]string{g.By}, g.Members...), func(act care.Actor, in care.PostInput) (care.Post, error) {
		return s.a.CreateGroupPost(s.ctx, act, s.ids[g.Name], in)
	})
}

// board schedules a board's posts, their comments and the members' reads
// (readDelay; a read due after now stays unread). A member who comments
// has read the post.
func (s *seeder) board(key string, posts []Post, members []string, create func(care.Actor, care.PostInput) (care.Post, error)) {
	for i, p := range posts {
		at := s.at(p.Day, p.At)
		what := fmt.Sprintf("post %d of %s", i+1, key)
		var id string
		s.add(at, what, func() error {
			created, err := create(s.actor(p.By), s.input(p))
			id = created.ID
			return err
		})
		readAt := map[string]time.Time{}
		for _, l := range members {
			if l == p.By {
				continue
			}
			h := hash(s.t.Slug, key, fmt.Sprint(i), l)
			if d, ok := readDelay(h, s.end.Sub(at)); ok {
				readAt[l] = workingHours(at.Add(d), h)
			}
		}
		for j, c := range p.Comments {
			cat := at.Add(time.Duration(c.After) * time.Minute)
			if r, ok := readAt[c.By]; c.By != p.By && (!ok || r.After(cat)) {
				readAt[c.By] = cat.Add(-time.Minute)
			}
			s.add(cat, fmt.Sprintf("comment %d on %s", j+1, what), func() error {
				_, err := s.a.AddComment(s.ctx, s.actor(c.By), id, c.Body)
				return err
			})
		}
		for _, l := range members {
			if r, ok := readAt[l]; ok && r.Before(s.end) {
				s.add(r, l+" reads "+what, func() error {
					_, err := s.a.MarkRead(s.ctx, s.actor(l), id)
					return err
				})
			}
		}
	}
}

// input turns a demo post into what its author sends.
func (s *seeder) input(p Post) care.PostInput {
	in := care.PostInput{Category: p.Category, Importance: p.Importance, Body: p.Body}
	for _, l := range p.To {
		in.Addressees = append(in.Addressees, s.actor(l).UserID)
	}
	later := func(days int) string {
		if days <= 0 {
			return ""
		}
		return s.date(p.Day + days)
	}
	switch {
	case p.Handover != nil:
		h := p.Handover
		changed := "no"
		if h.PlanChanged {
			changed = "yes"
		}
		in.Template = care.TemplateHandover
		in.Fields = map[string]string{"next_visit": later(h.NextVisit), "plan_changed": changed,
			"plan_change": h.PlanChange, "cautions": h.Cautions}
	case p.Visit != nil:
		in.Template = care.TemplateVisit
		in.Fields = map[string]string{"visited_on": s.date(p.Day), "vitals": p.Visit.Vitals,
			"observations": p.Visit.Observations, "next_visit": later(p.Visit.NextVisit)}
	case p.Medication != nil:
		in.Template = care.TemplateMedication
		in.Fields = map[string]string{"changed_on": s.date(p.Day), "medications": p.Medication.Medications,
			"reason": p.Medication.Reason, "diagnoses": p.Medication.Diagnoses}
	}
	return in
}

// readDelay decides, from a hash, whether and how long after a post a
// member reads it; age is the post's age now. Posts of the last three days
// are unread (every member has some: the stories make sure), those of the
// last ten days read by about half, older ones by nearly everyone.
func readDelay(h uint32, age time.Duration) (time.Duration, bool) {
	const day = 24 * time.Hour
	switch {
	case age < 3*day, age < 10*day && h%2 == 0, h%20 == 0:
		return 0, false
	}
	return time.Duration(20+(h>>8)%(18*60)) * time.Minute, true
}

// workingHours moves a read outside 8:00–20:00 in Japan to the next
// morning, minutes past 8 from the hash.
func workingHours(t time.Time, h uint32) time.Time {
	j := t.In(jst)
	if j.Hour() >= 8 && j.Hour() < 20 {
		return t
	}
	day := time.Date(j.Year(), j.Month(), j.Day(), 0, 0, 0, 0, jst)
	if j.Hour() >= 20 {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(8*time.Hour + time.Duration(h%90)*time.Minute)
}

func hash(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum32()
}
