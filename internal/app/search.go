package app

import (
	"context"
	"fmt"
	"github.com/renrakucho/renrakucho/internal/audit"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// SearchQuery is a search over posts and their comments.
type SearchQuery struct {
	Words      string // every word must occur in the post's body, fields or a comment
	ResidentID string // only this resident's contact book
	GroupID    string // only this group's board
	Category   care.Category
	Importance care.Importance
	AuthorID   string
	From, To   string // YYYY-MM-DD in Japan, both days included
	Limit      int    // ≤ 100, 50 by default
}

// maxWords bounds the words of one search.
const maxWords = 5

// filter validates the query and turns it into the store's filter, boards
// aside.
func (q SearchQuery) filter() (store.SearchFilter, error) {
	var err error
	f := store.SearchFilter{Category: q.Category, Importance: q.Importance, AuthorID: strings.TrimSpace(q.AuthorID),
		Limit: pageLimit(q.Limit)}
	if utf8.RuneCountInString(q.Words) > 500 {
		err = invalid(err, "words", "error.length")
	}
	for _, w := range strings.Fields(q.Words) {
		if !slices.Contains(f.Words, w) && len(f.Words) < maxWords {
			f.Words = append(f.Words, w)
		}
	}
	if q.Category != "" && !slices.Contains(care.Categories, q.Category) {
		err = invalid(err, "category", "error.choice")
	}
	if q.Importance != "" && !slices.Contains(care.Importances, q.Importance) {
		err = invalid(err, "importance", "error.choice")
	}
	if q.From != "" {
		d, ok := care.ParseDate(q.From)
		if !ok {
			err = invalid(err, "from", "error.date")
		}
		y, m, day := d.Date()
		f.From = startOfDay(y, m, day)
	}
	if q.To != "" {
		d, ok := care.ParseDate(q.To)
		if !ok {
			err = invalid(err, "to", "error.date")
		}
		y, m, day := d.Date()
		f.To = startOfDay(y, m, day+1)
	}
	if err == nil && !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		err = invalid(err, "to", "error.date_range")
	}
	return f, err
}

// Search finds posts whose body, fields or comments hold every word, with
// the filters, in everything the actor may see (or one contact book or
// group board of it), newest first.
func (a *App) Search(ctx context.Context, act care.Actor, q SearchQuery) ([]care.Post, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	f, err := q.filter()
	if err != nil {
		return nil, err
	}
	var out []care.Post
	// Results show post text: the search is in the view log, with what was
	// asked and how many posts it showed.
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		if q.ResidentID != "" {
			if _, err := a.residentAccess(ctx, tx, act, q.ResidentID, false); err != nil {
				return err
			}
			f.ResidentIDs = []string{q.ResidentID}
		}
		if q.GroupID != "" {
			if err := groupAccess(ctx, tx, act, q.GroupID); err != nil {
				return err
			}
			f.GroupIDs = []string{q.GroupID}
		}
		if q.ResidentID == "" && q.GroupID == "" {
			var err error
			if f.ResidentIDs, f.GroupIDs, err = visibleBoards(ctx, tx, act); err != nil {
				return err
			}
		}
		var err error
		if out, err = tx.SearchPosts(ctx, f, act.UserID); err != nil {
			return err
		}
		e := entry(act, audit.PostSearch, "search", "")
		e.ResidentID = q.ResidentID
		// The words may name a resident or a condition and the audit log is
		// not sealed: it records how many, not which.
		e.Detail = fmt.Sprintf("%d words category %q importance %q author %q from %q to %q group %q: %d posts",
			len(f.Words), q.Category, q.Importance, q.AuthorID, q.From, q.To, q.GroupID, len(out))
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}

// startOfDay is midnight in Japan of the date (day may overflow).
func startOfDay(y int, m time.Month, day int) time.Time {
	return time.Date(y, m, day, 0, 0, 0, 0, jst)
}
