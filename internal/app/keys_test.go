package app_test

import (
	"slices"
	"testing"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
)

// actions lists the actions of a log.
func actions(es []audit.Entry) []audit.Action {
	var out []audit.Action
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestKeys(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		r := c.newResident(t)
		c.consent(t, r.ID)
		p := c.post(t, owner, r.ID, "鍵の更新の前に書いた記事")

		t.Run("ErrNotOperator", func(t *testing.T) {
			for _, act := range []care.Actor{c.act[owner], c.admin["alpha"]} {
				if _, err := c.cb.RotateKeys(bg, act, "alpha"); care.ErrorCode(err) != care.EForbidden {
					t.Errorf("%s rotated keys: %v", act.Role, err)
				}
				if err := c.cb.ShredTenant(bg, act, "alpha"); care.ErrorCode(err) != care.EForbidden {
					t.Errorf("%s shredded: %v", act.Role, err)
				}
			}
		})

		t.Run("Rotate", func(t *testing.T) {
			versions, err := c.cb.RotateKeys(bg, c.op, "alpha")
			if err != nil || versions["alpha"] != 2 || len(versions) != 1 {
				t.Fatalf("rotate: %v %v", versions, err)
			}
			status, err := c.cb.KeyStatus(bg, c.op)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range status {
				if pending := s.Pending != nil; pending != (s.Slug == "alpha") {
					t.Errorf("%s: pending re-encryption %v", s.Slug, s.Pending)
				}
			}
			counts, err := c.cb.Reencrypt(bg, c.op, "alpha")
			if err != nil || counts["alpha"] == 0 {
				t.Fatalf("re-encrypt: %v %v", counts, err)
			}
			got, err := c.cb.Post(bg, c.act[owner], p.ID)
			if err != nil || got.Post.Body != p.Body {
				t.Fatalf("after rotation read %q, %v", got.Post.Body, err)
			}
			status, _ = c.cb.KeyStatus(bg, c.op)
			for _, s := range status {
				if s.Pending != nil {
					t.Errorf("%s: re-encryption still open: %+v", s.Slug, s.Pending)
				}
			}
			platform, err := c.cb.Audit(bg, c.op, app.AuditFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(actions(platform), audit.KeysRotate) {
				t.Errorf("platform log %v lacks keys.rotate", actions(platform))
			}
			own, err := c.cb.Audit(bg, c.admin["alpha"], app.AuditFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []audit.Action{audit.KeysRotate, audit.KeysReencrypt} {
				if !slices.Contains(actions(own), want) {
					t.Errorf("tenant log %v lacks %s", actions(own), want)
				}
			}
		})

		t.Run("Shred", func(t *testing.T) {
			if err := c.cb.ShredTenant(bg, c.op, "alpha"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.cb.Post(bg, c.act[owner], p.ID); err == nil {
				t.Error("a post of the shredded tenant was read")
			}
			if _, _, err := c.cb.Login(bg, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}); err == nil {
				t.Error("logged in to the shredded tenant")
			}
			if _, err := c.cb.Residents(bg, c.act[foreign], app.ResidentFilter{}); err != nil {
				t.Errorf("the other tenant: %v", err)
			}
		})
	})
}
