package web

import (
	"net/http"
	"strings"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
)

var auditSpec = &formSpec{fields: []specField{
	{name: "actor", label: "audit.actor"},
	{name: "action", label: "audit.action"},
	{name: "from", label: "audit.from"},
	{name: "to", label: "audit.to"},
}}

// AuditActions are the audited events the filter offers, each labelled by
// the catalog key action.NAME.
var AuditActions = audit.All

// auditLimit bounds one page of the log; the CSV export has it all.
const auditLimit = 200

type auditData struct {
	Action   string
	Platform bool
	Entries  []audit.Entry
	Actions  []Choice
	Limit    int
	// Truncated says more entries match than are shown.
	Truncated bool
}

// audit shows the log, newest first: the tenant's to its admins, the
// platform's own to operators.
func (w *Web) audit(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f := newForm(auditSpec, r.URL.Query())
	d := auditData{Action: r.URL.Path, Platform: act.IsOperator(), Actions: choices("action", AuditActions), Limit: auditLimit}
	filter := app.AuditFilter{ActorID: strings.TrimSpace(f.Get("actor")), Action: f.Get("action"), Limit: auditLimit + 1}
	var v care.Invalid
	if filter.Action != "" && !knownAction(filter.Action) {
		v.Add("action", "error.choice")
	}
	if s := f.Get("from"); s != "" {
		if t, err := parseDay(s); err != nil {
			v.Add("from", "web.error.date")
		} else {
			filter.From = t
		}
	}
	if s := f.Get("to"); s != "" {
		if t, err := parseDay(s); err != nil {
			v.Add("to", "web.error.date")
		} else {
			filter.To = t.AddDate(0, 0, 1) // the whole of the last day
		}
	}
	if err := v.Err(); err != nil {
		return refill(f, err, func(status int) error {
			return w.render(rw, r, status, pageAudit, view{Form: f, Data: d})
		})
	}
	entries, err := w.app.Audit(r.Context(), act, filter)
	if err != nil {
		return err
	}
	if len(entries) > auditLimit {
		entries, d.Truncated = entries[:auditLimit], true
	}
	d.Entries = entries
	return w.render(rw, r, http.StatusOK, pageAudit, view{Form: f, Data: d})
}

func knownAction(s string) bool {
	for _, a := range AuditActions {
		if string(a) == s {
			return true
		}
	}
	return false
}
