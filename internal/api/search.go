package api

import (
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// searchQuery reads the query parameters q, category, importance, author,
// from, to (YYYY-MM-DD in Japan time, both inclusive), resident, group and
// limit.
func searchQuery(r *http.Request) (app.SearchQuery, error) {
	q := r.URL.Query()
	s := app.SearchQuery{Words: q.Get("q"), ResidentID: q.Get("resident"), GroupID: q.Get("group"),
		Category: care.Category(q.Get("category")), Importance: care.Importance(q.Get("importance")),
		AuthorID: q.Get("author"), From: q.Get("from"), To: q.Get("to")}
	var v care.Invalid
	if utf8.RuneCountInString(s.Words) > 200 {
		v.Add("q", "error.length")
	}
	for name, id := range map[string]string{"resident": s.ResidentID, "group": s.GroupID, "author": s.AuthorID} {
		if len(id) > 100 {
			v.Add(name, "error.length")
		}
	}
	if s.Category != "" && !slices.Contains(care.Categories, s.Category) {
		v.Add("category", "error.choice")
	}
	if s.Importance != "" && !slices.Contains(care.Importances, s.Importance) {
		v.Add("importance", "error.choice")
	}
	from, fromOK := care.ParseDate(s.From)
	if s.From != "" && !fromOK {
		v.Add("from", "error.date")
	}
	to, toOK := care.ParseDate(s.To)
	if s.To != "" && !toOK {
		v.Add("to", "error.date")
	}
	if fromOK && toOK && to.Before(from) {
		v.Add("to", "error.date_range")
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			v.Add("limit", keyLimit)
		}
		s.Limit = n
	}
	return s, v.Err()
}

// search finds posts by words in their body, fields or comments, within
// one contact book or group or across everything the caller may see.
func (a *API) search(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	q, err := searchQuery(r)
	if err != nil {
		return err
	}
	ps, err := a.app.Search(r.Context(), act, q)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(ps, renderPost)))
	return nil
}
