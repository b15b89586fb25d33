package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// TestAuditViewer: the tenant admin's log viewer filters by target, links
// a post's viewers, exports CSV (BOM, formula-safe) and evidence that
// verifies under the key, and the operator's viewer holds only the
// platform's chain.
func TestAuditViewer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fx := e.seed("viewer")
		lang := i18n.Japanese
		ad := e.adminBrowser(fx.adminCert, lang)
		ad.login(t, "/login", url.Values{"tenant": {fx.slug}, "login_id": {fx.slug + "-admin"}, "password": {pw}}).expect(t, 200, "console")
		// A failed login whose login ID starts like a formula.
		e.adminBrowser(fx.adminCert, lang).post("/login", url.Values{"tenant": {fx.slug}, "login_id": {"=cmd|calc"},
			"password": {"wrong-password-123"}})

		p := ad.get("/admin/audit?target="+fx.member.ID).expect(t, 200, "audit")
		p.contains(t, `href="/admin/audit?target=`+fx.member.ID+`"`).lacks(t, "=cmd|calc")

		csvPage := ad.get("/admin/audit/export?action=login.failure").expect(t, 200, "")
		if ct := csvPage.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		if !strings.HasPrefix(csvPage.body, "\uFEFF") {
			t.Error("CSV without a byte-order mark")
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvPage.body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 2 {
			t.Fatalf("CSV rows %d", len(rows))
		}
		found := false
		for _, r := range rows[1:] {
			if r[4] != "login.failure" {
				t.Errorf("filter not applied: %v", r)
			}
			for _, c := range r {
				if strings.HasPrefix(c, "=") || strings.HasPrefix(c, "+") || strings.HasPrefix(c, "@") {
					t.Errorf("formula cell %q", c)
				}
			}
			if r[1] == "'=cmd|calc" {
				found = true
			}
		}
		if !found {
			t.Errorf("the formula-like login is not in the CSV, quoted: %v", rows)
		}

		// Evidence needs both days.
		ad.get("/admin/audit/evidence?from=2026-01-01").expect(t, 422, "audit").contains(t, `href="#f-to"`)
		today := db.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01-02")
		evPage := ad.get("/admin/audit/evidence?from="+today+"&to="+today).expect(t, 200, "")
		var ev app.Evidence
		if err := json.Unmarshal([]byte(evPage.body), &ev); err != nil {
			t.Fatal(err)
		}
		if len(ev.Entries) < 3 || ev.TenantID != fx.admin.TenantID {
			t.Fatalf("evidence of %d entries, tenant %q", len(ev.Entries), ev.TenantID)
		}
		if err := ev.Verify(storetest.Key); err != nil {
			t.Errorf("evidence does not verify: %v", err)
		}
		ev.Entries[1].Detail += " (edited)"
		if err := ev.Verify(storetest.Key); err == nil {
			t.Error("edited evidence verified")
		}

		// The views and exports are themselves in the log.
		ad.get("/admin/audit?action=audit.evidence").expect(t, 200, "audit").contains(t, "from=")
		ad.get("/admin/audit?action=audit.export").expect(t, 200, "audit").contains(t, "action=login.failure")

		// The operator sees the platform's log only: no tenant entry, in
		// the page, the CSV or the evidence.
		op := e.adminBrowser(fx.opCert, lang)
		op.login(t, "/login", url.Values{"tenant": {""}, "login_id": {"ops"}, "password": {pw}}).expect(t, 200, "console")
		op.get("/operator/audit?target="+fx.member.ID).expect(t, 200, "audit").lacks(t, fx.member.ID+"</a>")
		opCSV := op.get("/operator/audit/export").expect(t, 200, "")
		if strings.Contains(opCSV.body, "calc") || strings.Contains(opCSV.body, ",user.create,") || !strings.Contains(opCSV.body, ",tenant.create,") {
			t.Errorf("the operator's CSV holds a tenant's entry, or lacks the platform's:\n%s", opCSV.body)
		}
		opEv := op.get("/operator/audit/evidence?from="+today+"&to="+today).expect(t, 200, "")
		var pev app.Evidence
		if err := json.Unmarshal([]byte(opEv.body), &pev); err != nil {
			t.Fatal(err)
		}
		if pev.TenantID != "" || len(pev.Entries) == 0 {
			t.Fatalf("platform evidence: tenant %q, %d entries", pev.TenantID, len(pev.Entries))
		}
		for _, en := range pev.Entries {
			if strings.Contains(en.ActorLogin, "calc") || en.TargetID == fx.member.ID {
				t.Errorf("platform evidence holds a tenant entry: %+v", en)
			}
		}
		if err := pev.Verify(storetest.Key); err != nil {
			t.Errorf("platform evidence: %v", err)
		}
		op.get("/admin/audit/logins").expect(t, 403, "error")
	})
}
