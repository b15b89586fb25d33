package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

func TestGroups(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		_, err := c.cb.CreateGroup(bg, c.act[owner], care.GroupInput{Name: "地域ケア会議", Members: []string{c.act[foreign].UserID}})
		wantErr(t, err, care.EInvalid, "")
		_, err = c.cb.CreateGroup(bg, c.act[owner], care.GroupInput{Name: " "})
		wantErr(t, err, care.EInvalid, "")
		g, err := c.cb.CreateGroup(bg, c.act[owner], care.GroupInput{Name: "地域ケア会議", Description: "月例",
			Members: []string{c.act[outsider].UserID, c.act[outsider].UserID}})
		if err != nil || len(g.Members) != 2 || !slices.Contains(g.Members, c.act[owner].UserID) {
			t.Fatalf("created %+v %v: want the creator and the outsider", g, err)
		}
		p, err := c.cb.CreateGroupPost(bg, c.act[outsider], g.ID, care.PostInput{Category: "notice", Body: "次回は12月3日 勉強会"})
		if err != nil || p.GroupID != g.ID || p.ResidentID != "" {
			t.Fatalf("group post %+v %v", p, err)
		}
		_, err = c.cb.CreateGroupPost(bg, c.act[outsider], g.ID, care.PostInput{Body: "x", Addressees: []string{c.act[stranger].UserID}})
		wantErr(t, err, care.EInvalid, "")
		t.Run("Members", func(t *testing.T) {
			gs, err := c.cb.Groups(bg, c.act[owner])
			if err != nil || len(gs) != 1 || gs[0].ID != g.ID || len(gs[0].Members) != 2 {
				t.Fatalf("groups %+v %v", gs, err)
			}
			got, err := c.cb.Group(bg, c.act[outsider], g.ID)
			if err != nil || got.Name != "地域ケア会議" {
				t.Fatalf("group %+v %v", got, err)
			}
			pg, err := c.cb.GroupPosts(bg, c.act[owner], g.ID, "", 0)
			if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != p.ID {
				t.Fatalf("board %+v %v", pg, err)
			}
			d, err := c.cb.Post(bg, c.act[owner], p.ID)
			if err != nil || !d.Post.ReadByMe || len(d.NotRead) != 0 {
				t.Fatalf("group post detail %+v %v", d, err)
			}
			if _, err := c.cb.AddComment(bg, c.act[owner], p.ID, "参加します"); err != nil {
				t.Fatal(err)
			}
			if ps, _ := c.cb.Search(bg, c.act[outsider], app.SearchQuery{Words: "参加"}); len(ps) != 1 || ps[0].ID != p.ID {
				t.Fatalf("search in groups found %+v", ps)
			}
			if ps, _ := c.cb.Search(bg, c.act[outsider], app.SearchQuery{Words: "勉強会", GroupID: g.ID}); len(ps) != 1 {
				t.Fatalf("search in one group found %+v", ps)
			}
		})
		t.Run("ErrNotMember", func(t *testing.T) {
			for _, who := range []string{stranger, colleague, foreign} {
				_, err := c.cb.Group(bg, c.act[who], g.ID)
				wantNotFound(t, err, "group")
				_, err = c.cb.GroupPosts(bg, c.act[who], g.ID, "", 0)
				wantNotFound(t, err, "group")
				_, err = c.cb.CreateGroupPost(bg, c.act[who], g.ID, care.PostInput{Body: "x"})
				wantNotFound(t, err, "group")
				_, err = c.cb.Post(bg, c.act[who], p.ID)
				wantNotFound(t, err, "post")
				_, err = c.cb.AddComment(bg, c.act[who], p.ID, "x")
				wantNotFound(t, err, "post")
				_, err = c.cb.UpdateGroupMembers(bg, c.act[who], g.ID, []string{c.act[who].UserID}, nil)
				wantNotFound(t, err, "group")
				_, err = c.cb.Search(bg, c.act[who], app.SearchQuery{GroupID: g.ID})
				wantNotFound(t, err, "group")
				if gs, _ := c.cb.Groups(bg, c.act[who]); len(gs) != 0 {
					t.Fatalf("%s lists %+v", who, gs)
				}
			}
		})
		t.Run("UpdateMembers", func(t *testing.T) {
			_, err := c.cb.UpdateGroupMembers(bg, c.act[owner], g.ID, []string{c.act[foreign].UserID}, nil)
			wantErr(t, err, care.EInvalid, "")
			got, err := c.cb.UpdateGroupMembers(bg, c.act[owner], g.ID, []string{c.act[stranger].UserID}, []string{c.act[outsider].UserID})
			if err != nil || len(got.Members) != 2 || !slices.Contains(got.Members, c.act[stranger].UserID) {
				t.Fatalf("members %+v %v", got, err)
			}
			if _, err := c.cb.GroupPosts(bg, c.act[stranger], g.ID, "", 0); err != nil {
				t.Fatalf("added member: %v", err)
			}
			_, err = c.cb.GroupPosts(bg, c.act[outsider], g.ID, "", 0)
			wantNotFound(t, err, "group")
			// The outsider's post stays; only the author may edit it, and
			// they can no longer reach it.
			_, err = c.cb.UpdatePost(bg, c.act[outsider], p.ID, care.PostInput{Body: "x", Version: 1})
			wantNotFound(t, err, "post")
			_, err = c.cb.UpdateGroupMembers(bg, c.act[owner], g.ID, nil, got.Members)
			wantErr(t, err, care.EInvalid, "")
			if g2, _ := c.cb.Group(bg, c.act[owner], g.ID); len(g2.Members) != 2 {
				t.Fatalf("a refused change removed members: %+v", g2)
			}
		})
	})
}

// next returns the event waiting on ch, if any: publishing is synchronous
// after the commit, so an event is there by the time the call returns.
func next(ch <-chan realtime.Event) (realtime.Event, bool) {
	select {
	case ev := <-ch:
		return ev, true
	default:
		return realtime.Event{}, false
	}
}

func TestLiveEvents(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		cons := c.consent(t, r.ID)
		c.join(t, r.ID, colleague)
		c.join(t, r.ID, outsider)
		c.invite(t, r.ID, stranger) // invited: no access yet
		subs := map[string]<-chan realtime.Event{}
		for _, who := range cast {
			ch, cancel := c.hub.Subscribe(c.act[who].TenantID, c.act[who].UserID)
			t.Cleanup(cancel)
			subs[who] = ch
		}
		// expect checks that exactly the listed cast got one event of the kind.
		expect := func(kind, postID string, to ...string) {
			t.Helper()
			for _, who := range cast {
				ev, ok := next(subs[who])
				if !slices.Contains(to, who) {
					if ok {
						t.Errorf("%s got %+v", who, ev)
					}
					continue
				}
				if !ok || ev.Kind != kind || ev.ResidentID != r.ID || postID != "" && ev.PostID != postID || ev.UserID == "" || ev.At.IsZero() {
					t.Errorf("%s got %+v (%v), want %s of %s", who, ev, ok, kind, postID)
				}
				if _, more := next(subs[who]); more {
					t.Errorf("%s got more than one event", who)
				}
			}
		}
		p := c.post(t, owner, r.ID, "定期訪問の報告")
		expect("post.created", p.ID, owner, colleague, outsider)
		if _, err := c.cb.Post(bg, c.act[colleague], p.ID); err != nil {
			t.Fatal(err)
		}
		expect("post.read", p.ID, owner, colleague, outsider)
		if _, err := c.cb.Post(bg, c.act[colleague], p.ID); err != nil { // read again: no new receipt
			t.Fatal(err)
		}
		expect("", "")
		if _, err := c.cb.AddComment(bg, c.act[outsider], p.ID, "承知しました"); err != nil {
			t.Fatal(err)
		}
		expect("comment.created", p.ID, owner, colleague, outsider)
		if _, err := c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "定期訪問の報告（追記）", Version: 1}); err != nil {
			t.Fatal(err)
		}
		expect("post.updated", p.ID, owner, colleague, outsider)
		if err := c.cb.RevokeConsent(bg, c.act[owner], r.ID, cons.ID); err != nil {
			t.Fatal(err)
		}
		expect("team.changed", "", owner, colleague, outsider) // the outsider hears that access ended
		p2 := c.post(t, colleague, r.ID, "同意撤回後の記事")
		expect("post.created", p2.ID, owner, colleague)
		if err := c.cb.DeletePost(bg, c.act[colleague], p2.ID, "重複"); err != nil {
			t.Fatal(err)
		}
		expect("post.deleted", p2.ID, owner, colleague)
		if err := c.cb.AcceptInvitation(bg, c.act[stranger], r.ID); err != nil {
			t.Fatal(err)
		}
		expect("team.changed", "", owner, colleague, stranger)
	})
}

// TestAuditTrail checks that every change and every view of a resident or
// post left its entry, naming the resident.
func TestAuditTrail(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		if _, err := c.cb.Resident(bg, c.act[owner], r.ID); err != nil {
			t.Fatal(err)
		}
		in := residentInput("佐藤 ハナ", "サトウ ハナ")
		in.Version = 1
		if _, err := c.cb.UpdateResident(bg, c.act[owner], r.ID, in); err != nil {
			t.Fatal(err)
		}
		cons := c.consent(t, r.ID)
		c.join(t, r.ID, colleague)
		c.join(t, r.ID, outsider)
		c.invite(t, r.ID, stranger)
		if err := c.cb.DeclineInvitation(bg, c.act[stranger], r.ID); err != nil {
			t.Fatal(err)
		}
		p := c.post(t, owner, r.ID, "記録")
		if _, err := c.cb.Post(bg, c.act[colleague], p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "記録（訂正）", Version: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.cb.AddComment(bg, c.act[colleague], p.ID, "確認"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.cb.MarkRead(bg, c.act[outsider], p.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.cb.DeletePost(bg, c.act[owner], p.ID, "誤投稿"); err != nil {
			t.Fatal(err)
		}
		if err := c.cb.LeaveTeam(bg, c.act[outsider], r.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.cb.RemoveFromTeam(bg, c.act[owner], r.ID, c.act[colleague].UserID); err != nil {
			t.Fatal(err)
		}
		if err := c.cb.RevokeConsent(bg, c.act[owner], r.ID, cons.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.cb.EndResident(bg, c.act[owner], r.ID, care.EndInput{Date: "2026-11-25", Reason: "end_of_care"}); err != nil {
			t.Fatal(err)
		}
		g, err := c.cb.CreateGroup(bg, c.act[owner], care.GroupInput{Name: "研修"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.cb.Group(bg, c.act[owner], g.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.cb.UpdateGroupMembers(bg, c.act[owner], g.ID, []string{c.act[stranger].UserID}, nil); err != nil {
			t.Fatal(err)
		}
		// A refused change leaves no entry.
		if _, err := c.cb.CreatePost(bg, c.act[owner], r.ID, care.PostInput{Body: "終了後"}); err == nil {
			t.Fatal("posted to an ended resident")
		}
		tests := []struct {
			action     audit.Action
			n          int
			who        string
			target     string
			onResident bool
		}{
			{audit.ResidentCreate, 1, owner, r.ID, true},
			{audit.ResidentView, 1, owner, r.ID, true},
			{audit.ResidentUpdate, 1, owner, r.ID, true},
			{audit.ResidentEnd, 1, owner, r.ID, true},
			{audit.ConsentCreate, 1, owner, cons.ID, true},
			{audit.ConsentRevoke, 1, owner, cons.ID, true},
			{audit.TeamInvite, 3, owner, "", true},
			{audit.TeamAccept, 2, "", "", true},
			{audit.TeamDecline, 1, stranger, c.act[stranger].UserID, true},
			{audit.TeamLeave, 1, outsider, c.act[outsider].UserID, true},
			{audit.TeamRemove, 1, owner, c.act[colleague].UserID, true},
			{audit.PostCreate, 1, owner, p.ID, true},
			{audit.PostView, 1, colleague, p.ID, true},
			{audit.PostRead, 2, "", p.ID, true},
			{audit.PostUpdate, 1, owner, p.ID, true},
			{audit.PostDelete, 1, owner, p.ID, true},
			{audit.CommentCreate, 1, colleague, "", true},
			{audit.GroupCreate, 1, owner, g.ID, false},
			{audit.GroupView, 1, owner, g.ID, false},
			{audit.GroupUpdate, 1, owner, g.ID, false},
		}
		for _, tt := range tests {
			t.Run(string(tt.action), func(t *testing.T) {
				es, err := c.cb.Audit(bg, c.admin["alpha"], app.AuditFilter{Action: string(tt.action)})
				if err != nil {
					t.Fatal(err)
				}
				if len(es) != tt.n {
					t.Fatalf("%d entries, want %d: %+v", len(es), tt.n, es)
				}
				for _, e := range es {
					if tt.who != "" && e.ActorID != c.act[tt.who].UserID || tt.target != "" && e.TargetID != tt.target ||
						tt.onResident != (e.ResidentID == r.ID) || e.IP != userO.IP || e.Result != audit.OK {
						t.Errorf("entry %+v", e)
					}
				}
			})
		}
		if es, _ := c.cb.Audit(bg, c.admin["beta"], app.AuditFilter{Target: r.ID}); len(es) != 0 {
			t.Errorf("beta's log names alpha's resident: %+v", es)
		}
	})
}

func TestPurgeEndedResidents(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		now := c.clock.Now()
		at := func(ti time.Time) { c.clock.Advance(ti.Sub(c.clock.Now())) }
		jstDate := func() string { return c.clock.Now().Add(9 * time.Hour).Format("2006-01-02") }
		fiveYears := now.AddDate(-5, 0, 0)
		mk := func(endedAt time.Time) care.Resident {
			t.Helper()
			at(endedAt.Add(-24 * time.Hour))
			r := c.newResident(t)
			if _, err := c.cb.AddConsent(bg, c.act[owner], r.ID, care.ConsentInput{Method: "oral", ObtainedAt: jstDate(), ObtainedBy: "看護 花子"}); err != nil {
				t.Fatal(err)
			}
			c.join(t, r.ID, outsider)
			p := c.post(t, owner, r.ID, "記録")
			if _, err := c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "記録（訂正）", Version: 1, Addressees: []string{c.act[outsider].UserID}}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.cb.AddComment(bg, c.act[outsider], p.ID, "了解"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.cb.Post(bg, c.act[outsider], p.ID); err != nil {
				t.Fatal(err)
			}
			at(endedAt)
			if err := c.cb.EndResident(bg, c.act[owner], r.ID, care.EndInput{Date: jstDate(), Reason: "death"}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		old := mk(fiveYears.Add(-24 * time.Hour))
		recent := mk(fiveYears.Add(24 * time.Hour))
		at(now)
		current := c.newResident(t)
		tenant := c.act[owner].TenantID
		n, err := c.cb.PurgeEndedResidents(bg, tenant, now)
		if err != nil || n != 1 {
			t.Fatalf("purged %d (%v), want 1", n, err)
		}
		_, err = c.cb.Resident(bg, c.act[owner], old.ID)
		wantNotFound(t, err, "resident")
		for _, r := range []care.Resident{recent, current} {
			if _, err := c.cb.Resident(bg, c.act[owner], r.ID); err != nil {
				t.Fatalf("kept resident: %v", err)
			}
		}
		err = c.db.ReadTenant(bg, tenant, func(tx *store.Tx) error {
			cons, err := tx.Consents(bg, old.ID)
			if err != nil || len(cons) != 0 {
				t.Errorf("consents left: %+v %v", cons, err)
			}
			ps, err := tx.Posts(bg, store.PostFilter{ResidentID: old.ID, Limit: 10}, "")
			if err != nil || len(ps) != 0 {
				t.Errorf("posts left: %+v %v", ps, err)
			}
			team, err := tx.Team(bg, old.ID)
			if err != nil || len(team) != 0 {
				t.Errorf("team left: %+v %v", team, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		es, _ := c.cb.Audit(bg, c.admin["alpha"], app.AuditFilter{Action: string(audit.ResidentPurge)})
		if len(es) != 1 || es[0].ResidentID != old.ID || es[0].ActorLogin != "system" ||
			!strings.Contains(es[0].Detail, "posts 1, versions 1, addressees 1, comments 1, receipts 1, consents 1, team 2") {
			t.Fatalf("purge audit %+v", es)
		}
		// The earlier views of the purged resident stay in the log.
		if es, _ := c.cb.Audit(bg, c.admin["alpha"], app.AuditFilter{Target: old.ID, Action: string(audit.ResidentCreate)}); len(es) != 1 {
			t.Fatalf("the purged resident's history: %+v", es)
		}
		if n, err := c.cb.PurgeEndedResidents(bg, tenant, now); n != 0 || err != nil {
			t.Fatalf("second run purged %d (%v)", n, err)
		}
		if n, err := c.cb.PurgeEndedResidents(bg, tenant, now.AddDate(0, 0, 2)); n != 1 || err != nil {
			t.Fatalf("two days later purged %d (%v), want the other one", n, err)
		}
	})
}
