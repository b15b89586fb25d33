package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
)

func TestPostTimeline(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		c.join(t, r.ID, colleague)
		var ids []string
		for i := range 7 {
			who := owner
			if i%2 == 1 {
				who = colleague
			}
			ids = append(ids, c.post(t, who, r.ID, "記事 "+string(rune('A'+i))).ID)
		}
		other := c.newResident(t)
		c.post(t, owner, other.ID, "別の利用者")
		slices.Reverse(ids) // newest first
		var got []string
		cursor, pages := "", 0
		for {
			pg, err := c.cb.Posts(bg, c.act[owner], r.ID, cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, p := range pg.Items {
				got = append(got, p.ID)
				if p.AuthorName == "" || p.ResidentID != r.ID {
					t.Errorf("post %+v lacks the author's name or resident", p)
				}
			}
			if pg.Next == "" {
				break
			}
			if pg.Next != pg.Items[len(pg.Items)-1].ID {
				t.Fatalf("next cursor %q is not the last item", pg.Next)
			}
			cursor = pg.Next
		}
		if !slices.Equal(got, ids) || pages != 3 {
			t.Fatalf("paged %v in %d pages, want %v in 3", got, pages, ids)
		}
		pg, err := c.cb.Posts(bg, c.act[owner], r.ID, "", 0)
		if err != nil || len(pg.Items) != 7 || pg.Next != "" {
			t.Fatalf("default page: %d items, next %q, %v", len(pg.Items), pg.Next, err)
		}
		pg, _ = c.cb.Posts(bg, c.act[owner], r.ID, "", 7)
		if pg.Next != "" {
			t.Errorf("a page ending exactly at the end has next %q", pg.Next)
		}
		_, err = c.cb.Posts(bg, c.act[owner], r.ID, strings.Repeat("x", 100), 0)
		wantErr(t, err, care.EInvalid, "")
		t.Run("ErrAfterRemoval", func(t *testing.T) {
			if err := c.cb.RemoveFromTeam(bg, c.act[owner], r.ID, c.act[colleague].UserID); err != nil {
				t.Fatal(err)
			}
			_, err := c.cb.CreatePost(bg, c.act[colleague], r.ID, care.PostInput{Body: "外された後の記事"})
			wantNotFound(t, err, "resident")
			_, err = c.cb.Post(bg, c.act[colleague], ids[0])
			wantNotFound(t, err, "post")
			_, err = c.cb.AddComment(bg, c.act[colleague], ids[0], "返信")
			wantNotFound(t, err, "post")
		})
	})
}

func TestPostValidation(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		c.join(t, r.ID, colleague)
		before, _ := c.cb.Posts(bg, c.act[owner], r.ID, "", 0)
		tests := []struct {
			name   string
			in     care.PostInput
			fields []string
		}{
			{"ErrUnknownCategory", care.PostInput{Category: "gossip", Body: "x"}, []string{"category"}},
			{"ErrUnknownImportance", care.PostInput{Importance: "panic", Body: "x"}, []string{"importance"}},
			{"ErrEmptyBody", care.PostInput{Body: " \n "}, []string{"body"}},
			{"ErrOversizedBody", care.PostInput{Body: strings.Repeat("あ", care.MaxBody+1)}, []string{"body"}},
			{"ErrUnknownTemplate", care.PostInput{Template: "diary", Body: "x"}, []string{"template"}},
			{"ErrMalformedDate", care.PostInput{Template: care.TemplateHandover, Fields: map[string]string{"plan_changed": "no",
				"next_visit": "2026/12/01"}}, []string{"fields.next_visit"}},
			{"ErrImpossibleDate", care.PostInput{Template: care.TemplateHandover, Fields: map[string]string{"plan_changed": "no",
				"next_visit": "2026-02-30"}}, []string{"fields.next_visit"}},
			{"ErrFutureVisit", care.PostInput{Template: care.TemplateVisit, Fields: map[string]string{"visited_on": "2026-11-26",
				"observations": "著変なし"}}, []string{"fields.visited_on"}},
			{"ErrFutureMedicationChange", care.PostInput{Template: care.TemplateMedication, Fields: map[string]string{
				"changed_on": "2027-01-01", "medications": "アムロジピン"}}, []string{"fields.changed_on"}},
			{"ErrMissingRequired", care.PostInput{Template: care.TemplateHandover}, []string{"fields.plan_changed"}},
			{"ErrUnknownField", care.PostInput{Template: care.TemplateHandover, Fields: map[string]string{"plan_changed": "no",
				"secret": "x"}}, []string{"fields.secret"}},
			{"ErrFieldsWithoutTemplate", care.PostInput{Body: "x", Fields: map[string]string{"a": "b"}}, []string{"fields"}},
			{"ErrAddresseeNotOnTeam", care.PostInput{Body: "x", Addressees: []string{c.act[stranger].UserID}}, []string{"addressees"}},
			{"ErrAddresseeOtherTenant", care.PostInput{Body: "x", Addressees: []string{c.act[foreign].UserID}}, []string{"addressees"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.cb.CreatePost(bg, c.act[owner], r.ID, tt.in)
				wantErr(t, err, care.EInvalid, "error.invalid")
				if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
					t.Fatalf("fields %v, want %v", got, tt.fields)
				}
			})
		}
		after, _ := c.cb.Posts(bg, c.act[owner], r.ID, "", 0)
		if len(after.Items) != len(before.Items) {
			t.Fatalf("refused posts were stored: %d → %d", len(before.Items), len(after.Items))
		}
		t.Run("OKStructured", func(t *testing.T) {
			p, err := c.cb.CreatePost(bg, c.act[owner], r.ID, care.PostInput{Category: "report", Importance: "important",
				Template: care.TemplateHandover, Addressees: []string{c.act[colleague].UserID, c.act[colleague].UserID},
				Fields: map[string]string{"next_visit": "2026-12-02", "plan_changed": "yes", "plan_change": "利尿剤を追加 <b>",
					"cautions": "転倒に注意"}})
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.cb.Post(bg, c.act[colleague], p.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := d.Post
			if got.Template != care.TemplateHandover || got.Fields["plan_change"] != "利尿剤を追加 <b>" || got.Fields["next_visit"] != "2026-12-02" ||
				!slices.Equal(got.Addressees, []string{c.act[colleague].UserID}) || got.Importance != "important" {
				t.Fatalf("stored %+v", got)
			}
			page, err := c.cb.Resident(bg, c.act[owner], r.ID)
			if err != nil || page.Summary.LatestHandover == nil || page.Summary.LatestHandover.ID != p.ID {
				t.Fatalf("summary %+v %v: want the handover", page.Summary, err)
			}
		})
	})
}

func TestPostEdits(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		c.join(t, r.ID, colleague)
		created := c.clock.Now()
		p := c.post(t, owner, r.ID, "血圧 150/90")
		c.clock.Advance(time.Hour)
		t.Run("ErrNotAuthor", func(t *testing.T) {
			_, err := c.cb.UpdatePost(bg, c.act[colleague], p.ID, care.PostInput{Body: "書き換え", Version: 1})
			wantErr(t, err, care.EForbidden, "error.not_author")
			wantErr(t, c.cb.DeletePost(bg, c.act[colleague], p.ID, "不要"), care.EForbidden, "error.not_author")
		})
		edited, err := c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "血圧 150/95（訂正）", Version: 1})
		if err != nil || edited.Version != 2 || edited.Body != "血圧 150/95（訂正）" {
			t.Fatalf("edit: %+v %v", edited, err)
		}
		t.Run("ErrStale", func(t *testing.T) {
			// A second edit made against version 1 (another tab, another device).
			_, err := c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "血圧 140/90", Version: 1})
			wantErr(t, err, care.EConflict, "error.stale")
			d, err := c.cb.Post(bg, c.act[colleague], p.ID)
			if err != nil || d.Post.Body != "血圧 150/95（訂正）" || d.Post.Version != 2 || len(d.Versions) != 1 {
				t.Fatalf("the stale edit changed the post: %+v %v", d, err)
			}
		})
		t.Run("ErrInvalidEdit", func(t *testing.T) {
			_, err := c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "", Version: 2})
			wantErr(t, err, care.EInvalid, "")
		})
		c.clock.Advance(time.Hour)
		if _, err := c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "血圧 150/95（再訂正）", Importance: "urgent", Version: 2}); err != nil {
			t.Fatal(err)
		}
		t.Run("VersionsKept", func(t *testing.T) {
			d, err := c.cb.Post(bg, c.act[colleague], p.ID)
			if err != nil {
				t.Fatal(err)
			}
			v := d.Versions
			if len(v) != 2 || v[0].Version != 1 || v[0].Body != "血圧 150/90" || v[0].EditedBy != c.act[owner].UserID ||
				!v[0].EditedAt.Equal(created) || v[1].Version != 2 || v[1].Body != "血圧 150/95（訂正）" ||
				!v[1].EditedAt.Equal(created.Add(time.Hour)) || v[1].Importance != "normal" {
				t.Fatalf("versions %+v", v)
			}
			if d.Post.Version != 3 || d.Post.Importance != "urgent" || !d.Post.UpdatedAt.Equal(created.Add(2*time.Hour)) {
				t.Fatalf("current %+v", d.Post)
			}
		})
		t.Run("SoftDelete", func(t *testing.T) {
			wantErr(t, c.cb.DeletePost(bg, c.act[owner], p.ID, "  "), care.EInvalid, "")
			if err := c.cb.DeletePost(bg, c.act[owner], p.ID, "別の利用者の記事でした"); err != nil {
				t.Fatal(err)
			}
			pg, _ := c.cb.Posts(bg, c.act[colleague], r.ID, "", 0)
			if len(pg.Items) != 1 || !pg.Items[0].Deleted() || pg.Items[0].Body != "" || pg.Items[0].DeleteNote != "別の利用者の記事でした" ||
				pg.Items[0].DeletedBy != c.act[owner].UserID {
				t.Fatalf("timeline after delete: %+v", pg.Items)
			}
			d, err := c.cb.Post(bg, c.act[colleague], p.ID)
			if err != nil || d.Post.Body != "" || !d.Post.Deleted() || len(d.Versions) != 2 || d.Versions[0].Body != "" {
				t.Fatalf("deleted post shows %+v %v", d, err)
			}
			wantNotFound(t, c.cb.DeletePost(bg, c.act[owner], p.ID, "再削除"), "post")
			_, err = c.cb.UpdatePost(bg, c.act[owner], p.ID, care.PostInput{Body: "復活", Version: 4})
			wantNotFound(t, err, "post")
			_, err = c.cb.AddComment(bg, c.act[colleague], p.ID, "返信")
			wantNotFound(t, err, "post")
		})
	})
}

func TestReadReceipts(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		c.consent(t, r.ID)
		c.join(t, r.ID, colleague)
		c.join(t, r.ID, outsider)
		urgent, err := c.cb.CreatePost(bg, c.act[owner], r.ID, care.PostInput{Importance: "urgent", Body: "発熱 38.5℃"})
		if err != nil {
			t.Fatal(err)
		}
		normal := c.post(t, owner, r.ID, "本日の訪問は終了")
		mine := c.post(t, colleague, r.ID, "了解しました")
		unread := func(who string) (int, int, int) {
			t.Helper()
			list, err := c.cb.Residents(bg, c.act[who], app.ResidentFilter{})
			if err != nil || len(list) != 1 {
				t.Fatalf("%s's residents: %+v %v", who, list, err)
			}
			ps, err := c.cb.Unread(bg, c.act[who])
			if err != nil {
				t.Fatal(err)
			}
			return list[0].Unread, list[0].Urgent, len(ps)
		}
		if u, g, n := unread(colleague); u != 2 || g != 1 || n != 2 {
			t.Fatalf("colleague unread %d, urgent %d, list %d: want 2, 1, 2 (own post excluded)", u, g, n)
		}
		first := c.clock.Now()
		rr, err := c.cb.MarkRead(bg, c.act[colleague], urgent.ID)
		if err != nil || !rr.ReadAt.Equal(first) {
			t.Fatalf("mark read: %+v %v", rr, err)
		}
		c.clock.Advance(10 * time.Minute)
		rr, err = c.cb.MarkRead(bg, c.act[colleague], urgent.ID)
		if err != nil || !rr.ReadAt.Equal(first) {
			t.Fatalf("second mark read moved the first read time: %+v %v", rr, err)
		}
		if u, g, n := unread(colleague); u != 1 || g != 0 || n != 1 {
			t.Fatalf("after reading the urgent post: unread %d, urgent %d, list %d", u, g, n)
		}
		// Opening a post marks it read.
		d, err := c.cb.Post(bg, c.act[colleague], normal.ID)
		if err != nil || !d.Post.ReadByMe || d.Post.ReadCount != 1 {
			t.Fatalf("post view: %+v %v", d.Post, err)
		}
		if u, _, n := unread(colleague); u != 0 || n != 0 {
			t.Fatalf("after opening: unread %d, list %d", u, n)
		}
		if u, g, _ := unread(outsider); u != 3 || g != 1 {
			t.Fatalf("outsider unread %d urgent %d, want 3 and 1", u, g)
		}
		// The author has nothing unread and no receipt of their own.
		if _, err := c.cb.MarkRead(bg, c.act[owner], urgent.ID); err != nil {
			t.Fatal(err)
		}
		reads, notRead, err := c.cb.Reads(bg, c.act[owner], urgent.ID)
		if err != nil || len(reads) != 1 || reads[0].UserID != c.act[colleague].UserID || !reads[0].ReadAt.Equal(first) ||
			reads[0].Name != "医師 一郎" || reads[0].Profession != "doctor" {
			t.Fatalf("reads %+v %v", reads, err)
		}
		if len(notRead) != 1 || notRead[0].UserID != c.act[outsider].UserID {
			t.Fatalf("not read %+v: want the outsider only", notRead)
		}
		d, _ = c.cb.Post(bg, c.act[owner], mine.ID)
		if len(d.NotRead) != 1 || d.NotRead[0].UserID != c.act[outsider].UserID || len(d.Reads) != 1 || d.Reads[0].UserID != c.act[owner].UserID {
			t.Fatalf("colleague's post: reads %+v, not read %+v", d.Reads, d.NotRead)
		}
		// A member who lost access is neither reader nor "not yet read".
		cons, _ := c.cb.Resident(bg, c.act[owner], r.ID)
		if err := c.cb.RevokeConsent(bg, c.act[owner], r.ID, cons.Consents[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, notRead, _ := c.cb.Reads(bg, c.act[owner], urgent.ID); len(notRead) != 0 {
			t.Fatalf("not read after revocation: %+v", notRead)
		}
		if ps, _ := c.cb.Unread(bg, c.act[outsider]); len(ps) != 0 {
			t.Fatalf("outsider's unread list after revocation: %d posts", len(ps))
		}
		_, err = c.cb.MarkRead(bg, c.act[outsider], normal.ID)
		wantNotFound(t, err, "post")
	})
}

func TestSearch(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		shared := c.newResident(t)
		c.consent(t, shared.ID)
		c.join(t, shared.ID, colleague)
		c.join(t, shared.ID, outsider)
		private := c.newResident(t) // the owner's alone
		fall := c.post(t, owner, shared.ID, "夜間に転倒あり。Fall risk 高い")
		c.post(t, owner, private.ID, "転倒しました")
		wound := c.post(t, colleague, shared.ID, "皮膚の観察をお願いします")
		if _, err := c.cb.AddComment(bg, c.act[owner], wound.ID, "仙骨部に褥瘡を認めます"); err != nil {
			t.Fatal(err)
		}
		handover, err := c.cb.CreatePost(bg, c.act[owner], shared.ID, care.PostInput{Template: care.TemplateHandover, Category: "request",
			Fields: map[string]string{"plan_changed": "no", "cautions": "嚥下に注意"}})
		if err != nil {
			t.Fatal(err)
		}
		percent := c.post(t, colleague, shared.ID, "服薬達成率100%")
		c.post(t, colleague, shared.ID, "服薬達成率1000 x_y")
		gone := c.post(t, owner, shared.ID, "転倒 誤記")
		if err := c.cb.DeletePost(bg, c.act[owner], gone.ID, "誤記"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			who  string
			q    app.SearchQuery
			want []string
		}{
			{"OnlyWhatTheyMaySee", colleague, app.SearchQuery{Words: "転倒"}, []string{fall.ID}},
			{"OwnerSeesBoth", owner, app.SearchQuery{Words: "転倒"}, nil}, // filled below
			{"Comment", colleague, app.SearchQuery{Words: "褥瘡"}, []string{wound.ID}},
			{"Fields", outsider, app.SearchQuery{Words: "嚥下"}, []string{handover.ID}},
			{"CaseInsensitive", colleague, app.SearchQuery{Words: "FALL"}, []string{fall.ID}},
			{"AllWords", colleague, app.SearchQuery{Words: "転倒 risk"}, []string{fall.ID}},
			{"AllWordsNoMatch", colleague, app.SearchQuery{Words: "転倒 褥瘡"}, nil},
			{"PercentIsLiteral", colleague, app.SearchQuery{Words: "100%"}, []string{percent.ID}},
			{"UnderscoreIsLiteral", colleague, app.SearchQuery{Words: "0_"}, nil},
			{"OneBook", owner, app.SearchQuery{Words: "転倒", ResidentID: shared.ID}, []string{fall.ID}},
			{"Category", colleague, app.SearchQuery{Category: "request"}, []string{handover.ID}},
			{"Importance", colleague, app.SearchQuery{Words: "転倒", Importance: "urgent"}, nil},
			{"Author", colleague, app.SearchQuery{Words: "服薬", AuthorID: c.act[colleague].UserID, Limit: 1}, nil}, // newest of two
			{"Today", colleague, app.SearchQuery{Words: "褥瘡", From: "2026-11-25", To: "2026-11-25"}, []string{wound.ID}},
			{"Tomorrow", colleague, app.SearchQuery{Words: "褥瘡", From: "2026-11-26"}, nil},
			{"Yesterday", colleague, app.SearchQuery{Words: "褥瘡", To: "2026-11-24"}, nil},
		}
		tests[1].want = nil
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ps, err := c.cb.Search(bg, c.act[tt.who], tt.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range ps {
					got = append(got, p.ID)
				}
				switch tt.name {
				case "OwnerSeesBoth":
					if len(got) != 2 {
						t.Fatalf("owner found %d posts, want 2 (both residents)", len(got))
					}
					return
				case "Author":
					if len(got) != 1 || got[0] == percent.ID {
						t.Fatalf("got %v: want the newest of the colleague's two", got)
					}
					return
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			})
		}
		t.Run("ErrOtherBook", func(t *testing.T) {
			_, err := c.cb.Search(bg, c.act[colleague], app.SearchQuery{Words: "転倒", ResidentID: private.ID})
			wantNotFound(t, err, "resident")
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := c.cb.Search(bg, c.act[colleague], app.SearchQuery{From: "2026/11/01", To: "x", Category: "gossip"})
			wantErr(t, err, care.EInvalid, "")
			if got := fieldsOf(err); !slices.Equal(got, []string{"category", "from", "to"}) {
				t.Fatalf("fields %v", got)
			}
			_, err = c.cb.Search(bg, c.act[colleague], app.SearchQuery{From: "2026-11-25", To: "2026-11-01"})
			wantErr(t, err, care.EInvalid, "")
		})
		t.Run("RevokedConsent", func(t *testing.T) {
			page, _ := c.cb.Resident(bg, c.act[owner], shared.ID)
			if err := c.cb.RevokeConsent(bg, c.act[owner], shared.ID, page.Consents[0].ID); err != nil {
				t.Fatal(err)
			}
			if ps, err := c.cb.Search(bg, c.act[outsider], app.SearchQuery{Words: "嚥下"}); err != nil || len(ps) != 0 {
				t.Fatalf("outsider still finds %d posts (%v)", len(ps), err)
			}
			if ps, _ := c.cb.Search(bg, c.act[colleague], app.SearchQuery{Words: "嚥下"}); len(ps) != 1 {
				t.Fatalf("colleague finds %d posts, want 1", len(ps))
			}
		})
	})
}
