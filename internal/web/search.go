package web

import (
	"net/http"
	"strings"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
)

var searchSpec = &formSpec{fields: []specField{
	{name: "q", label: "search.words"},
	{name: "resident", label: "search.resident"},
	{name: "group", label: "search.group"},
	{name: "category", label: "post.category"},
	{name: "importance", label: "post.importance"},
	{name: "author", label: "search.author"},
	{name: "from", label: "search.from"},
	{name: "to", label: "search.to"},
}}

// searchLimit bounds the results shown.
const searchLimit = 100

type searchData struct {
	Tenant     string
	Residents  []Choice
	Groups     []Choice
	Categories []Choice
	Importance []Choice
	Authors    []Choice
	Searched   bool
	Results    []postItem
	Limit      int
	Truncated  bool
}

// contexts names the contact books and boards the member may see, for
// lists of posts across them.
type contexts struct {
	residents, groups map[string]string
	resCh, groupCh    []Choice
}

func (w *Web) contexts(r *http.Request, act care.Actor, ended bool) (contexts, error) {
	c := contexts{residents: map[string]string{}, groups: map[string]string{}}
	lists := []bool{false}
	if ended {
		lists = append(lists, true)
	}
	for _, e := range lists {
		rs, err := w.app.Residents(r.Context(), act, app.ResidentFilter{Ended: e})
		if err != nil {
			return c, err
		}
		for _, res := range rs {
			c.residents[res.ID] = res.Name
			c.resCh = append(c.resCh, Choice{Value: res.ID, Text: res.Name})
		}
	}
	gs, err := w.app.Groups(r.Context(), act)
	if err != nil {
		return c, err
	}
	for _, g := range gs {
		c.groups[g.ID] = g.Name
		c.groupCh = append(c.groupCh, Choice{Value: g.ID, Text: g.Name})
	}
	return c, nil
}

// label names each item's contact book or board and links to it.
func (c contexts) label(act care.Actor, items []postItem) {
	for i := range items {
		p := &items[i]
		if p.GroupID != "" {
			p.Context, p.ContextHref = c.groups[p.GroupID], groupPath(act, p.GroupID)
		} else {
			p.Context, p.ContextHref = c.residents[p.ResidentID], residentPath(act, p.ResidentID)
		}
	}
}

// search finds posts (and posts whose comments match) in everything the
// member may see, within one contact book or board when one is chosen.
func (w *Web) search(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f := newForm(searchSpec, r.URL.Query())
	c, err := w.contexts(r, act, true)
	if err != nil {
		return err
	}
	us, err := w.app.Directory(r.Context(), act, app.UserFilter{})
	if err != nil {
		return err
	}
	d := searchData{Tenant: act.TenantSlug, Residents: c.resCh, Groups: c.groupCh, Categories: choices("category", care.Categories),
		Importance: choices("importance", care.Importances), Authors: userChoices(us, ""), Limit: searchLimit}
	q := app.SearchQuery{Words: strings.TrimSpace(f.Get("q")), ResidentID: f.Get("resident"), GroupID: f.Get("group"),
		Category: care.Category(f.Get("category")), Importance: care.Importance(f.Get("importance")), AuthorID: f.Get("author"),
		From: strings.TrimSpace(f.Get("from")), To: strings.TrimSpace(f.Get("to")), Limit: searchLimit + 1}
	render := func(status int) error { return w.render(rw, r, status, pageSearch, view{Form: f, Data: d}) }
	d.Searched = q.Words != "" || q.ResidentID != "" || q.GroupID != "" || q.Category != "" || q.Importance != "" ||
		q.AuthorID != "" || q.From != "" || q.To != ""
	if !d.Searched {
		return render(http.StatusOK)
	}
	var v care.Invalid
	if q.Category != "" && !known(care.Categories, q.Category) {
		v.Add("category", "error.choice")
	}
	if q.Importance != "" && !known(care.Importances, q.Importance) {
		v.Add("importance", "error.choice")
	}
	for _, fd := range []struct{ name, val string }{{"from", q.From}, {"to", q.To}} {
		if _, ok := care.ParseDate(fd.val); fd.val != "" && !ok {
			v.Add(fd.name, "web.error.date")
		}
	}
	if err := v.Err(); err != nil {
		d.Searched = false
		return refill(f, err, render)
	}
	ps, err := w.app.Search(r.Context(), act, q)
	if err != nil {
		d.Searched = false
		return refill(f, err, render)
	}
	if len(ps) > searchLimit {
		ps, d.Truncated = ps[:searchLimit], true
	}
	d.Results = postItems(act, ps, nil, r.URL.RequestURI())
	c.label(act, d.Results)
	return render(http.StatusOK)
}

type unreadData struct {
	Tenant string
	Items  []postItem
	// Full says the list stopped at the most the app returns.
	Full bool
}

// unreadMax is the most unread posts the app lists.
const unreadMax = 100

// unread lists the member's unread posts across contact books and boards.
func (w *Web) unread(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	ps, err := w.app.Unread(r.Context(), act)
	if err != nil {
		return err
	}
	c, err := w.contexts(r, act, false)
	if err != nil {
		return err
	}
	d := unreadData{Tenant: act.TenantSlug, Items: postItems(act, ps, nil, tenantPath(act.TenantSlug, "unread")), Full: len(ps) >= unreadMax}
	c.label(act, d.Items)
	return w.render(rw, r, http.StatusOK, pageUnread, view{Notice: noticeKey(r), Data: d})
}

// badge is one unread count of a page: a contact book's, a board's or
// the total.
type badge struct {
	Key            string // data-badge-for
	Unread, Urgent int
	// More says the count reached the most the app lists.
	More bool
}

// badges are the member's unread counts, as a fragment whose elements
// the live script matches to the page's by data-badge-for.
func (w *Web) badges(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	ps, err := w.app.Unread(r.Context(), act)
	if err != nil {
		return err
	}
	return w.fragment(rw, r, "badges", countBadges(ps))
}

func countBadges(ps []care.Post) []badge {
	total := badge{Key: "total", Unread: len(ps), More: len(ps) >= unreadMax}
	var out []badge
	idx := map[string]int{}
	for _, p := range ps {
		k := "resident:" + p.ResidentID
		if p.GroupID != "" {
			k = "group:" + p.GroupID
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, badge{Key: k})
		}
		out[i].Unread++
		if p.Importance == "urgent" {
			out[i].Urgent++
			total.Urgent++
		}
	}
	return append([]badge{total}, out...)
}
