package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
)

var auditSpec = &formSpec{fields: []specField{
	{name: "actor", label: "audit.actor"},
	{name: "action", label: "audit.action"},
	{name: "target", label: "audit_chain.target"},
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
	// Base is the log page's path, Query its current filter (for the
	// export links).
	Base  string
	Query string
}

// auditBase is the log page of the actor: the platform's for operators.
func auditBase(act care.Actor) string {
	if act.IsOperator() {
		return "/operator/audit"
	}
	return "/admin/audit"
}

func newAuditData(r *http.Request, act care.Actor) auditData {
	q := url.Values{}
	for _, k := range []string{"actor", "action", "target", "from", "to"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return auditData{Action: r.URL.Path, Platform: act.IsOperator(), Actions: choices("action", AuditActions),
		Limit: auditLimit, Base: auditBase(act), Query: q.Encode()}
}

// auditFilter reads the filter form: who, what, which target (a post, a
// resident or any other object id) and the days, in Japan time.
func auditFilter(f *Form) (app.AuditFilter, error) {
	filter := app.AuditFilter{ActorID: strings.TrimSpace(f.Get("actor")), Action: f.Get("action"),
		Target: strings.TrimSpace(f.Get("target"))}
	var v care.Invalid
	if filter.Action != "" && !knownAction(filter.Action) {
		v.Add("action", "error.choice")
	}
	if len(filter.ActorID) > 100 {
		v.Add("actor", "error.length")
	}
	if len(filter.Target) > 100 {
		v.Add("target", "error.length")
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
	return filter, v.Err()
}

// audit shows the log, newest first: the tenant's to its admins, the
// platform's own to operators.
func (w *Web) audit(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f := newForm(auditSpec, r.URL.Query())
	d := newAuditData(r, act)
	filter, err := auditFilter(f)
	if err != nil {
		return refill(f, err, func(status int) error {
			return w.render(rw, r, status, pageAudit, view{Form: f, Data: d})
		})
	}
	filter.Limit = auditLimit + 1
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

// auditCSVColumns are the CSV export's columns, named by catalog keys
// (the same as the API's CSV).
var auditCSVColumns = []string{
	"api.audit.at", "api.audit.actor_login", "api.audit.actor_id", "api.audit.actor_role", "api.audit.action",
	"api.audit.target_type", "api.audit.target_id", "api.audit.resident_id", "api.audit.result", "api.audit.ip",
	"api.audit.user_agent", "api.audit.detail", "api.audit.id", "audit_chain.seq",
}

// auditExport downloads the filtered log as CSV for spreadsheets: UTF-8
// with a byte-order mark, CRLF line ends, Japan time, and every cell a
// spreadsheet would read as a formula neutralised. Logged as audit.export.
func (w *Web) auditExport(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f := newForm(auditSpec, r.URL.Query())
	filter, err := auditFilter(f)
	if err != nil {
		d := newAuditData(r, act)
		d.Action = d.Base
		return refill(f, err, func(status int) error {
			return w.render(rw, r, status, pageAudit, view{Form: f, Data: d})
		})
	}
	es, err := w.app.ExportAudit(r.Context(), act, filter)
	if err != nil {
		return err
	}
	lang := w.cat.Lang(r)
	h := rw.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(jst).Format("20060102-150405")+`.csv"`)
	rw.WriteHeader(http.StatusOK)
	rw.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(rw)
	cw.UseCRLF = true
	head := make([]string, len(auditCSVColumns))
	for i, k := range auditCSVColumns {
		head[i] = w.cat.T(lang, k)
	}
	cw.Write(head)
	for _, e := range es {
		row := []string{e.At.In(jst).Format(time.RFC3339), e.ActorLogin, e.ActorID, e.ActorRole, string(e.Action),
			e.TargetType, e.TargetID, e.ResidentID, string(e.Result), e.IP, e.UserAgent, e.Detail, e.ID,
			formatSeq(e.Seq)}
		for i := range row {
			row[i] = audit.SafeCell(row[i])
		}
		cw.Write(row)
	}
	cw.Flush()
	return nil
}

func formatSeq(n int64) string {
	if n <= 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// auditEvidence downloads the log of a range of days as evidence with its
// chain proof (JSON: the entries with seq and MAC, the MAC before them,
// the checkpoints covering them), for a third party holding the audit key
// to verify. Both days are required. Logged as audit.evidence.
func (w *Web) auditEvidence(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f := newForm(auditSpec, r.URL.Query())
	filter, err := auditFilter(f)
	var v care.Invalid
	if f.Get("from") == "" {
		v.Add("from", "audit_chain.error.evidence_days")
	}
	if f.Get("to") == "" {
		v.Add("to", "audit_chain.error.evidence_days")
	}
	if err == nil {
		err = v.Err()
	}
	if err != nil {
		d := newAuditData(r, act)
		d.Action = d.Base
		return refill(f, err, func(status int) error {
			return w.render(rw, r, status, pageAudit, view{Form: f, Data: d})
		})
	}
	ev, err := w.app.AuditEvidence(r.Context(), act, filter.From, filter.To)
	if err != nil {
		return err
	}
	h := rw.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="audit-evidence-`+filter.From.In(jst).Format("20060102")+"-"+
		filter.To.AddDate(0, 0, -1).In(jst).Format("20060102")+`.json"`)
	rw.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(rw)
	enc.SetIndent("", " ")
	return enc.Encode(ev)
}

type loginsData struct {
	Users []care.User
}

// auditLogins shows the tenant's users by their last login: when and
// from where, and the login before it. Logged as audit.logins.
func (w *Web) auditLogins(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	us, err := w.app.LastLogins(r.Context(), act)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageAuditLogins, view{Data: loginsData{Users: us}})
}

func knownAction(s string) bool {
	for _, a := range AuditActions {
		if string(a) == s {
			return true
		}
	}
	return false
}
