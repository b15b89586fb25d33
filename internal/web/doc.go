// Package web serves renrakucho's HTML pages for one listener: the
// members' pages under /t/{tenant}/ on the user listener, and every console
// page of operators, tenant admins and facility admins on the admin
// listener.
//
// A handler parses the request, validates it, calls one app method and
// renders; every error goes back to one place (Web.fail), which either
// shows the form again with the user's input and a message under each
// field, or an error page whose status comes from httpx.Status.
//
// Templates and assets are embedded and prepared once by New: the
// templates are parsed once per language, so `t` in a template is already
// bound to the page's language, and static files are served under names
// that carry a digest of their content, cached for a year. The pages work
// without JavaScript and under a strict content security policy: no inline
// script or style anywhere.
package web
