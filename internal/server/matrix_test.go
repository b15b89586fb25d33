package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// The cross-tenant matrix: every route of both listeners, taken from the
// server's own route tables, is requested by every kind of principal of
// tenant "alpha" (and the operator), with alpha's own objects, tenant
// "beta"'s objects and objects that do not exist. It proves that
//   - a route without a matrix entry cannot be added (the test fails);
//   - no request answers 5xx;
//   - a route that needs a session refuses a request without one;
//   - beta's objects answer exactly like nonexistent ones (status and body);
//   - no answer to anyone but beta contains beta's data (planted markers);
//   - nothing of beta changed afterwards.

const matrixPW = "Hanamizuki-2026"

// Markers planted in beta's data; no response to alpha's principals or to
// the operator may contain them.
var betaMarkers = []string{"ベータ秘密施設", "ベータ秘密 職員", "BETA-SECRET-ADDR", "ベータ秘密 利用者",
	"BETA-SECRET-POST", "BETA-SECRET-COMMENT", "ベータ秘密グループ", "BETA-SECRET-SCOPE", "BETA-SECRET-FILE", "ベータ秘密フォルダ"}

// vals are the values one request variant fills in.
type vals struct {
	Slug       string
	FacilityID string
	UserID     string
	Login      string
	ResidentID string
	ConsentID  string
	PostID     string
	GroupID    string
	MemberID   string // a care-team member of ResidentID
	CertSerial string // a device certificate of the tenant
	GrantID    string // a break-glass grant on ResidentID
	FileID     string // a file of ResidentID's space
	FolderID   string // a folder of ResidentID's space
}

// routeSpec says how to exercise one route.
type routeSpec struct {
	// object: which variant values the route names ("tenant", "facility",
	// "user"); "" for routes about no particular object.
	object string
	// mutates: own objects are made afresh for each request.
	mutates bool
	// body builds the request body; nil for none.
	body func(v vals, n int) (contentType, body string)
	// query is appended to the path (e.g. a search for beta's markers).
	query string
	// stream: the answer is a never-ending event stream; only its status
	// is read.
	stream bool
}

func form(kv ...string) func(vals, int) (string, string) {
	return func(v vals, n int) (string, string) {
		q := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			q.Add(kv[i], fill(kv[i+1], v, n))
		}
		return "application/x-www-form-urlencoded", q.Encode()
	}
}

func jsonBody(tmpl string) func(vals, int) (string, string) {
	return func(v vals, n int) (string, string) { return "application/json", fill(tmpl, v, n) }
}

// upload builds a multipart body with one file part named "file".
func upload(name, content string) func(vals, int) (string, string) {
	return func(v vals, n int) (string, string) {
		const boundary = "matrixboundary"
		body := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fill(name, v, n) +
			"\"\r\nContent-Type: application/pdf\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n"
		return "multipart/form-data; boundary=" + boundary, body
	}
}

func fill(s string, v vals, n int) string {
	return strings.NewReplacer("FILEID", v.FileID, "SLUG", v.Slug, "FID", v.FacilityID, "UID", v.UserID, "LOGIN", v.Login,
		"INVITEE", v.MemberID, "RID", v.ResidentID, "N", fmt.Sprint(n), "PW", matrixPW).Replace(s)
}

// matrix has one entry per route of both listeners, by "METHOD PATTERN".
// A route present on both listeners shares its entry.
var matrix = map[string]routeSpec{
	// Health, static files, metrics, the API document.
	"GET /healthz":             {},
	"GET /readyz":              {},
	"GET /metrics":             {},
	"GET /static/{file...}":    {},
	"GET /api/v1/openapi.yaml": {},
	"POST /lang":               {body: form("to", "en", "return", "/")},
	// Sessions.
	"POST /api/v1/sessions":           {object: "tenant", body: jsonBody(`{"tenant":"SLUG","login_id":"LOGIN","password":"PW"}`)},
	"DELETE /api/v1/sessions/current": {},
	"GET /api/v1/me":                  {},
	// Facilities and users.
	"GET /api/v1/facilities":        {},
	"POST /api/v1/facilities":       {body: jsonBody(`{"kind":"clinic","name":"新しい診療所N"}`)},
	"GET /api/v1/facilities/{id}":   {object: "facility"},
	"PATCH /api/v1/facilities/{id}": {object: "facility", mutates: true, body: jsonBody(`{"name":"改名診療所N"}`)},
	"GET /api/v1/users":             {},
	"POST /api/v1/users":            {body: jsonBody(`{"login_id":"newuserN","name":"新規 職員","profession":"nurse","role":"member","facilities":["FID"],"password":"PW"}`)},
	"GET /api/v1/users/{id}":        {object: "user"},
	"PATCH /api/v1/users/{id}":      {object: "user", mutates: true, body: jsonBody(`{"name":"改名 職員"}`)},
	"DELETE /api/v1/users/{id}":     {object: "user", mutates: true},
	"GET /api/v1/audit":             {},
	"GET /api/v1/tenants":           {},
	"POST /api/v1/tenants":          {body: jsonBody(`{"slug":"newtenantN","name":"新しい地域N","options":[],"admin":{"login_id":"admin","name":"管理 者","email":"","password":"PW"}}`)},
	"POST /api/v1/certs":            {object: "tenant", body: jsonBody(`{"tenant":"SLUG","login_id":"admin"}`)},
	// User listener pages.
	"GET /{$}":                {},
	"GET /t/{tenant}/login":   {object: "tenant"},
	"POST /t/{tenant}/login":  {object: "tenant", body: form("login_id", "LOGIN", "password", "PW")},
	"POST /t/{tenant}/logout": {object: "tenant"},
	"GET /t/{tenant}/{$}":     {object: "tenant"},
	// Admin listener pages.
	"GET /login":                   {},
	"POST /login":                  {object: "tenant", body: form("tenant", "SLUG", "login_id", "LOGIN", "password", "PW")},
	"POST /logout":                 {},
	"GET /operator/tenants":        {},
	"GET /operator/tenants/new":    {},
	"POST /operator/tenants":       {body: form("slug", "pagetenantN", "name", "新しい地域N", "admin_login", "admin", "admin_name", "管理 者", "admin_password", "PW")},
	"POST /operator/certs":         {object: "tenant", body: form("tenant", "SLUG", "login_id", "admin")},
	"GET /operator/audit":          {},
	"GET /admin/audit":             {},
	"GET /operator/audit/export":   {},
	"GET /operator/audit/evidence": {query: "?from=2026-01-01&to=2026-12-31"},
	"GET /admin/audit/export":      {},
	"GET /admin/audit/evidence":    {query: "?from=2026-01-01&to=2026-12-31"},
	"GET /admin/audit/logins":      {},

	// The contact book: API.
	"GET /api/v1/residents":                             {},
	"POST /api/v1/residents":                            {body: jsonBody(`{"name":"新規 利用者","kana":"シンキ リヨウシャ","birth_date":"1940-01-01","sex":"female","care_level":"care1"}`)},
	"GET /api/v1/residents/{id}":                        {object: "resident"},
	"PATCH /api/v1/residents/{id}":                      {object: "resident", mutates: true, body: jsonBody(`{"version":1,"notes":"更新N"}`)},
	"POST /api/v1/residents/{id}/end":                   {object: "resident", mutates: true, body: jsonBody(`{"date":"2026-11-01","reason":"moved"}`)},
	"POST /api/v1/residents/{id}/consents":              {object: "resident", mutates: true, body: jsonBody(`{"method":"written","obtained_at":"2026-11-01","obtained_by":"看護 花子","scope":"全般"}`)},
	"POST /api/v1/residents/{id}/consents/{cid}/revoke": {object: "resident", mutates: true},
	"GET /api/v1/residents/{id}/team":                   {object: "resident"},
	"POST /api/v1/residents/{id}/team":                  {object: "resident", mutates: true, body: jsonBody(`{"user_id":"INVITEE"}`)},
	"POST /api/v1/residents/{id}/team/accept":           {object: "resident", mutates: true},
	"POST /api/v1/residents/{id}/team/decline":          {object: "resident", mutates: true},
	"POST /api/v1/residents/{id}/team/leave":            {object: "resident", mutates: true},
	"DELETE /api/v1/residents/{id}/team/{uid}":          {object: "resident", mutates: true},
	"GET /api/v1/residents/{id}/posts":                  {object: "resident"},
	"POST /api/v1/residents/{id}/posts":                 {object: "resident", body: jsonBody(`{"category":"notice","importance":"normal","body":"本文N"}`)},
	"GET /api/v1/posts/{id}":                            {object: "post"},
	"PATCH /api/v1/posts/{id}":                          {object: "post", mutates: true, body: jsonBody(`{"version":1,"body":"改訂N"}`)},
	"DELETE /api/v1/posts/{id}":                         {object: "post", mutates: true, body: jsonBody(`{"reason":"誤記"}`)},
	"POST /api/v1/posts/{id}/comments":                  {object: "post", body: jsonBody(`{"body":"コメントN"}`)},
	"POST /api/v1/posts/{id}/read":                      {object: "post"},
	"GET /api/v1/posts/{id}/reads":                      {object: "post"},
	"GET /api/v1/unread":                                {},
	"GET /api/v1/invitations":                           {},
	"GET /api/v1/search":                                {query: "?q=BETA-SECRET"},
	"GET /api/v1/events":                                {stream: true},
	"GET /api/v1/groups":                                {},
	"POST /api/v1/groups":                               {body: jsonBody(`{"name":"グループN","description":"","members":[]}`)},
	"GET /api/v1/groups/{id}":                           {object: "group"},
	"PATCH /api/v1/groups/{id}/members":                 {object: "group", mutates: true, body: jsonBody(`{"add":["INVITEE"],"remove":[]}`)},
	"GET /api/v1/groups/{id}/posts":                     {object: "group"},
	"POST /api/v1/groups/{id}/posts":                    {object: "group", body: jsonBody(`{"body":"本文N"}`)},

	// The contact book: pages.
	"GET /t/{tenant}/residents":                             {object: "tenant"},
	"GET /t/{tenant}/residents/new":                         {object: "tenant"},
	"POST /t/{tenant}/residents/new":                        {object: "tenant", body: form("name", "新規 利用者", "kana", "シンキ", "birth_date", "1940-01-01", "sex", "female", "care_level", "care1")},
	"GET /t/{tenant}/residents/{id}":                        {object: "resident"},
	"GET /t/{tenant}/residents/{id}/edit":                   {object: "resident"},
	"POST /t/{tenant}/residents/{id}/edit":                  {object: "resident", mutates: true, body: form("version", "1", "name", "改名 利用者", "kana", "カイメイ", "birth_date", "1940-01-01", "sex", "female", "care_level", "care2")},
	"GET /t/{tenant}/residents/{id}/end":                    {object: "resident"},
	"POST /t/{tenant}/residents/{id}/end":                   {object: "resident", mutates: true, body: form("date", "2026-11-01", "reason", "moved")},
	"GET /t/{tenant}/residents/{id}/timeline":               {object: "resident"},
	"POST /t/{tenant}/residents/{id}/consents":              {object: "resident", mutates: true, body: form("method", "oral", "obtained_at", "2026-11-01", "obtained_by", "看護 花子")},
	"POST /t/{tenant}/residents/{id}/consents/{cid}/revoke": {object: "resident", mutates: true},
	"POST /t/{tenant}/residents/{id}/posts":                 {object: "resident", body: form("category", "report", "importance", "normal", "body", "本文N")},
	"POST /t/{tenant}/residents/{id}/team":                  {object: "resident", mutates: true, body: form("user_id", "INVITEE")},
	"POST /t/{tenant}/residents/{id}/team/accept":           {object: "resident", mutates: true},
	"POST /t/{tenant}/residents/{id}/team/decline":          {object: "resident", mutates: true},
	"POST /t/{tenant}/residents/{id}/team/leave":            {object: "resident", mutates: true},
	"POST /t/{tenant}/residents/{id}/team/{uid}/remove":     {object: "resident", mutates: true},
	"GET /t/{tenant}/posts/{id}":                            {object: "post"},
	"GET /t/{tenant}/posts/{id}/comments":                   {object: "post"},
	"GET /t/{tenant}/posts/{id}/reads":                      {object: "post"},
	"GET /t/{tenant}/posts/{id}/edit":                       {object: "post"},
	"POST /t/{tenant}/posts/{id}/edit":                      {object: "post", mutates: true, body: form("version", "1", "category", "report", "importance", "normal", "body", "改訂N")},
	"POST /t/{tenant}/posts/{id}/delete":                    {object: "post", mutates: true, body: form("reason", "誤記")},
	"POST /t/{tenant}/posts/{id}/comments":                  {object: "post", body: form("body", "コメントN")},
	"POST /t/{tenant}/posts/{id}/read":                      {object: "post"},
	"GET /t/{tenant}/unread":                                {object: "tenant"},
	"GET /t/{tenant}/unread/badges":                         {object: "tenant"},
	"GET /t/{tenant}/search":                                {object: "tenant", query: "?q=BETA-SECRET"},
	"GET /t/{tenant}/groups":                                {object: "tenant"},
	"GET /t/{tenant}/groups/new":                            {object: "tenant"},
	"POST /t/{tenant}/groups/new":                           {object: "tenant", body: form("name", "グループN")},
	"GET /t/{tenant}/groups/{id}":                           {object: "group"},
	"GET /t/{tenant}/groups/{id}/timeline":                  {object: "group"},
	"POST /t/{tenant}/groups/{id}/posts":                    {object: "group", body: form("body", "本文N")},
	"POST /t/{tenant}/groups/{id}/members":                  {object: "group", mutates: true, body: form("add", "INVITEE")},
	"GET /admin/residents":                                  {},
	"GET /admin/facilities":                                 {},
	"GET /admin/facilities/new":                             {},
	"POST /admin/facilities/new":                            {body: form("kind", "clinic", "name", "新しい診療所N")},
	"GET /admin/facilities/{id}":                            {object: "facility"},
	"POST /admin/facilities/{id}":                           {object: "facility", mutates: true, body: form("kind", "clinic", "name", "改名診療所N")},
	"GET /admin/users":                                      {},
	"GET /admin/users/new":                                  {},
	"POST /admin/users/new":                                 {body: form("login_id", "pageuserN", "name", "新規 職員", "profession", "nurse", "role", "member", "facilities", "FID", "password", "PW")},
	"GET /admin/users/{id}":                                 {object: "user"},
	"POST /admin/users/{id}":                                {object: "user", mutates: true, body: form("name", "改名 職員", "profession", "nurse", "role", "member", "facilities", "FID", "active", "on")},
	"GET /admin/users/{id}/delete":                          {object: "user"},
	"POST /admin/users/{id}/delete":                         {object: "user", mutates: true},
	"POST /admin/users/{id}/cert":                           {object: "user", mutates: true},
	"GET /admin/settings":                                   {},
	"POST /admin/settings":                                  {body: form("ended_retention_years", "7")},
	"GET /api/v1/settings":                                  {},
	"PATCH /api/v1/settings":                                {body: jsonBody(`{"ended_retention_years":7}`)},
	// Access controls (certificates, allow-lists, break-glass).
	"GET /operator/certs":                      {},
	"POST /operator/certs/{serial}/revoke":     {object: "cert", mutates: true},
	"GET /admin/certs":                         {},
	"POST /admin/certs/{serial}/revoke":        {object: "cert", mutates: true},
	"POST /admin/users/{id}/device-cert":       {object: "user", mutates: true},
	"GET /admin/access":                        {},
	"POST /admin/access":                       {body: form("admin_allow", "", "user_allow", "", "break_glass_minutes", "60")},
	"GET /admin/break-glass":                   {},
	"POST /admin/break-glass/{id}/acknowledge": {object: "grant", mutates: true},
	"GET /t/{tenant}/break-glass":              {object: "tenant", query: "?name=%E3%83%99%E3%83%BC%E3%82%BF&birth_date=1938-04-01"},
	"POST /t/{tenant}/break-glass":             {object: "resident", body: form("resident_id", "RID", "reason", "夜間の救急搬送に同行するため")},
	// Account security (issue 4): a change with a wrong current password
	// (the principals keep theirs), resets through a link nobody has.
	"GET /t/{tenant}/password":                {object: "tenant"},
	"POST /t/{tenant}/password":               {object: "tenant", body: form("current_password", "not-the-password", "password", "Kq7-xZp-Wm3vT-9", "password_confirm", "Kq7-xZp-Wm3vT-9")},
	"GET /t/{tenant}/password/forgot":         {object: "tenant"},
	"POST /t/{tenant}/password/forgot":        {object: "tenant", body: form("who", "LOGIN")},
	"GET /t/{tenant}/password/reset/{token}":  {object: "tenant"},
	"POST /t/{tenant}/password/reset/{token}": {object: "tenant", body: form("password", "Kq7-xZp-Wm3vT-9", "password_confirm", "Kq7-xZp-Wm3vT-9")},
	"GET /password":                           {},
	"POST /password":                          {body: form("current_password", "not-the-password", "password", "Kq7-xZp-Wm3vT-9", "password_confirm", "Kq7-xZp-Wm3vT-9")},
	"POST /admin/users/{id}/unlock":           {object: "user", mutates: true},
	"POST /admin/users/{id}/password":         {object: "user", mutates: true},
	"POST /api/v1/me/password":                {body: jsonBody(`{"current_password":"not-the-password","new_password":"Kq7-xZp-Wm3vT-9"}`)},
	"POST /api/v1/users/{id}/unlock":          {object: "user", mutates: true},

	// File sharing: API.
	"GET /api/v1/residents/{id}/files":              {object: "resident"},
	"POST /api/v1/residents/{id}/files":             {object: "resident", body: upload("新規N.pdf", "%PDF-1.7 new")},
	"POST /api/v1/residents/{id}/folders":           {object: "resident", body: jsonBody(`{"name":"フォルダN"}`)},
	"GET /api/v1/groups/{id}/files":                 {object: "group"},
	"POST /api/v1/groups/{id}/files":                {object: "group", body: upload("新規N.pdf", "%PDF-1.7 new")},
	"POST /api/v1/groups/{id}/folders":              {object: "group", body: jsonBody(`{"name":"フォルダN"}`)},
	"GET /api/v1/library/files":                     {},
	"POST /api/v1/library/files":                    {body: upload("資料N.pdf", "%PDF-1.7 lib")},
	"POST /api/v1/library/folders":                  {body: jsonBody(`{"name":"資料フォルダN"}`)},
	"GET /api/v1/files/{id}":                        {object: "file"},
	"PATCH /api/v1/files/{id}":                      {object: "file", mutates: true, body: jsonBody(`{"name":"改名N.pdf"}`)},
	"DELETE /api/v1/files/{id}":                     {object: "file", mutates: true},
	"GET /api/v1/files/{id}/content":                {object: "file"},
	"GET /api/v1/files/{id}/thumbnail":              {object: "file"},
	"POST /api/v1/files/{id}/versions":              {object: "file", mutates: true, body: upload("v.pdf", "%PDF-1.7 v2")},
	"POST /api/v1/files/{id}/versions/{no}/restore": {object: "file", mutates: true},
	"PATCH /api/v1/folders/{id}":                    {object: "folder", mutates: true, body: jsonBody(`{"name":"改名フォルダN"}`)},
	"DELETE /api/v1/folders/{id}":                   {object: "folder", mutates: true},
	"GET /api/v1/posts/{id}/attachments":            {object: "post"},
	"POST /api/v1/posts/{id}/attachments":           {object: "post", body: jsonBody(`{"file_id":"FILEID"}`)},
	"GET /api/v1/trash":                             {},
	"DELETE /api/v1/trash":                          {},
	// File sharing: pages.
	"GET /t/{tenant}/residents/{id}/files":              {object: "resident"},
	"POST /t/{tenant}/residents/{id}/files":             {object: "resident", body: upload("新規N.pdf", "%PDF-1.7 new")},
	"POST /t/{tenant}/residents/{id}/folders":           {object: "resident", body: form("name", "フォルダN")},
	"GET /t/{tenant}/groups/{id}/files":                 {object: "group"},
	"POST /t/{tenant}/groups/{id}/files":                {object: "group", body: upload("新規N.pdf", "%PDF-1.7 new")},
	"POST /t/{tenant}/groups/{id}/folders":              {object: "group", body: form("name", "フォルダN")},
	"GET /t/{tenant}/library":                           {object: "tenant"},
	"GET /t/{tenant}/files/{id}":                        {object: "file"},
	"GET /t/{tenant}/files/{id}/content":                {object: "file"},
	"GET /t/{tenant}/files/{id}/thumbnail":              {object: "file"},
	"POST /t/{tenant}/files/{id}/versions":              {object: "file", mutates: true, body: upload("v.pdf", "%PDF-1.7 v2")},
	"POST /t/{tenant}/files/{id}/versions/{no}/restore": {object: "file", mutates: true},
	"POST /t/{tenant}/files/{id}/edit":                  {object: "file", mutates: true, body: form("name", "改名N.pdf")},
	"POST /t/{tenant}/files/{id}/delete":                {object: "file", mutates: true},
	"POST /t/{tenant}/folders/{id}/delete":              {object: "folder", mutates: true},
	"POST /t/{tenant}/posts/{id}/attachments":           {object: "post", body: form("file", "FILEID")},
	"GET /admin/library":                                {},
	"POST /admin/library":                               {body: upload("資料N.pdf", "%PDF-1.7 lib")},
	"POST /admin/library/folders":                       {body: form("name", "資料フォルダN")},
	"GET /admin/files/{id}":                             {object: "file"},
	"GET /admin/files/{id}/content":                     {object: "file"},
	"POST /admin/files/{id}/versions":                   {object: "file", mutates: true, body: upload("v.pdf", "%PDF-1.7 v2")},
	"POST /admin/files/{id}/versions/{no}/restore":      {object: "file", mutates: true},
	"POST /admin/files/{id}/edit":                       {object: "file", mutates: true, body: form("name", "改名N.pdf")},
	"POST /admin/files/{id}/delete":                     {object: "file", mutates: true},
	"POST /admin/folders/{id}/delete":                   {object: "folder", mutates: true},
	"GET /admin/trash":                                  {},
	"POST /admin/trash/empty":                           {},
}

// principal is one kind of caller.
type principal struct {
	name   string
	tenant string // "" for the operator and the anonymous
	login  string // "" for the anonymous
	client *http.Client
	fp     string // client certificate fingerprint (admin listener)
}

type matrixEnv struct {
	*env
	issued map[string]app.IssuedCert // "slug.login"
	totp   map[string][]byte         // "slug.login": the admins' TOTP secrets
	clock  *storetest.Clock
	admin  map[string]care.Actor
	nurse  map[string]care.Actor
	own    vals
	beta   vals
	none   vals
	n      atomic.Int64
}

func TestCrossTenantMatrix(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			// Every admin login takes a TOTP code, and a code is good once:
			// each such login moves the clock to the next time step.
			clock := storetest.NewClock(time.Now())
			db := storetest.Open(t, engine, clock.Now)
			m := &matrixEnv{env: start(t, db), issued: map[string]app.IssuedCert{}, admin: map[string]care.Actor{},
				nurse: map[string]care.Actor{}, totp: map[string][]byte{}, clock: clock}
			m.seed(t)
			before := m.betaSnapshot(t)
			for _, l := range []care.Listener{care.UserListener, care.AdminListener} {
				routes := m.srv.Routes(l)
				principals := m.principals(t, l)
				for _, rt := range routes {
					spec, ok := matrix[rt.Key()]
					if !ok {
						t.Errorf("%s listener: route %q has no entry in the cross-tenant matrix", l, rt.Key())
						continue
					}
					for _, p := range principals {
						m.check(t, l, rt, spec, p)
					}
				}
			}
			if after := m.betaSnapshot(t); after != before {
				t.Errorf("beta's data changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func (m *matrixEnv) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	o := care.Origin{IP: "127.0.0.1", UserAgent: "matrix", Listener: care.AdminListener}
	op, err := m.app.InitOperator(ctx, "operator", "運用 担当", "", matrixPW, o)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][2]string{"alpha": {"アルファ診療所", "アルファ 職員"}, "beta": {betaMarkers[0], betaMarkers[1]}}
	for _, slug := range []string{"alpha", "beta"} {
		// Beta's accounts have another password: alpha's principals, who
		// know only theirs, must not get into beta by naming it.
		pw := matrixPW
		if slug == "beta" {
			pw = "Betanomizuki-2026"
		}
		if _, err := m.app.CreateTenant(ctx, op, care.NewTenant{Slug: slug, Name: slug + "地域", AdminLogin: "admin",
			AdminName: "管理 者", AdminPassword: pw}); err != nil {
			t.Fatal(err)
		}
		adm, err := m.app.TenantAdminActor(ctx, slug, "admin", o)
		if err != nil {
			t.Fatal(err)
		}
		m.admin[slug] = adm
		f, err := m.app.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: names[slug][0], Address: strings.ToUpper(slug) + "-SECRET-ADDR"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := m.app.CreateUser(ctx, adm, care.UserInput{LoginID: "nurse", Name: names[slug][1], Kana: "カンゴ", Profession: "nurse",
			Role: care.RoleMember, Facilities: []string{f.ID}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.app.CreateUser(ctx, adm, care.UserInput{LoginID: "fadmin", Name: "施設 管理", Profession: "doctor",
			Role: care.RoleFacilityAdmin, Facilities: []string{f.ID}, Password: pw}); err != nil {
			t.Fatal(err)
		}
		fadmin, err := m.app.Users(ctx, adm, app.UserFilter{Query: "fadmin"})
		if err != nil || len(fadmin) != 1 {
			t.Fatalf("fadmin: %v %v", fadmin, err)
		}
		// Admins, facility admins too, need a second factor before the
		// break-glass grant below can be opened by fadmin.
		for _, login := range []string{"admin", "fadmin"} {
			if m.totp[slug+"."+login], err = m.app.SeedTOTP(ctx, op, slug, login); err != nil {
				t.Fatal(err)
			}
		}
		v := vals{Slug: slug, FacilityID: f.ID, UserID: u.ID, Login: "nurse", MemberID: fadmin[0].ID}
		nurse := m.actor(t, slug, "nurse", pw)
		m.nurse[slug] = nurse
		m.book(t, nurse, &v, strings.ToUpper(slug))
		m.access(t, slug, &v, "fadmin", pw)
		if slug == "alpha" {
			m.own = v
		} else {
			m.beta = v
		}
		for _, login := range []string{"admin", "fadmin"} {
			c, err := m.app.IssueClientCert(ctx, op, slug, login)
			if err != nil {
				t.Fatal(err)
			}
			m.issued[slug+"."+login] = c
		}
	}
	c, err := m.app.IssueClientCert(ctx, op, "", "operator")
	if err != nil {
		t.Fatal(err)
	}
	m.issued[".operator"] = c
	if m.totp[".operator"], err = m.app.SeedTOTP(ctx, op, "", "operator"); err != nil {
		t.Fatal(err)
	}
	m.none = vals{Slug: "nosuchtenant", FacilityID: "0190f000-0000-7000-8000-000000000000",
		UserID: "0190f000-0000-7000-8000-000000000001", Login: "nurse", ResidentID: "0190f000-0000-7000-8000-000000000002",
		ConsentID: "0190f000-0000-7000-8000-000000000003", PostID: "0190f000-0000-7000-8000-000000000004",
		GroupID: "0190f000-0000-7000-8000-000000000005", MemberID: "0190f000-0000-7000-8000-000000000006",
		CertSerial: "7f00000000000000000000000000abcd", GrantID: "0190f000-0000-7000-8000-000000000007",
		FileID: "0190f000-0000-7000-8000-000000000009", FolderID: "0190f000-0000-7000-8000-000000000008"}
}

func (m *matrixEnv) certClient(t *testing.T, key string) (*http.Client, string) {
	c := m.issued[key]
	cert := c.TLSCertificate()
	return m.clientWith(t, &cert), pki.Fingerprint(c.Cert)
}

func (m *matrixEnv) principals(t *testing.T, l care.Listener) []principal {
	if l == care.UserListener {
		return []principal{
			{name: "anonymous", client: m.user},
			{name: "member", tenant: "alpha", login: "nurse", client: m.user},
			{name: "facility_admin", tenant: "alpha", login: "fadmin", client: m.user},
			{name: "tenant_admin", tenant: "alpha", login: "admin", client: m.user},
		}
	}
	anon, _ := m.certClient(t, "alpha.admin")
	fa, fafp := m.certClient(t, "alpha.fadmin")
	ta, tafp := m.certClient(t, "alpha.admin")
	op, opfp := m.certClient(t, ".operator")
	return []principal{
		{name: "anonymous", client: anon},
		{name: "facility_admin", tenant: "alpha", login: "fadmin", client: fa, fp: fafp},
		{name: "tenant_admin", tenant: "alpha", login: "admin", client: ta, fp: tafp},
		{name: "operator", login: "operator", client: op, fp: opfp},
	}
}

// actor logs in through the app and returns the user listener's actor.
func (m *matrixEnv) actor(t *testing.T, slug, login, pw string) care.Actor {
	t.Helper()
	ctx := context.Background()
	o := care.Origin{IP: "127.0.0.1", Listener: care.UserListener}
	tok, act, err := m.app.Login(ctx, app.Credentials{Tenant: slug, LoginID: login, Password: pw, Origin: o})
	if err != nil {
		t.Fatal(err)
	}
	if act.Stage != "" {
		m.clock.Advance(auth.TOTPPeriod)
		code, err := auth.TOTPCode(m.totp[slug+"."+login], m.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if tok, _, err = m.app.VerifyFactor(ctx, act, code); err != nil {
			t.Fatalf("second factor of %s.%s: %v", slug, login, err)
		}
	}
	act, err = m.app.Authenticate(ctx, tok, o, "")
	if err != nil {
		t.Fatal(err)
	}
	return act
}

// book gives the nurse a resident with consent, a post with a comment, an
// invited colleague (v.MemberID) and a group; for beta, with markers.
func (m *matrixEnv) book(t *testing.T, nurse care.Actor, v *vals, tag string) {
	t.Helper()
	ctx := context.Background()
	name, scope, body, comment, group := "アルファ 利用者", "全般", "記事本文", "コメント本文", "アルファグループ"
	if tag == "BETA" {
		name, scope, body, comment, group = betaMarkers[3], betaMarkers[7], betaMarkers[4], betaMarkers[5], betaMarkers[6]
	}
	r, err := m.app.CreateResident(ctx, nurse, care.ResidentInput{Name: name, Kana: "リヨウシャ", BirthDate: "1938-04-01",
		Sex: "female", CareLevel: "care2"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.app.AddConsent(ctx, nurse, r.ID, care.ConsentInput{Method: "written", ObtainedAt: "2026-10-01", ObtainedBy: "看護 花子", Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.app.Invite(ctx, nurse, r.ID, v.MemberID); err != nil {
		t.Fatal(err)
	}
	p, err := m.app.CreatePost(ctx, nurse, r.ID, care.PostInput{Category: "report", Importance: "normal", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.app.AddComment(ctx, nurse, p.ID, comment); err != nil {
		t.Fatal(err)
	}
	g, err := m.app.CreateGroup(ctx, nurse, care.GroupInput{Name: group})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.app.CreateGroupPost(ctx, nurse, g.ID, care.PostInput{Category: "notice", Importance: "normal", Body: body}); err != nil {
		t.Fatal(err)
	}
	v.ResidentID, v.ConsentID, v.PostID, v.GroupID = r.ID, c.ID, p.ID, g.ID
	space := care.Space{Kind: care.SpaceResident, ID: r.ID}
	fileName, folderName := "紹介状.pdf", "検査結果"
	if tag == "BETA" {
		fileName, folderName = betaMarkers[8]+".pdf", betaMarkers[9]
	}
	file, err := m.app.Upload(ctx, nurse, space, app.UploadInput{Name: fileName, Body: strings.NewReader("%PDF-1.7\n" + body)})
	if err != nil {
		t.Fatal(err)
	}
	folder, err := m.app.CreateFolder(ctx, nurse, space, "", folderName)
	if err != nil {
		t.Fatal(err)
	}
	v.FileID, v.FolderID = file.ID, folder.ID
}

// access gives the tenant a device certificate (for v.UserID) and a
// break-glass grant on v.ResidentID, opened by login (not on its team).
func (m *matrixEnv) access(t *testing.T, slug string, v *vals, login, pw string) {
	t.Helper()
	ctx := context.Background()
	c, err := m.app.IssueDeviceCert(ctx, m.admin[slug], v.UserID)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.app.OpenBreakGlass(ctx, m.actor(t, slug, login, pw), v.ResidentID, "夜間の緊急対応のため閲覧")
	if err != nil {
		t.Fatal(err)
	}
	v.CertSerial, v.GrantID = c.Serial, g.ID
}

// fresh makes new own objects for a mutating request.
func (m *matrixEnv) fresh(t *testing.T) vals {
	t.Helper()
	ctx := context.Background()
	n := m.n.Add(1)
	adm := m.admin["alpha"]
	f, err := m.app.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: fmt.Sprintf("使い捨て診療所%d", n)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := m.app.CreateUser(ctx, adm, care.UserInput{LoginID: fmt.Sprintf("temp%d", n), Name: "一時 職員", Profession: "nurse",
		Role: care.RoleMember, Facilities: []string{f.ID}, Password: matrixPW})
	if err != nil {
		t.Fatal(err)
	}
	v := vals{Slug: "alpha", FacilityID: f.ID, UserID: u.ID, Login: "nurse", MemberID: m.own.MemberID}
	m.book(t, m.nurse["alpha"], &v, "ALPHA")
	m.access(t, "alpha", &v, fmt.Sprintf("temp%d", n), matrixPW)
	return v
}

// login opens a fresh session for the principal, so routes that end
// sessions do not disturb the others.
func (m *matrixEnv) login(t *testing.T, l care.Listener, p principal) string {
	t.Helper()
	if p.login == "" {
		return ""
	}
	ctx := context.Background()
	tok, act, err := m.app.Login(ctx, app.Credentials{Tenant: p.tenant, LoginID: p.login, Password: matrixPW,
		Origin: care.Origin{IP: "127.0.0.1", Listener: l}, CertFingerprint: p.fp})
	if err != nil {
		t.Fatalf("login %s on %s: %v", p.name, l, err)
	}
	if act.Stage != "" {
		m.clock.Advance(auth.TOTPPeriod)
		code, err := auth.TOTPCode(m.totp[p.tenant+"."+p.login], m.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if tok, _, err = m.app.VerifyFactor(ctx, act, code); err != nil {
			t.Fatalf("second factor of %s on %s: %v", p.name, l, err)
		}
	}
	return tok
}

type answer struct {
	status int
	body   string
	loc    string
}

func (m *matrixEnv) do(t *testing.T, l care.Listener, rt httpx.Route, spec routeSpec, p principal, v vals) answer {
	t.Helper()
	n := int(m.n.Add(1))
	path := rt.Pattern
	path = strings.ReplaceAll(path, "{$}", "")
	// Pages of a tenant's objects are asked for under the principal's own
	// tenant: the object, not the path, is what varies.
	slug := "alpha"
	if spec.object == "tenant" {
		slug = v.Slug
	}
	path = strings.ReplaceAll(path, "{tenant}", slug)
	path = strings.ReplaceAll(path, "{id}", map[string]string{"facility": v.FacilityID, "user": v.UserID,
		"resident": v.ResidentID, "post": v.PostID, "group": v.GroupID, "grant": v.GrantID, "file": v.FileID,
		"folder": v.FolderID}[spec.object])
	path = strings.ReplaceAll(path, "{serial}", v.CertSerial)
	path = strings.ReplaceAll(path, "{no}", "1")
	path = strings.ReplaceAll(path, "{cid}", v.ConsentID)
	path = strings.ReplaceAll(path, "{uid}", v.MemberID)
	path = strings.ReplaceAll(path, "{file...}", "app.css")
	path = strings.ReplaceAll(path, "{token}", strings.Repeat("T", 43))
	path += spec.query
	base := m.userURL
	if l == care.AdminListener {
		base = m.adminURL
	}
	var body io.Reader
	ctype := ""
	if spec.body != nil {
		// Bodies name alpha's facility for new users, whatever the variant.
		bv := v
		if spec.object != "facility" {
			bv.FacilityID = m.own.FacilityID
		}
		var s string
		ctype, s = spec.body(bv, n)
		body = strings.NewReader(s)
	}
	req, err := http.NewRequest(rt.Method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok := m.login(t, l, p); tok != "" {
		req.AddCookie(&http.Cookie{Name: m.srv.Sessions(l).CookieName(), Value: tok})
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", rt.Method, path, p.name, err)
	}
	defer resp.Body.Close()
	if spec.stream && resp.StatusCode == http.StatusOK {
		return answer{status: resp.StatusCode, loc: resp.Header.Get("Content-Type")}
	}
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), loc: resp.Header.Get("Location")}
}

// normalise hides what legitimately differs between two variants: the IDs
// and slug in the request, and the request ID.
func normalise(a answer, v vals) answer {
	r := strings.NewReplacer(v.Slug, "SLUG", v.FacilityID, "ID", v.UserID, "ID", v.ResidentID, "ID", v.ConsentID, "ID",
		v.PostID, "ID", v.GroupID, "ID", v.MemberID, "ID", v.CertSerial, "ID", v.GrantID, "ID", v.FileID, "ID",
		v.FolderID, "ID")
	a.body = r.Replace(a.body)
	a.loc = r.Replace(a.loc)
	if i := strings.Index(a.body, `"request_id":"`); i >= 0 {
		j := strings.Index(a.body[i+14:], `"`)
		a.body = a.body[:i+14] + a.body[i+14+j:]
	}
	return a
}

func (m *matrixEnv) check(t *testing.T, l care.Listener, rt httpx.Route, spec routeSpec, p principal) {
	t.Helper()
	name := fmt.Sprintf("%s %s as %s", l, rt.Key(), p.name)
	own := m.own
	if spec.mutates {
		own = m.fresh(t)
	}
	got := m.do(t, l, rt, spec, p, own)
	if got.status >= 500 {
		t.Errorf("%s: status %d: %.300s", name, got.status, got.body)
	}
	if !rt.Public && p.login == "" {
		if got.status != http.StatusUnauthorized && !(got.status == http.StatusSeeOther && strings.Contains(got.loc, "login")) {
			t.Errorf("%s: without a session got %d (location %q), want 401 or a redirect to login", name, got.status, got.loc)
		}
	}
	m.noLeak(t, name, got)
	if spec.object == "" || p.tenant == "" && spec.object != "tenant" {
		return
	}
	if p.tenant == "" && p.login != "" {
		// The operator belongs to no tenant: beta is as foreign as alpha.
		return
	}
	foreign := m.do(t, l, rt, spec, p, m.beta)
	missing := m.do(t, l, rt, spec, p, m.none)
	m.noLeak(t, name+" (foreign)", foreign)
	if a, b := normalise(foreign, m.beta), normalise(missing, m.none); a != b {
		t.Errorf("%s: beta's object answers unlike a missing one:\nforeign %d %q %.400s\nmissing %d %q %.400s",
			name, a.status, a.loc, a.body, b.status, b.loc, b.body)
	}
}

func (m *matrixEnv) noLeak(t *testing.T, name string, a answer) {
	t.Helper()
	for _, mk := range betaMarkers {
		if strings.Contains(a.body, mk) {
			t.Errorf("%s: the answer contains beta's %q", name, mk)
		}
	}
}

// betaSnapshot renders beta's facilities and users as beta's admin sees them.
func (m *matrixEnv) betaSnapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	fs, err := m.app.Facilities(ctx, m.admin["beta"])
	if err != nil {
		t.Fatal(err)
	}
	us, err := m.app.Users(ctx, m.admin["beta"], app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s|%s|%s|%s;", f.ID, f.Kind, f.Name, f.Address)
	}
	for _, u := range us {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%v|%v;", u.ID, u.LoginID, u.Name, u.Role, u.Active, u.Facilities)
	}
	nurse := m.nurse["beta"]
	rp, err := m.app.Resident(ctx, nurse, m.beta.ResidentID)
	if err != nil {
		t.Fatal(err)
	}
	r := rp.Resident
	fmt.Fprintf(&b, "resident %s|%s|%s|%v|%d;", r.ID, r.Name, r.Notes, r.Ended(), r.Version)
	for _, c := range rp.Consents {
		fmt.Fprintf(&b, "consent %s|%v;", c.ID, c.Active())
	}
	for _, tm := range rp.Team {
		fmt.Fprintf(&b, "team %s|%s;", tm.UserID, tm.Status)
	}
	pg, err := m.app.Posts(ctx, nurse, m.beta.ResidentID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pg.Items {
		fmt.Fprintf(&b, "post %s|%s|%d|%v|%d;", p.ID, p.Body, p.Version, p.Deleted(), p.CommentCount)
	}
	g, err := m.app.Group(ctx, nurse, m.beta.GroupID)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "group %s|%s|%v;", g.ID, g.Name, g.Members)
	gp, err := m.app.GroupPosts(ctx, nurse, m.beta.GroupID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "group posts %d", len(gp.Items))
	return b.String()
}
