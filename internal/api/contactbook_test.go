package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// book is the contact-book scene of tenant alpha: two facilities, a care
// team built through the API, and a beta member for the other tenant.
type book struct {
	*fixture
	other care.Facility // alpha's second facility
	// Members of alpha: nurse1 (fixture) and nurse2 in the first facility,
	// doctor2 and cm in the other, outsider in the first but on no team.
	nurse2, doctor2, cm, outsider care.User

	nurse, nurseB, doctor, cmC, outsiderC, beta *client

	resident, consent, post, group string
	// Beta's own resident, post and group, for the cross-tenant checks.
	betaResident, betaPost, betaGroup string
}

func TestContactBook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBook(t, db)
		t.Run("Residents", b.testResidents)
		t.Run("ResidentBadInput", b.testResidentBadInput)
		t.Run("ResidentPatch", b.testResidentPatch)
		t.Run("Team", b.testTeam)
		t.Run("Posts", b.testPosts)
		t.Run("PostBadInput", b.testPostBadInput)
		t.Run("Reads", b.testReads)
		t.Run("Comments", b.testComments)
		t.Run("PostEdit", b.testPostEdit)
		t.Run("Paging", b.testPaging)
		t.Run("Search", b.testSearch)
		t.Run("Groups", b.testGroups)
		t.Run("Events", b.testEvents)
		t.Run("OtherTenant", b.testOtherTenant)
		t.Run("Register", b.testRegister)
		t.Run("Removal", b.testRemoval)
		t.Run("PostDelete", b.testPostDelete)
		t.Run("Revoke", b.testRevoke)
		t.Run("End", b.testEnd)
	})
}

func newBook(t *testing.T, db *store.DB) *book {
	t.Helper()
	f := newFixture(t, db)
	ctx := context.Background()
	cli := care.Origin{IP: "127.0.0.1", UserAgent: "api_test", Listener: care.AdminListener}
	adm, err := f.app.TenantAdminActor(ctx, "alpha", "admin", cli)
	if err != nil {
		t.Fatal(err)
	}
	b := &book{fixture: f}
	if b.other, err = f.app.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: "みどり診療所"}); err != nil {
		t.Fatal(err)
	}
	user := func(login string, prof care.Profession, facility string) care.User {
		u, err := f.app.CreateUser(ctx, adm, care.UserInput{LoginID: login, Name: login + " 次郎", Kana: "ジロウ",
			Profession: prof, Email: login + "@example.jp", Role: care.RoleMember, Facilities: []string{facility},
			Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	b.nurse2 = user("nurse2", "nurse", f.alpha.Facility.ID)
	b.doctor2 = user("doctor2", "doctor", b.other.ID)
	b.cm = user("cm1", "care_manager", b.other.ID)
	b.outsider = user("outsider", "pharmacist", f.alpha.Facility.ID)
	uc := f.userClient()
	b.nurse, b.nurseB = uc.login("alpha", "nurse1"), uc.login("alpha", "nurse2")
	b.doctor, b.cmC = uc.login("alpha", "doctor2"), uc.login("alpha", "cm1")
	b.outsiderC, b.beta = uc.login("alpha", "outsider"), uc.login("beta", "doctor1")

	// Beta's own contact book and group.
	r := b.beta.do("POST", "/api/v1/residents", residentBody("ベータ 花子", "ベータ ハナコ"))
	want(t, r, 201)
	b.betaResident = r.json(t)["id"].(string)
	r = b.beta.do("POST", "/api/v1/residents/"+b.betaResident+"/posts", map[string]any{"body": "ベータの連絡"})
	want(t, r, 201)
	b.betaPost = r.json(t)["id"].(string)
	r = b.beta.do("POST", "/api/v1/groups", map[string]any{"name": "ベータ会議"})
	want(t, r, 201)
	b.betaGroup = r.json(t)["id"].(string)
	return b
}

func residentBody(name, kana string) map[string]any {
	return map[string]any{"name": name, "kana": kana, "birth_date": "1938-04-01", "sex": "female",
		"address": "青葉区1-2-3", "phone": "03-1234-5678", "care_level": "care2", "key_person": "長男 一郎",
		"notes": "独居"}
}

// wantFields fails unless r is a problem with the status naming exactly
// the fields, each at least once.
func wantFields(t *testing.T, r response, status int, fields ...string) map[string]any {
	t.Helper()
	want(t, r, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	p := r.json(t)
	var got []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if f := e.(map[string]any)["field"].(string); !slices.Contains(got, f) {
			got = append(got, f)
		}
	}
	slices.Sort(got)
	slices.Sort(fields)
	if !slices.Equal(got, fields) {
		t.Errorf("problem fields %v, want %v: %s", got, fields, r.body)
	}
	return p
}

// ids returns the members' named member of each item of a list.
func ids(t *testing.T, r response, member string) []string {
	t.Helper()
	var out []string
	items, ok := r.json(t)["items"].([]any)
	if !ok {
		t.Fatalf("not a list: %s", r.body)
	}
	for _, it := range items {
		out = append(out, it.(map[string]any)[member].(string))
	}
	return out
}

func (b *book) testResidents(t *testing.T) {
	r := b.nurse.do("POST", "/api/v1/residents", residentBody(" 青葉 花子 ", "アオバ ハナコ"))
	want(t, r, 201)
	m := r.json(t)
	b.resident, _ = m["id"].(string)
	if b.resident == "" || m["name"] != "青葉 花子" || m["birth_date"] != "1938-04-01" || m["care_level"] != "care2" ||
		m["facility_id"] != b.alpha.Facility.ID || m["consent_active"] != false || m["ended_at"] != nil ||
		r.header.Get("Location") != "/api/v1/residents/"+b.resident {
		t.Errorf("created %s", r.body)
	}
	if v, _ := m["version"].(float64); v < 1 {
		t.Errorf("version %v", m["version"])
	}
	t.Run("List", func(t *testing.T) {
		r := b.nurse.do("GET", "/api/v1/residents", nil)
		want(t, r, 200)
		if got := ids(t, r, "id"); !slices.Contains(got, b.resident) {
			t.Errorf("list %s lacks the resident", r.body)
		}
		it := r.json(t)["items"].([]any)[0].(map[string]any)
		if it["unread"] != float64(0) || it["urgent"] != float64(0) || it["team_size"] != float64(1) {
			t.Errorf("counts %v", it)
		}
		for q, n := range map[string]int{"アオバ": 1, "花子": 1, "ミドリ": 0} {
			r := b.nurse.do("GET", "/api/v1/residents?q="+url.QueryEscape(q), nil)
			if got := ids(t, r, "id"); len(got) != n {
				t.Errorf("q=%s: %s", q, r.body)
			}
		}
		r = b.nurse.do("GET", "/api/v1/residents?care_level=care5", nil)
		if got := ids(t, r, "id"); len(got) != 0 {
			t.Errorf("care_level=care5: %s", r.body)
		}
		r = b.nurse.do("GET", "/api/v1/residents?facility="+b.alpha.Facility.ID+"&care_level=care2", nil)
		if got := ids(t, r, "id"); len(got) != 1 {
			t.Errorf("facility filter: %s", r.body)
		}
		wantFields(t, b.nurse.do("GET", "/api/v1/residents?care_level=care9&ended=maybe", nil), 422, "care_level", "ended")
	})
	t.Run("NotOnTeam", func(t *testing.T) {
		// A colleague of the same facility who is not on the team sees
		// neither the resident nor that it exists.
		if got := ids(t, b.outsiderC.do("GET", "/api/v1/residents", nil), "id"); len(got) != 0 {
			t.Errorf("outsider lists %v", got)
		}
		other := b.outsiderC.do("GET", "/api/v1/residents/"+b.resident, nil)
		missing := b.outsiderC.do("GET", "/api/v1/residents/nonexistent", nil)
		wantProblem(t, other, 404)
		if !bytes.Equal(other.body, missing.body) {
			t.Errorf("not on the team %s differs from missing %s", other.body, missing.body)
		}
	})
	t.Run("Get", func(t *testing.T) {
		r := b.nurse.do("GET", "/api/v1/residents/"+b.resident, nil)
		want(t, r, 200)
		m := r.json(t)
		team, _ := m["team"].([]any)
		if m["id"] != b.resident || m["my_status"] != "active" || len(team) != 1 || len(m["consents"].([]any)) != 0 {
			t.Fatalf("resident page %s", r.body)
		}
		mem := team[0].(map[string]any)
		if mem["user_id"] != b.fixture.nurse.ID || mem["status"] != "active" || mem["profession"] != "nurse" ||
			mem["name"] != "nurse1 一郎" {
			t.Errorf("team member %v", mem)
		}
		if _, ok := m["summary"].(map[string]any); !ok {
			t.Errorf("no summary: %s", r.body)
		}
	})
}

func (b *book) testResidentBadInput(t *testing.T) {
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"ErrEmpty", ``, 422, nil},
		{"ErrEmptyObject", `{}`, 422, []string{"name", "kana", "birth_date"}},
		{"ErrFutureBirth", map[string]any{"name": "未来 太郎", "kana": "ミライ", "birth_date": "2999-01-01"}, 422, []string{"birth_date"}},
		{"ErrMalformedDate", map[string]any{"name": "日付 太郎", "kana": "ヒヅケ", "birth_date": "1938/04/01"}, 422, []string{"birth_date"}},
		{"ErrChoices", map[string]any{"name": "選択 太郎", "kana": "センタク", "birth_date": "1938-04-01", "sex": "x", "care_level": "care9"}, 422, []string{"sex", "care_level"}},
		{"ErrUnknownMember", `{"name":"A","kana":"ア","birth_date":"1938-04-01","blood":"A"}`, 422, []string{"blood"}},
		{"ErrWrongType", `{"name":"A","kana":"ア","birth_date":"1938-04-01","child":"yes"}`, 422, []string{"child"}},
		{"ErrTooLarge", map[string]any{"name": "A", "kana": "ア", "birth_date": "1938-04-01", "notes": strings.Repeat("あ", maxBody)}, 413, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFields(t, b.nurse.do("POST", "/api/v1/residents", tt.body), tt.status, tt.fields...)
		})
	}
	t.Run("ErrNotJSON", func(t *testing.T) {
		r := b.nurse.do("POST", "/api/v1/residents", `{}`, "Content-Type", "text/plain")
		wantProblem(t, r, http.StatusUnsupportedMediaType)
	})
	t.Run("Unchanged", func(t *testing.T) {
		if got := ids(t, b.nurse.do("GET", "/api/v1/residents", nil), "id"); len(got) != 1 {
			t.Errorf("refused registrations left residents: %v", got)
		}
	})
}

func (b *book) residentVersion(t *testing.T, c *client) float64 {
	t.Helper()
	r := c.do("GET", "/api/v1/residents/"+b.resident, nil)
	want(t, r, 200)
	return r.json(t)["version"].(float64)
}

func (b *book) testResidentPatch(t *testing.T) {
	v := b.residentVersion(t, b.nurse)
	t.Run("ErrNoVersion", func(t *testing.T) {
		wantFields(t, b.nurse.do("PATCH", "/api/v1/residents/"+b.resident, map[string]any{"notes": "x"}), 422, "version")
	})
	t.Run("OK", func(t *testing.T) {
		r := b.nurse.do("PATCH", "/api/v1/residents/"+b.resident, map[string]any{"version": v, "care_level": "care3",
			"notes": "独居。長男が週末に訪問"})
		want(t, r, 200)
		m := r.json(t)
		if m["care_level"] != "care3" || m["notes"] != "独居。長男が週末に訪問" || m["name"] != "青葉 花子" ||
			m["version"] != v+1 {
			t.Errorf("patched %s", r.body)
		}
	})
	t.Run("ErrStale", func(t *testing.T) {
		r := b.nurse.do("PATCH", "/api/v1/residents/"+b.resident, map[string]any{"version": v, "notes": "古い版から"})
		if p := wantProblem(t, r, 409, "version"); p["code"] != "conflict" {
			t.Errorf("code %v", p["code"])
		}
		if got := b.nurse.do("GET", "/api/v1/residents/"+b.resident, nil).json(t); got["notes"] != "独居。長男が週末に訪問" ||
			got["version"] != v+1 {
			t.Errorf("a stale PATCH changed the resident: %v", got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantFields(t, b.nurse.do("PATCH", "/api/v1/residents/"+b.resident,
			map[string]any{"version": v + 1, "birth_date": "2999-12-31", "facility_id": "x"}), 422, "facility_id")
		wantFields(t, b.nurse.do("PATCH", "/api/v1/residents/"+b.resident,
			map[string]any{"version": v + 1, "birth_date": "2999-12-31"}), 422, "birth_date")
	})
}

func (b *book) testTeam(t *testing.T) {
	base := "/api/v1/residents/" + b.resident
	t.Run("ErrNoConsent", func(t *testing.T) {
		// Without consent only the owning facility's staff may join.
		p := wantProblem(t, b.nurse.do("POST", base+"/team", map[string]string{"user_id": b.doctor2.ID}), 409, "user_id")
		if p["code"] != "conflict" {
			t.Errorf("code %v", p["code"])
		}
	})
	t.Run("InviteSameFacility", func(t *testing.T) {
		r := b.nurse.do("POST", base+"/team", map[string]string{"user_id": b.nurse2.ID})
		want(t, r, 201)
		if m := r.json(t); m["user_id"] != b.nurse2.ID || m["status"] != "invited" || m["joined_at"] != nil {
			t.Errorf("invited %s", r.body)
		}
		wantProblem(t, b.nurse.do("POST", base+"/team", map[string]string{"user_id": b.nurse2.ID}), 409, "user_id")
	})
	t.Run("ErrInvite", func(t *testing.T) {
		wantFields(t, b.nurse.do("POST", base+"/team", map[string]string{}), 422, "user_id")
		other := b.nurse.do("POST", base+"/team", map[string]string{"user_id": b.fixture.doctor.ID})
		missing := b.nurse.do("POST", base+"/team", map[string]string{"user_id": "nonexistent"})
		wantProblem(t, other, 404)
		if !bytes.Equal(other.body, missing.body) {
			t.Errorf("another tenant's user %s differs from a missing one %s", other.body, missing.body)
		}
	})
	t.Run("Consent", func(t *testing.T) {
		wantFields(t, b.nurse.do("POST", base+"/consents", map[string]any{"method": "telepathy",
			"obtained_at": "2999-01-01", "obtained_by": ""}), 422, "method", "obtained_at", "obtained_by")
		r := b.nurse.do("POST", base+"/consents", map[string]any{"method": "written", "obtained_at": "2025-04-01",
			"obtained_by": "nurse1 一郎", "scope": "連携チーム内での情報共有"})
		want(t, r, 201)
		m := r.json(t)
		b.consent, _ = m["id"].(string)
		if b.consent == "" || m["method"] != "written" || m["obtained_at"] != "2025-04-01" || m["revoked_at"] != nil {
			t.Errorf("consent %s", r.body)
		}
		wantProblem(t, b.nurse.do("POST", base+"/consents", map[string]any{"method": "oral",
			"obtained_at": "2025-04-02", "obtained_by": "nurse1 一郎"}), 409)
		if m := b.nurse.do("GET", base, nil).json(t); m["consent_active"] != true || len(m["consents"].([]any)) != 1 {
			t.Errorf("resident after consent: %v", m)
		}
	})
	t.Run("InviteOtherFacility", func(t *testing.T) {
		for _, u := range []care.User{b.doctor2, b.cm} {
			want(t, b.nurse.do("POST", base+"/team", map[string]string{"user_id": u.ID}), 201)
		}
		// An invitee sees the invitation, not the resident.
		r := b.doctor.do("GET", "/api/v1/invitations", nil)
		want(t, r, 200)
		if got := ids(t, r, "resident_id"); !slices.Equal(got, []string{b.resident}) {
			t.Errorf("invitations %s", r.body)
		}
		wantProblem(t, b.doctor.do("GET", base, nil), 404)
		wantProblem(t, b.doctor.do("GET", base+"/posts", nil), 404)
	})
	t.Run("Accept", func(t *testing.T) {
		for _, c := range []*client{b.doctor, b.cmC} {
			want(t, c.do("POST", base+"/team/accept", nil), 204)
			want(t, c.do("GET", base, nil), 200)
		}
		if got := ids(t, b.doctor.do("GET", "/api/v1/invitations", nil), "resident_id"); len(got) != 0 {
			t.Errorf("invitation still open after accepting: %v", got)
		}
		// Nobody invited the outsider.
		wantProblem(t, b.outsiderC.do("POST", base+"/team/accept", nil), 404)
	})
	t.Run("Decline", func(t *testing.T) {
		want(t, b.nurseB.do("POST", base+"/team/decline", nil), 204)
		wantProblem(t, b.nurseB.do("GET", base, nil), 404)
		r := b.nurse.do("GET", base+"/team", nil)
		want(t, r, 200)
		status := map[string]string{}
		for _, it := range r.json(t)["items"].([]any) {
			m := it.(map[string]any)
			status[m["user_id"].(string)] = m["status"].(string)
		}
		if status[b.fixture.nurse.ID] != "active" || status[b.doctor2.ID] != "active" || status[b.cm.ID] != "active" ||
			status[b.nurse2.ID] != "declined" {
			t.Errorf("team %v", status)
		}
		// Invited again, nurse2 joins after all.
		want(t, b.nurse.do("POST", base+"/team", map[string]string{"user_id": b.nurse2.ID}), 201)
		want(t, b.nurseB.do("POST", base+"/team/accept", nil), 204)
	})
}

func (b *book) testPosts(t *testing.T) {
	base := "/api/v1/residents/" + b.resident + "/posts"
	r := b.nurse.do("POST", base, map[string]any{"category": "report", "importance": "urgent",
		"body": "本日 38.2℃ の発熱あり。 https://example.jp/guide 参照", "addressees": []string{b.doctor2.ID}})
	want(t, r, 201)
	m := r.json(t)
	b.post, _ = m["id"].(string)
	if b.post == "" || m["category"] != "report" || m["importance"] != "urgent" || m["author"] != b.fixture.nurse.ID ||
		m["resident_id"] != b.resident || m["group_id"] != nil || m["deleted"] != false || m["version"] != float64(1) ||
		r.header.Get("Location") != "/api/v1/posts/"+b.post {
		t.Errorf("posted %s", r.body)
	}
	if a, _ := m["addressees"].([]any); len(a) != 1 || a[0] != b.doctor2.ID {
		t.Errorf("addressees %v", m["addressees"])
	}
	t.Run("Handover", func(t *testing.T) {
		r := b.doctor.do("POST", base, map[string]any{"category": "notice", "template": "handover",
			"body": "退院後の引き継ぎ", "fields": map[string]string{"next_visit": "2025-05-01", "plan_changed": "yes",
				"plan_change": "利尿薬を追加", "cautions": "転倒注意"}})
		want(t, r, 201)
		m := r.json(t)
		f, _ := m["fields"].(map[string]any)
		if m["template"] != "handover" || f["plan_changed"] != "yes" || f["cautions"] != "転倒注意" {
			t.Errorf("handover %s", r.body)
		}
		s := b.nurse.do("GET", "/api/v1/residents/"+b.resident, nil).json(t)["summary"].(map[string]any)
		if h, _ := s["latest_handover"].(map[string]any); h["id"] != m["id"] {
			t.Errorf("summary's latest handover %v, want %v", s["latest_handover"], m["id"])
		}
	})
	t.Run("List", func(t *testing.T) {
		r := b.doctor.do("GET", base, nil)
		want(t, r, 200)
		got := ids(t, r, "id")
		if len(got) != 2 || got[1] != b.post || r.json(t)["next"] != nil {
			t.Errorf("timeline %s", r.body)
		}
	})
}

func (b *book) testPostBadInput(t *testing.T) {
	base := "/api/v1/residents/" + b.resident + "/posts"
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"ErrEmpty", ``, 422, nil},
		{"ErrEmptyBody", map[string]any{"body": "  "}, 422, []string{"body"}},
		{"ErrUnknownCategory", map[string]any{"category": "gossip", "body": "x"}, 422, []string{"category"}},
		{"ErrImportance", map[string]any{"importance": "panic", "body": "x"}, 422, []string{"importance"}},
		{"ErrTemplate", map[string]any{"template": "poem", "body": "x"}, 422, []string{"template"}},
		{"ErrFields", map[string]any{"template": "handover", "fields": map[string]string{"next_visit": "5月1日",
			"mood": "good"}}, 422, []string{"fields.next_visit", "fields.plan_changed", "fields.mood"}},
		{"ErrTooLong", map[string]any{"body": strings.Repeat("a", care.MaxBody+1)}, 422, []string{"body"}},
		{"ErrTooLarge", map[string]any{"body": strings.Repeat("あ", maxBody)}, 413, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFields(t, b.nurse.do("POST", base, tt.body), tt.status, tt.fields...)
		})
	}
	t.Run("ErrAddressee", func(t *testing.T) {
		// Addressees must be on the team: the outsider is not.
		r := b.nurse.do("POST", base, map[string]any{"body": "x", "addressees": []string{b.outsider.ID}})
		wantFields(t, r, 422, "addressees")
	})
	t.Run("ErrNotOnTeam", func(t *testing.T) {
		wantProblem(t, b.outsiderC.do("POST", base, map[string]any{"body": "x"}), 404)
	})
	t.Run("Unchanged", func(t *testing.T) {
		if got := ids(t, b.nurse.do("GET", base, nil), "id"); len(got) != 2 {
			t.Errorf("refused posts were stored: %d posts", len(got))
		}
	})
}

func (b *book) testReads(t *testing.T) {
	t.Run("Unread", func(t *testing.T) {
		r := b.doctor.do("GET", "/api/v1/unread", nil)
		want(t, r, 200)
		if got := ids(t, r, "id"); !slices.Contains(got, b.post) {
			t.Errorf("unread %s lacks the post", r.body)
		}
		r = b.doctor.do("GET", "/api/v1/residents", nil)
		it := r.json(t)["items"].([]any)[0].(map[string]any)
		if it["unread"].(float64) < 1 || it["urgent"] != float64(1) {
			t.Errorf("doctor's counts %v", it)
		}
	})
	t.Run("View", func(t *testing.T) {
		r := b.doctor.do("GET", "/api/v1/posts/"+b.post, nil)
		want(t, r, 200)
		m := r.json(t)
		if m["id"] != b.post || m["body"] == "" {
			t.Errorf("post %s", r.body)
		}
		reads := m["reads"].(map[string]any)
		if !hasUser(reads["read"], b.doctor2.ID) || hasUser(reads["not_read"], b.doctor2.ID) {
			t.Errorf("viewing did not mark it read: %v", reads)
		}
		if got := ids(t, b.doctor.do("GET", "/api/v1/unread", nil), "id"); slices.Contains(got, b.post) {
			t.Errorf("still unread after viewing: %v", got)
		}
	})
	t.Run("MarkRead", func(t *testing.T) {
		r1 := b.cmC.do("POST", "/api/v1/posts/"+b.post+"/read", nil)
		want(t, r1, 200)
		m := r1.json(t)
		if m["post_id"] != b.post || m["user_id"] != b.cm.ID || m["read_at"] == nil {
			t.Errorf("receipt %s", r1.body)
		}
		time.Sleep(10 * time.Millisecond)
		r2 := b.cmC.do("POST", "/api/v1/posts/"+b.post+"/read", nil)
		want(t, r2, 200)
		if r2.json(t)["read_at"] != m["read_at"] {
			t.Errorf("second read changed the first read time: %s then %s", r1.body, r2.body)
		}
	})
	t.Run("Reads", func(t *testing.T) {
		r := b.nurse.do("GET", "/api/v1/posts/"+b.post+"/reads", nil)
		want(t, r, 200)
		m := r.json(t)
		if !hasUser(m["read"], b.doctor2.ID) || !hasUser(m["read"], b.cm.ID) || !hasUser(m["not_read"], b.nurse2.ID) ||
			hasUser(m["not_read"], b.cm.ID) {
			t.Errorf("reads %s", r.body)
		}
		for _, it := range m["read"].([]any) {
			if at, _ := it.(map[string]any)["read_at"].(string); !strings.HasSuffix(at, "Z") {
				t.Errorf("read_at %q is not UTC", at)
			}
		}
	})
	t.Run("ErrNotOnTeam", func(t *testing.T) {
		for _, r := range []response{
			b.outsiderC.do("GET", "/api/v1/posts/"+b.post, nil),
			b.outsiderC.do("POST", "/api/v1/posts/"+b.post+"/read", nil),
			b.outsiderC.do("GET", "/api/v1/posts/"+b.post+"/reads", nil),
		} {
			wantProblem(t, r, 404)
		}
	})
}

// hasUser reports whether a list of {user_id…} objects names id.
func hasUser(list any, id string) bool {
	items, _ := list.([]any)
	for _, it := range items {
		if it.(map[string]any)["user_id"] == id {
			return true
		}
	}
	return false
}

func (b *book) testComments(t *testing.T) {
	path := "/api/v1/posts/" + b.post + "/comments"
	r := b.doctor.do("POST", path, map[string]string{"body": "解熱剤を処方します。明日再診"})
	want(t, r, 201)
	m := r.json(t)
	if m["post_id"] != b.post || m["author"] != b.doctor2.ID || m["body"] != "解熱剤を処方します。明日再診" {
		t.Errorf("comment %s", r.body)
	}
	wantFields(t, b.doctor.do("POST", path, map[string]string{"body": " "}), 422, "body")
	wantFields(t, b.doctor.do("POST", path, ``), 422)
	wantProblem(t, b.outsiderC.do("POST", path, map[string]string{"body": "x"}), 404)
	d := b.nurse.do("GET", "/api/v1/posts/"+b.post, nil).json(t)
	if cs := d["comments"].([]any); len(cs) != 1 || d["comment_count"] != float64(1) {
		t.Errorf("post after comment: %v", d)
	}
}

func (b *book) testPostEdit(t *testing.T) {
	path := "/api/v1/posts/" + b.post
	t.Run("ErrNotAuthor", func(t *testing.T) {
		p := wantProblem(t, b.doctor.do("PATCH", path, map[string]any{"version": 1, "body": "書き換え"}), 403)
		if p["code"] != "forbidden" {
			t.Errorf("code %v", p["code"])
		}
	})
	t.Run("ErrNoVersion", func(t *testing.T) {
		wantFields(t, b.nurse.do("PATCH", path, map[string]any{"body": "版なし"}), 422, "version")
		wantFields(t, b.nurse.do("PATCH", path, map[string]any{"version": 1, "template": "visit"}), 422, "template")
	})
	t.Run("OK", func(t *testing.T) {
		r := b.nurse.do("PATCH", path, map[string]any{"version": 1, "body": "本日 38.2℃ の発熱あり(訂正: 夕方 37.5℃)"})
		want(t, r, 200)
		m := r.json(t)
		if m["version"] != float64(2) || m["category"] != "report" || m["importance"] != "urgent" ||
			!strings.Contains(m["body"].(string), "訂正") {
			t.Errorf("edited %s", r.body)
		}
	})
	t.Run("ErrStale", func(t *testing.T) {
		p := wantProblem(t, b.nurse.do("PATCH", path, map[string]any{"version": 1, "body": "古い版からの編集"}), 409, "version")
		if p["code"] != "conflict" {
			t.Errorf("code %v", p["code"])
		}
	})
	t.Run("Versions", func(t *testing.T) {
		d := b.nurse.do("GET", path, nil).json(t)
		vs := d["versions"].([]any)
		if len(vs) != 1 || d["version"] != float64(2) || strings.Contains(d["body"].(string), "古い版") {
			t.Fatalf("post after edits: %v", d)
		}
		v := vs[0].(map[string]any)
		if v["version"] != float64(1) || strings.Contains(v["body"].(string), "訂正") || v["edited_by"] == "" {
			t.Errorf("prior version %v", v)
		}
	})
}

func (b *book) testPaging(t *testing.T) {
	base := "/api/v1/residents/" + b.resident + "/posts"
	for i := range 5 {
		want(t, b.cmC.do("POST", base, map[string]any{"body": "定期報告 " + string(rune('A'+i))}), 201)
	}
	var all []string
	next := ""
	for page := 0; ; page++ {
		path := base + "?limit=3"
		if next != "" {
			path += "&before=" + url.QueryEscape(next)
		}
		r := b.nurse.do("GET", path, nil)
		want(t, r, 200)
		got := ids(t, r, "id")
		if len(got) > 3 {
			t.Fatalf("page of %d with limit=3", len(got))
		}
		all = append(all, got...)
		n, _ := r.json(t)["next"].(string)
		if n == "" || page > 5 {
			break
		}
		next = n
	}
	if len(all) != 7 || all[6] != b.post {
		t.Errorf("paged %d posts %v, want 7 ending with the first", len(all), all)
	}
	for i := 1; i < len(all); i++ {
		if all[i] == all[i-1] {
			t.Errorf("post %s twice", all[i])
		}
	}
	wantFields(t, b.nurse.do("GET", base+"?limit=0", nil), 422, "limit")
	wantFields(t, b.nurse.do("GET", base+"?limit=101", nil), 422, "limit")
	wantFields(t, b.nurse.do("GET", base+"?limit=ten&before="+strings.Repeat("x", 101), nil), 422, "limit", "before")
}

func (b *book) testSearch(t *testing.T) {
	search := func(c *client, q url.Values) []string {
		t.Helper()
		r := c.do("GET", "/api/v1/search?"+q.Encode(), nil)
		want(t, r, 200)
		return ids(t, r, "id")
	}
	today := time.Now().In(time.FixedZone("JST", 9*3600)).Format(time.DateOnly)
	tests := []struct {
		name string
		c    *client
		q    url.Values
		hit  bool
	}{
		{"Body", b.nurse, url.Values{"q": {"発熱"}}, true},
		{"Comment", b.nurse, url.Values{"q": {"解熱剤"}}, true},
		{"InResident", b.doctor, url.Values{"q": {"発熱"}, "resident": {b.resident}}, true},
		{"Category", b.nurse, url.Values{"q": {"発熱"}, "category": {"report"}}, true},
		{"OtherCategory", b.nurse, url.Values{"q": {"発熱"}, "category": {"request"}}, false},
		{"Importance", b.nurse, url.Values{"q": {"発熱"}, "importance": {"urgent"}}, true},
		{"Author", b.nurse, url.Values{"q": {"発熱"}, "author": {b.fixture.nurse.ID}}, true},
		{"OtherAuthor", b.nurse, url.Values{"q": {"発熱"}, "author": {b.cm.ID}}, false},
		{"Today", b.nurse, url.Values{"q": {"発熱"}, "from": {today}, "to": {today}}, true},
		{"Past", b.nurse, url.Values{"q": {"発熱"}, "from": {"2000-01-01"}, "to": {"2000-12-31"}}, false},
		{"ErrNotOnTeam", b.outsiderC, url.Values{"q": {"発熱"}}, false},
		{"ErrOtherTenant", b.beta, url.Values{"q": {"発熱"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slices.Contains(search(tt.c, tt.q), b.post); got != tt.hit {
				t.Errorf("found %v, want %v", got, tt.hit)
			}
		})
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		r := b.nurse.do("GET", "/api/v1/search?category=gossip&importance=panic&from=yesterday&to=2025-13-01&limit=500", nil)
		wantFields(t, r, 422, "category", "importance", "from", "to", "limit")
		wantFields(t, b.nurse.do("GET", "/api/v1/search?q=x&from=2025-05-02&to=2025-05-01", nil), 422, "to")
	})
}

func (b *book) testGroups(t *testing.T) {
	r := b.nurse.do("POST", "/api/v1/groups", map[string]any{"name": "青葉地区 多職種連携", "description": "月例会議",
		"members": []string{b.doctor2.ID}})
	want(t, r, 201)
	m := r.json(t)
	b.group, _ = m["id"].(string)
	if b.group == "" || m["name"] != "青葉地区 多職種連携" || r.header.Get("Location") != "/api/v1/groups/"+b.group {
		t.Errorf("group %s", r.body)
	}
	members, _ := m["members"].([]any)
	if !slices.Contains(members, any(b.fixture.nurse.ID)) || !slices.Contains(members, any(b.doctor2.ID)) {
		t.Errorf("members %v", members)
	}
	wantFields(t, b.nurse.do("POST", "/api/v1/groups", map[string]any{"name": " "}), 422, "name")
	path := "/api/v1/groups/" + b.group
	t.Run("Member", func(t *testing.T) {
		if got := ids(t, b.doctor.do("GET", "/api/v1/groups", nil), "id"); !slices.Equal(got, []string{b.group}) {
			t.Errorf("doctor's groups %v", got)
		}
		want(t, b.doctor.do("GET", path, nil), 200)
		r := b.doctor.do("POST", path+"/posts", map[string]any{"category": "consultation", "body": "来月の勉強会の日程について"})
		want(t, r, 201)
		p := r.json(t)
		if p["group_id"] != b.group || p["resident_id"] != nil {
			t.Errorf("group post %s", r.body)
		}
		gp := p["id"].(string)
		want(t, b.nurse.do("POST", "/api/v1/posts/"+gp+"/comments", map[string]string{"body": "第2水曜はいかがですか"}), 201)
		want(t, b.nurse.do("POST", "/api/v1/posts/"+gp+"/read", nil), 200)
		if got := ids(t, b.nurse.do("GET", path+"/posts", nil), "id"); !slices.Equal(got, []string{gp}) {
			t.Errorf("board %v", got)
		}
		if got := ids(t, b.nurse.do("GET", "/api/v1/search?q="+url.QueryEscape("第2水曜")+"&group="+b.group, nil), "id"); !slices.Equal(got, []string{gp}) {
			t.Errorf("group search %v", got)
		}
	})
	t.Run("ErrNotMember", func(t *testing.T) {
		for _, r := range []response{
			b.outsiderC.do("GET", path, nil),
			b.outsiderC.do("GET", path+"/posts", nil),
			b.outsiderC.do("POST", path+"/posts", map[string]any{"body": "x"}),
		} {
			wantProblem(t, r, 404)
		}
		if got := ids(t, b.outsiderC.do("GET", "/api/v1/groups", nil), "id"); len(got) != 0 {
			t.Errorf("outsider's groups %v", got)
		}
	})
	t.Run("Members", func(t *testing.T) {
		r := b.nurse.do("PATCH", path+"/members", map[string]any{"add": []string{b.outsider.ID}})
		want(t, r, 200)
		if ms := r.json(t)["members"].([]any); !slices.Contains(ms, any(b.outsider.ID)) {
			t.Errorf("members after add %v", ms)
		}
		want(t, b.outsiderC.do("GET", path+"/posts", nil), 200)
		r = b.nurse.do("PATCH", path+"/members", map[string]any{"remove": []string{b.outsider.ID}})
		want(t, r, 200)
		wantProblem(t, b.outsiderC.do("GET", path, nil), 404)
		other := b.nurse.do("PATCH", path+"/members", map[string]any{"add": []string{b.fixture.doctor.ID}})
		missing := b.nurse.do("PATCH", path+"/members", map[string]any{"add": []string{"nonexistent"}})
		if other.status < 400 || !bytes.Equal(other.body, missing.body) {
			t.Errorf("adding another tenant's user: %d %s; a missing one: %s", other.status, other.body, missing.body)
		}
	})
}

// sse is one open event stream, read by a goroutine.
type sse struct {
	res    *http.Response
	events chan sseEvent
	done   chan struct{}
}

type sseEvent struct {
	comment    string // a ": …" line
	kind, data string
}

// subscribe opens GET /api/v1/events for c with a real HTTP client.
func (c *client) subscribe(t *testing.T) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/event-stream")
	res, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); res.Body.Close() })
	s := &sse{res: res, events: make(chan sseEvent, 100), done: make(chan struct{})}
	if res.StatusCode != 200 {
		close(s.done)
		return s
	}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.kind != "" || ev.data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				s.events <- sseEvent{comment: strings.TrimSpace(line[1:])}
			case strings.HasPrefix(line, "event: "):
				ev.kind = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[len("data: "):]
			}
		}
	}()
	return s
}

// next returns the next event (not a comment) within d.
func (s *sse) next(d time.Duration) (sseEvent, bool) {
	timeout := time.After(d)
	for {
		select {
		case ev := <-s.events:
			if ev.comment == "" {
				return ev, true
			}
		case <-timeout:
			return sseEvent{}, false
		}
	}
}

func (b *book) testEvents(t *testing.T) {
	member := b.doctor.subscribe(t)
	outsider := b.outsiderC.subscribe(t)
	other := b.beta.subscribe(t)
	t.Run("Headers", func(t *testing.T) {
		h := member.res.Header
		if member.res.StatusCode != 200 || h.Get("Content-Type") != "text/event-stream" ||
			h.Get("Cache-Control") != "no-store" || h.Get("X-Accel-Buffering") != "no" {
			t.Errorf("stream answered %d %v", member.res.StatusCode, h)
		}
	})
	r := b.nurse.do("POST", "/api/v1/residents/"+b.resident+"/posts", map[string]any{"body": "夕方の体温 37.0℃"})
	want(t, r, 201)
	id := r.json(t)["id"].(string)
	t.Run("Member", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			ev, ok := member.next(time.Until(deadline))
			if !ok {
				t.Fatal("no post.created within 5 s")
			}
			if ev.kind == "post.created" && strings.Contains(ev.data, `"post_id":"`+id+`"`) {
				if !strings.Contains(ev.data, `"resident_id":"`+b.resident+`"`) || strings.Contains(ev.data, "37.0") {
					t.Errorf("event data %s", ev.data)
				}
				return
			}
		}
	})
	t.Run("ReadReceipt", func(t *testing.T) {
		// The author sees the reader's receipt arrive.
		author := b.nurse.subscribe(t)
		want(t, b.doctor.do("POST", "/api/v1/posts/"+id+"/read", nil), 200)
		deadline := time.Now().Add(5 * time.Second)
		for {
			ev, ok := author.next(time.Until(deadline))
			if !ok {
				t.Fatal("no post.read within 5 s")
			}
			if ev.kind == "post.read" && strings.Contains(ev.data, `"post_id":"`+id+`"`) &&
				strings.Contains(ev.data, `"user_id":"`+b.doctor2.ID+`"`) {
				return
			}
		}
	})
	t.Run("ErrNotMember", func(t *testing.T) {
		for name, s := range map[string]*sse{"outsider": outsider, "other tenant": other} {
			if ev, ok := s.next(300 * time.Millisecond); ok {
				t.Errorf("%s got %+v", name, ev)
			}
		}
	})
	t.Run("Ping", func(t *testing.T) {
		timeout := time.After(2 * time.Second)
		for {
			select {
			case ev := <-outsider.events:
				if ev.comment == "ping" {
					return
				}
			case <-timeout:
				t.Fatal("no ping")
			}
		}
	})
	t.Run("ErrNoSession", func(t *testing.T) {
		wantProblem(t, b.userClient().do("GET", "/api/v1/events", nil), 401)
	})
	t.Run("SessionEnds", func(t *testing.T) {
		c := b.userClient().login("alpha", "outsider")
		s := c.subscribe(t)
		want(t, c.do("DELETE", "/api/v1/sessions/current", nil), 204)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			t.Fatal("the stream outlived its session")
		}
	})
}

func (b *book) testOtherTenant(t *testing.T) {
	tests := []struct {
		name, method, path string
		body               any
	}{
		{"GetResident", "GET", "/api/v1/residents/{r}", nil},
		{"PatchResident", "PATCH", "/api/v1/residents/{r}", map[string]any{"version": 1, "notes": "乗っ取り"}},
		{"EndResident", "POST", "/api/v1/residents/{r}/end", map[string]any{"date": "2025-01-01", "reason": "moved"}},
		{"Consent", "POST", "/api/v1/residents/{r}/consents", map[string]any{"method": "oral", "obtained_at": "2025-01-01", "obtained_by": "x"}},
		{"Team", "GET", "/api/v1/residents/{r}/team", nil},
		{"Invite", "POST", "/api/v1/residents/{r}/team", map[string]any{"user_id": "{me}"}},
		{"Accept", "POST", "/api/v1/residents/{r}/team/accept", nil},
		{"Decline", "POST", "/api/v1/residents/{r}/team/decline", nil},
		{"Leave", "POST", "/api/v1/residents/{r}/team/leave", nil},
		{"Remove", "DELETE", "/api/v1/residents/{r}/team/{me}", nil},
		{"Posts", "GET", "/api/v1/residents/{r}/posts", nil},
		{"CreatePost", "POST", "/api/v1/residents/{r}/posts", map[string]any{"body": "x"}},
		{"GetPost", "GET", "/api/v1/posts/{p}", nil},
		{"PatchPost", "PATCH", "/api/v1/posts/{p}", map[string]any{"version": 1, "body": "乗っ取り"}},
		{"DeletePost", "DELETE", "/api/v1/posts/{p}?reason=x", nil},
		{"Comment", "POST", "/api/v1/posts/{p}/comments", map[string]any{"body": "x"}},
		{"Read", "POST", "/api/v1/posts/{p}/read", nil},
		{"Reads", "GET", "/api/v1/posts/{p}/reads", nil},
		{"Group", "GET", "/api/v1/groups/{g}", nil},
		{"GroupMembers", "PATCH", "/api/v1/groups/{g}/members", map[string]any{"add": []string{"{me}"}}},
		{"GroupPosts", "GET", "/api/v1/groups/{g}/posts", nil},
		{"CreateGroupPost", "POST", "/api/v1/groups/{g}/posts", map[string]any{"body": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fill := func(s, r, p, g string) string {
				return strings.NewReplacer("{r}", r, "{p}", p, "{g}", g, "{me}", b.fixture.nurse.ID).Replace(s)
			}
			body := func(r, p, g string) any {
				if tt.body == nil {
					return nil
				}
				j := mustJSON(t, tt.body)
				return fill(j, r, p, g)
			}
			other := b.nurse.do(tt.method, fill(tt.path, b.betaResident, b.betaPost, b.betaGroup),
				body(b.betaResident, b.betaPost, b.betaGroup))
			missing := b.nurse.do(tt.method, fill(tt.path, "nonexistent", "nonexistent", "nonexistent"),
				body("nonexistent", "nonexistent", "nonexistent"))
			wantProblem(t, other, 404)
			if !bytes.Equal(other.body, missing.body) {
				t.Errorf("another tenant's object %s differs from a missing one %s", other.body, missing.body)
			}
		})
	}
	// Nothing of beta changed.
	r := b.beta.do("GET", "/api/v1/posts/"+b.betaPost, nil)
	want(t, r, 200)
	if m := r.json(t); m["body"] != "ベータの連絡" || m["version"] != float64(1) || m["comment_count"] != float64(0) {
		t.Errorf("beta's post changed: %s", r.body)
	}
	r = b.beta.do("GET", "/api/v1/residents/"+b.betaResident, nil)
	if m := r.json(t); m["ended_at"] != nil || len(m["consents"].([]any)) != 0 || len(m["team"].([]any)) != 1 {
		t.Errorf("beta's resident changed: %s", r.body)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (b *book) testRegister(t *testing.T) {
	admin := b.adminClient(b.admin, b.alphaCert).login("alpha", "admin")
	r := admin.do("GET", "/api/v1/residents", nil)
	want(t, r, 200)
	items := r.json(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("register %s", r.body)
	}
	e := items[0].(map[string]any)
	if e["id"] != b.resident || e["name"] != "青葉 花子" || e["consent_active"] != true || len(e["team"].([]any)) < 3 {
		t.Errorf("register entry %v", e)
	}
	for _, k := range []string{"notes", "address", "posts", "summary", "unread"} {
		if _, ok := e[k]; ok {
			t.Errorf("the register shows %q", k)
		}
	}
	if bytes.Contains(r.body, []byte("発熱")) {
		t.Error("the register shows a post")
	}
	// The rest of the contact book is not on the admin listener.
	want(t, admin.do("GET", "/api/v1/residents/"+b.resident, nil), 404)
	want(t, admin.do("GET", "/api/v1/posts/"+b.post, nil), 404)
	// Beta's admin sees only beta's residents.
	betaAdmin := b.adminClient(b.admin, b.betaCert).login("beta", "admin")
	if got := ids(t, betaAdmin.do("GET", "/api/v1/residents", nil), "id"); !slices.Equal(got, []string{b.betaResident}) {
		t.Errorf("beta's register %v", got)
	}
}

func (b *book) testRemoval(t *testing.T) {
	base := "/api/v1/residents/" + b.resident
	want(t, b.nurse.do("DELETE", base+"/team/"+b.cm.ID, nil), 204)
	t.Run("ErrPostAfterRemoval", func(t *testing.T) {
		wantProblem(t, b.cmC.do("POST", base+"/posts", map[string]any{"body": "削除後の投稿"}), 404)
		wantProblem(t, b.cmC.do("GET", base, nil), 404)
		wantProblem(t, b.cmC.do("GET", "/api/v1/posts/"+b.post, nil), 404)
		if got := ids(t, b.cmC.do("GET", "/api/v1/residents", nil), "id"); len(got) != 0 {
			t.Errorf("removed member still lists %v", got)
		}
	})
	t.Run("Leave", func(t *testing.T) {
		want(t, b.nurseB.do("POST", base+"/team/leave", nil), 204)
		wantProblem(t, b.nurseB.do("GET", base, nil), 404)
	})
}

func (b *book) testPostDelete(t *testing.T) {
	path := "/api/v1/posts/" + b.post
	wantProblem(t, b.doctor.do("DELETE", path+"?reason=x", nil), 403)
	wantFields(t, b.nurse.do("DELETE", path, nil), 422, "reason")
	wantFields(t, b.nurse.do("DELETE", path, map[string]string{"reason": " "}), 422, "reason")
	want(t, b.nurse.do("DELETE", path, map[string]string{"reason": "別の利用者の記録と取り違えたため"}), 204)
	r := b.doctor.do("GET", path, nil)
	want(t, r, 200)
	if m := r.json(t); m["deleted"] != true || m["body"] != "" {
		t.Errorf("deleted post %s", r.body)
	}
	if got := ids(t, b.nurse.do("GET", "/api/v1/search?q="+url.QueryEscape("発熱"), nil), "id"); slices.Contains(got, b.post) {
		t.Error("search finds a deleted post")
	}
}

func (b *book) testRevoke(t *testing.T) {
	base := "/api/v1/residents/" + b.resident
	want(t, b.doctor.do("GET", base, nil), 200)
	want(t, b.nurse.do("POST", base+"/consents/"+b.consent+"/revoke", nil), 204)
	// The doctor of the other facility loses access at once; the owning
	// facility's nurse keeps it.
	wantProblem(t, b.doctor.do("GET", base, nil), 404)
	wantProblem(t, b.doctor.do("POST", base+"/posts", map[string]any{"body": "同意撤回後"}), 404)
	if got := ids(t, b.doctor.do("GET", "/api/v1/residents", nil), "id"); len(got) != 0 {
		t.Errorf("after revocation the doctor lists %v", got)
	}
	r := b.nurse.do("GET", base, nil)
	want(t, r, 200)
	if m := r.json(t); m["consent_active"] != false {
		t.Errorf("consent still active: %s", r.body)
	}
	wantProblem(t, b.nurse.do("POST", base+"/consents/nonexistent/revoke", nil), 404)
}

func (b *book) testEnd(t *testing.T) {
	base := "/api/v1/residents/" + b.resident
	wantFields(t, b.nurse.do("POST", base+"/end", map[string]any{"date": "2999-01-01", "reason": "vanished"}), 422,
		"date", "reason")
	want(t, b.nurse.do("POST", base+"/end", map[string]any{"date": "2025-06-30", "reason": "moved", "note": "施設入所"}), 204)
	r := b.nurse.do("GET", base, nil)
	want(t, r, 200)
	m := r.json(t)
	if m["ended_at"] == nil || m["end_reason"] != "moved" || m["end_date"] != "2025-06-30" {
		t.Errorf("ended resident %s", r.body)
	}
	// Read-only now.
	p := wantProblem(t, b.nurse.do("POST", base+"/posts", map[string]any{"body": "終了後の投稿"}), 409)
	if p["code"] != "conflict" {
		t.Errorf("code %v", p["code"])
	}
	wantProblem(t, b.nurse.do("PATCH", base, map[string]any{"version": m["version"], "notes": "x"}), 409)
	if got := ids(t, b.nurse.do("GET", "/api/v1/residents", nil), "id"); len(got) != 0 {
		t.Errorf("ended resident in the current list: %v", got)
	}
	if got := ids(t, b.nurse.do("GET", "/api/v1/residents?ended=true", nil), "id"); !slices.Equal(got, []string{b.resident}) {
		t.Errorf("ended list %v", got)
	}
}
