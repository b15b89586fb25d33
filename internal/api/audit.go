package api

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// japan is Japan time, in which dates are given and shown. Japan has kept
// no daylight saving time since 1951, so a fixed zone is exact and needs no
// time-zone database on the host.
var japan = time.FixedZone("Asia/Tokyo", 9*60*60)

// parseInstant reads an RFC 3339 time, or a date YYYY-MM-DD meaning that
// day in Japan time: its start, or with endOfDay the start of the next day
// (the filter's upper bound is exclusive, so "to" includes the whole day).
func parseInstant(s string, endOfDay bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	d, err := time.ParseInLocation(time.DateOnly, s, japan)
	if err != nil {
		return time.Time{}, false
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC(), true
}

// auditFilter reads the query parameters actor, action, target, from, to.
func auditFilter(r *http.Request) (app.AuditFilter, error) {
	q := r.URL.Query()
	f := app.AuditFilter{ActorID: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target")}
	var v care.Invalid
	for name, s := range map[string]string{"actor": f.ActorID, "action": f.Action, "target": f.Target} {
		if len(s) > 100 {
			v.Add(name, "error.length")
		}
	}
	var ok bool
	if s := q.Get("from"); s != "" {
		if f.From, ok = parseInstant(s, false); !ok {
			v.Add("from", keyDateTime)
		}
	}
	if s := q.Get("to"); s != "" {
		if f.To, ok = parseInstant(s, true); !ok {
			v.Add("to", keyDateTime)
		}
	}
	switch q.Get("format") {
	case "", "json", "csv":
	default:
		v.Add("format", "error.choice")
	}
	return f, v.Err()
}

// audit lists the audit log the caller may see, as JSON or, with
// ?format=csv, as a CSV file for spreadsheets.
func (a *API) audit(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		es, err := a.app.ExportAudit(r.Context(), act, f)
		if err != nil {
			return err
		}
		a.auditCSV(w, r, es)
		return nil
	}
	es, err := a.app.Audit(r.Context(), act, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(es, renderAudit)))
	return nil
}

// auditColumns are the CSV columns, named by catalog keys.
var auditColumns = []string{
	"api.audit.at", "api.audit.actor_login", "api.audit.actor_id", "api.audit.actor_role", "api.audit.action",
	"api.audit.target_type", "api.audit.target_id", "api.audit.resident_id", "api.audit.result", "api.audit.ip",
	"api.audit.user_agent", "api.audit.detail", "api.audit.id",
}

// auditCSV writes the entries as CSV for Excel: UTF-8 with a byte-order
// mark, CRLF line ends, times in Japan time, and every cell that a
// spreadsheet would read as a formula neutralised.
func (a *API) auditCSV(w http.ResponseWriter, r *http.Request, es []audit.Entry) {
	lang := a.cat.Lang(r)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(japan).Format("20060102")+`.csv"`)
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	head := make([]string, len(auditColumns))
	for i, k := range auditColumns {
		head[i] = a.cat.T(lang, k)
	}
	cw.Write(head)
	for _, e := range es {
		row := []string{e.At.In(japan).Format(time.RFC3339), e.ActorLogin, e.ActorID, e.ActorRole, string(e.Action),
			e.TargetType, e.TargetID, e.ResidentID, string(e.Result), e.IP, e.UserAgent, e.Detail, e.ID}
		for i := range row {
			row[i] = safeCell(row[i])
		}
		cw.Write(row)
	}
	cw.Flush()
}

// safeCell prefixes a cell that a spreadsheet would take for a formula
// (CSV injection) with a single quote, so it is shown as text.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
