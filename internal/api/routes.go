package api

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// Routes returns the API routes of the listener the API serves, every one
// on one screen. openapi.yaml documents exactly these (openapi_test.go).
func (a *API) Routes() []httpx.Route {
	const v1 = "/api/v1"
	routes := []httpx.Route{
		{Method: http.MethodGet, Pattern: v1 + "/openapi.yaml", Public: true, Handler: a.handle(a.openAPI)},
		{Method: http.MethodPost, Pattern: v1 + "/sessions", Public: true, Handler: a.handle(a.login)},
		{Method: http.MethodDelete, Pattern: v1 + "/sessions/current", Handler: a.authed(a.logout)},
		{Method: http.MethodGet, Pattern: v1 + "/me", Handler: a.authed(a.me)},
		{Method: http.MethodPost, Pattern: v1 + "/me/password", Handler: a.authed(a.changePassword)},
		{Method: http.MethodGet, Pattern: v1 + "/me/sessions", Handler: a.authed(a.mySessions)},
		{Method: http.MethodDelete, Pattern: v1 + "/me/sessions/{id}", Handler: a.authed(a.revokeSession)},
	}
	if a.sessions.Listener != care.AdminListener {
		return append(routes,
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/facilities", Handler: a.authed(a.facilities)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/users", Handler: a.authed(a.directory)},

			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/residents", Handler: a.authed(a.residents)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents", Handler: a.authed(a.createResident)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/residents/{id}", Handler: a.authed(a.resident)},
			httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/residents/{id}", Handler: a.authed(a.updateResident)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/end", Handler: a.authed(a.endResident)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/consents", Handler: a.authed(a.addConsent)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/consents/{cid}/revoke", Handler: a.authed(a.revokeConsent)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/residents/{id}/team", Handler: a.authed(a.team)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/team", Handler: a.authed(a.invite)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/team/accept", Handler: a.authed(a.teamChange(a.acceptInvitation))},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/team/decline", Handler: a.authed(a.teamChange(a.declineInvitation))},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/team/leave", Handler: a.authed(a.teamChange(a.leaveTeam))},
			httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/residents/{id}/team/{uid}", Handler: a.authed(a.removeFromTeam)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/residents/{id}/posts", Handler: a.authed(a.residentPosts)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/posts", Handler: a.authed(a.createResidentPost)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/invitations", Handler: a.authed(a.invitations)},

			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/posts/{id}", Handler: a.authed(a.post)},
			httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/posts/{id}", Handler: a.authed(a.updatePost)},
			httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/posts/{id}", Handler: a.authed(a.deletePost)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/posts/{id}/comments", Handler: a.authed(a.addComment)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/posts/{id}/read", Handler: a.authed(a.markRead)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/posts/{id}/reads", Handler: a.authed(a.reads)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/unread", Handler: a.authed(a.unread)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/search", Handler: a.authed(a.search)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/events", Handler: a.authed(a.events)},

			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/groups", Handler: a.authed(a.groups)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/groups", Handler: a.authed(a.createGroup)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/groups/{id}", Handler: a.authed(a.group)},
			httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/groups/{id}/members", Handler: a.authed(a.updateGroupMembers)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/groups/{id}/posts", Handler: a.authed(a.groupPosts)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/groups/{id}/posts", Handler: a.authed(a.createGroupPost)},

			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/residents/{id}/files", Handler: a.authed(a.listFiles(residentSpace))},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/files", Handler: a.authed(a.uploadFile(residentSpace))},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/residents/{id}/folders", Handler: a.authed(a.createFolder(residentSpace))},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/groups/{id}/files", Handler: a.authed(a.listFiles(groupSpace))},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/groups/{id}/files", Handler: a.authed(a.uploadFile(groupSpace))},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/groups/{id}/folders", Handler: a.authed(a.createFolder(groupSpace))},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/library/files", Handler: a.authed(a.listFiles(librarySpace))},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/files/{id}", Handler: a.authed(a.file)},
			httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/files/{id}", Handler: a.authed(a.updateFile)},
			httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/files/{id}", Handler: a.authed(a.deleteFile)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/files/{id}/content", Handler: a.authed(a.fileContent)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/files/{id}/thumbnail", Handler: a.authed(a.fileThumbnail)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/files/{id}/versions", Handler: a.authed(a.uploadVersion)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/files/{id}/versions/{no}/restore", Handler: a.authed(a.restoreVersion)},
			httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/folders/{id}", Handler: a.authed(a.renameFolder)},
			httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/folders/{id}", Handler: a.authed(a.deleteFolder)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/posts/{id}/attachments", Handler: a.authed(a.attachments)},
			httpx.Route{Method: http.MethodPost, Pattern: v1 + "/posts/{id}/attachments", Handler: a.authed(a.attachFile)},
		)
	}
	return append(routes,
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/facilities", Handler: a.authed(a.facilities)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/facilities", Handler: a.authed(a.createFacility)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/facilities/{id}", Handler: a.authed(a.facility)},
		httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/facilities/{id}", Handler: a.authed(a.updateFacility)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/users", Handler: a.authed(a.users)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/users", Handler: a.authed(a.createUser)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/users/{id}", Handler: a.authed(a.user)},
		httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/users/{id}", Handler: a.authed(a.updateUser)},
		httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/users/{id}", Handler: a.authed(a.deleteUser)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/users/{id}/unlock", Handler: a.authed(a.unlockUser)},
		httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/users/{id}/sessions", Handler: a.authed(a.signOutUser)},
		httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/users/{id}/factors", Handler: a.authed(a.resetFactors)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/audit", Handler: a.authed(a.audit)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/settings", Handler: a.authed(a.settings)},
		httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/settings", Handler: a.authed(a.updateSettings)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/tenants", Handler: a.authed(a.tenants)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/tenants", Handler: a.authed(a.createTenant)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/certs", Handler: a.authed(a.issueCert)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/residents", Handler: a.authed(a.residents)},
		// The tenant library (tenant admins publish) and the trash.
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/library/files", Handler: a.authed(a.listFiles(librarySpace))},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/library/files", Handler: a.authed(a.uploadFile(librarySpace))},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/library/folders", Handler: a.authed(a.createFolder(librarySpace))},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/files/{id}", Handler: a.authed(a.file)},
		httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/files/{id}", Handler: a.authed(a.updateFile)},
		httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/files/{id}", Handler: a.authed(a.deleteFile)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/files/{id}/content", Handler: a.authed(a.fileContent)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/files/{id}/versions", Handler: a.authed(a.uploadVersion)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/files/{id}/versions/{no}/restore", Handler: a.authed(a.restoreVersion)},
		httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/folders/{id}", Handler: a.authed(a.renameFolder)},
		httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/folders/{id}", Handler: a.authed(a.deleteFolder)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/trash", Handler: a.authed(a.trash)},
		httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/trash", Handler: a.authed(a.emptyTrash)},
	)
}
