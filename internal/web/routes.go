package web

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// Routes returns the pages of the listener the Web was made for. Public
// routes need no session; every other page sends a visitor without one
// to the login page. The …/timeline, …/comments (GET), …/reads and
// unread/badges routes answer fragments for the live script.
func (w *Web) Routes() []httpx.Route {
	page := func(method, pattern string, fn pageFunc) httpx.Route {
		return httpx.Route{Method: method, Pattern: pattern, Handler: w.session(fn)}
	}
	routes := []httpx.Route{
		{Method: "GET", Pattern: "/static/{file...}", Public: true, Handler: http.HandlerFunc(w.assets.serve)},
		{Method: "POST", Pattern: "/lang", Public: true, Handler: w.handle(w.setLang)},
	}
	if w.sess.Listener == care.UserListener {
		const t = "/t/{tenant}"
		routes = append(routes, []httpx.Route{
			{Method: "GET", Pattern: "/{$}", Public: true, Handler: w.handle(w.region)},
			{Method: "GET", Pattern: t + "/login", Public: true, Handler: w.handle(w.loginPage)},
			{Method: "POST", Pattern: t + "/login", Public: true, Handler: w.handle(w.login)},
			page("POST", t+"/logout", w.logout),
			page("GET", t+"/password", w.passwordPage),
			page("POST", t+"/password", w.changePassword),
			{Method: "GET", Pattern: t + "/password/forgot", Public: true, Handler: w.handle(w.forgotPage)},
			{Method: "POST", Pattern: t + "/password/forgot", Public: true, Handler: w.handle(w.forgot)},
			{Method: "GET", Pattern: t + "/password/reset/{token}", Public: true, Handler: w.handle(w.resetPage)},
			{Method: "POST", Pattern: t + "/password/reset/{token}", Public: true, Handler: w.handle(w.reset)},
		}...)
		routes = append(routes, w.factorRoutes(t+"/")...)
		return append(routes, []httpx.Route{
			page("GET", t+"/{$}", w.home),

			page("GET", t+"/residents", w.residents),
			page("GET", t+"/residents/new", w.newResident),
			page("POST", t+"/residents/new", w.createResident),
			page("GET", t+"/residents/{id}", w.resident),
			page("GET", t+"/residents/{id}/edit", w.editResident),
			page("POST", t+"/residents/{id}/edit", w.updateResident),
			page("GET", t+"/residents/{id}/end", w.confirmEnd),
			page("POST", t+"/residents/{id}/end", w.endResident),
			page("POST", t+"/residents/{id}/consents", w.addConsent),
			page("POST", t+"/residents/{id}/consents/{cid}/revoke", w.revokeConsent),
			page("POST", t+"/residents/{id}/team", w.invite),
			page("POST", t+"/residents/{id}/team/accept", w.acceptInvitation),
			page("POST", t+"/residents/{id}/team/decline", w.declineInvitation),
			page("POST", t+"/residents/{id}/team/leave", w.leaveTeam),
			page("POST", t+"/residents/{id}/team/{uid}/remove", w.removeFromTeam),
			page("POST", t+"/residents/{id}/posts", w.createPost),
			page("GET", t+"/residents/{id}/timeline", w.residentTimeline),

			page("GET", t+"/posts/{id}", w.post),
			page("GET", t+"/posts/{id}/edit", w.editPost),
			page("POST", t+"/posts/{id}/edit", w.updatePost),
			page("POST", t+"/posts/{id}/delete", w.deletePost),
			page("POST", t+"/posts/{id}/read", w.markRead),
			page("GET", t+"/posts/{id}/comments", w.postComments),
			page("POST", t+"/posts/{id}/comments", w.addComment),
			page("GET", t+"/posts/{id}/reads", w.postReads),

			page("GET", t+"/unread", w.unread),
			page("GET", t+"/unread/badges", w.badges),
			page("GET", t+"/search", w.search),

			page("GET", t+"/groups", w.groups),
			page("GET", t+"/groups/new", w.newGroup),
			page("POST", t+"/groups/new", w.createGroup),
			page("GET", t+"/groups/{id}", w.group),
			page("POST", t+"/groups/{id}/posts", w.createGroupPost),
			page("POST", t+"/groups/{id}/members", w.updateGroupMembers),
			page("GET", t+"/groups/{id}/timeline", w.groupTimeline),

			page("GET", t+"/break-glass", w.breakGlass),
			page("POST", t+"/break-glass", w.openBreakGlass),
			page("GET", t+"/residents/{id}/files", w.files(care.SpaceResident)),
			page("POST", t+"/residents/{id}/files", w.upload(care.SpaceResident)),
			page("POST", t+"/residents/{id}/folders", w.createFolder(care.SpaceResident)),
			page("GET", t+"/groups/{id}/files", w.files(care.SpaceGroup)),
			page("POST", t+"/groups/{id}/files", w.upload(care.SpaceGroup)),
			page("POST", t+"/groups/{id}/folders", w.createFolder(care.SpaceGroup)),
			page("GET", t+"/library", w.files(care.SpaceLibrary)),
			page("GET", t+"/files/{id}", w.file),
			page("GET", t+"/files/{id}/content", w.fileContent),
			page("GET", t+"/files/{id}/thumbnail", w.fileThumbnail),
			page("POST", t+"/files/{id}/versions", w.uploadVersion),
			page("POST", t+"/files/{id}/versions/{no}/restore", w.restoreVersion),
			page("POST", t+"/files/{id}/edit", w.updateFile),
			page("POST", t+"/files/{id}/delete", w.deleteFile),
			page("POST", t+"/folders/{id}/delete", w.deleteFolder),
			page("POST", t+"/posts/{id}/attachments", w.attachFile),
		}...)
	}
	routes = append(routes, []httpx.Route{
		{Method: "GET", Pattern: "/login", Public: true, Handler: w.handle(w.loginPage)},
		{Method: "POST", Pattern: "/login", Public: true, Handler: w.handle(w.login)},
		page("POST", "/logout", w.logout),
		page("GET", "/password", w.passwordPage),
		page("POST", "/password", w.changePassword),
	}...)
	routes = append(routes, w.factorRoutes("/")...)
	return append(routes, []httpx.Route{
		page("GET", "/{$}", w.console),

		page("GET", "/operator/tenants", w.tenants),
		page("GET", "/operator/tenants/new", w.newTenant),
		page("POST", "/operator/tenants", w.createTenant),
		page("POST", "/operator/certs", w.issueCert),
		page("GET", "/operator/audit", w.audit),
		page("GET", "/operator/audit/export", w.auditExport),
		page("GET", "/operator/audit/evidence", w.auditEvidence),

		page("GET", "/admin/facilities", w.facilities),
		page("GET", "/admin/facilities/new", w.newFacility),
		page("POST", "/admin/facilities/new", w.createFacility),
		page("GET", "/admin/facilities/{id}", w.editFacility),
		page("POST", "/admin/facilities/{id}", w.updateFacility),

		page("GET", "/admin/users", w.users),
		page("GET", "/admin/users/new", w.newUser),
		page("POST", "/admin/users/new", w.createUser),
		page("GET", "/admin/users/{id}", w.editUser),
		page("POST", "/admin/users/{id}", w.updateUser),
		page("GET", "/admin/users/{id}/delete", w.confirmDeleteUser),
		page("POST", "/admin/users/{id}/delete", w.deleteUser),
		page("POST", "/admin/users/{id}/cert", w.issueUserCert),
		page("POST", "/admin/users/{id}/unlock", w.unlockUser),
		page("POST", "/admin/users/{id}/password", w.reissuePassword),
		page("POST", "/admin/users/{id}/factors/reset", w.resetUserFactors),
		page("POST", "/admin/users/{id}/signout", w.signOutUser),

		page("GET", "/admin/residents", w.register),
		page("GET", "/admin/audit", w.audit),
		page("GET", "/admin/audit/export", w.auditExport),
		page("GET", "/admin/audit/evidence", w.auditEvidence),
		page("GET", "/admin/audit/logins", w.auditLogins),
		page("GET", "/admin/settings", w.settings),
		page("POST", "/admin/settings", w.updateSettings),

		page("GET", "/operator/certs", w.certs),
		page("POST", "/operator/certs/{serial}/revoke", w.revokeCert),
		page("GET", "/admin/certs", w.certs),
		page("POST", "/admin/certs/{serial}/revoke", w.revokeCert),
		page("POST", "/admin/users/{id}/device-cert", w.issueDeviceCert),
		page("GET", "/admin/access", w.accessSettings),
		page("POST", "/admin/access", w.updateAccessSettings),
		page("GET", "/admin/break-glass", w.breakGlassReview),
		page("POST", "/admin/break-glass/{id}/acknowledge", w.acknowledgeBreakGlass),
		page("GET", "/admin/library", w.files(care.SpaceLibrary)),
		page("POST", "/admin/library", w.upload(care.SpaceLibrary)),
		page("POST", "/admin/library/folders", w.createFolder(care.SpaceLibrary)),
		page("GET", "/admin/files/{id}", w.file),
		page("GET", "/admin/files/{id}/content", w.fileContent),
		page("POST", "/admin/files/{id}/versions", w.uploadVersion),
		page("POST", "/admin/files/{id}/versions/{no}/restore", w.restoreVersion),
		page("POST", "/admin/files/{id}/edit", w.updateFile),
		page("POST", "/admin/files/{id}/delete", w.deleteFile),
		page("POST", "/admin/folders/{id}/delete", w.deleteFolder),
		page("GET", "/admin/trash", w.trash),
		page("POST", "/admin/trash/empty", w.emptyTrash),
	}...)
}
