package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Targets of the timeline read (issue 3).
const (
	readRatio   = 0.4
	readP99     = 20 * time.Millisecond
	readGrowth  = 1.2
	rawReaders  = 2
	timelineLen = 50
)

// The statements the raw baselines run, copied from package store (they
// must stay the same as store.Tx.Posts and store.Tx.SearchPosts): a post
// with its author's name, comment count, read count and whether the
// reader has read it.
const (
	postColumns = `p.id, p.resident_id, p.group_id, p.author_id, p.category, p.importance, p.body, p.template, p.fields,
	p.addressees, p.version, p.created_at, p.updated_at, p.deleted_at, p.deleted_by, p.delete_note, COALESCE(u.name, ''),
	(SELECT COUNT(*) FROM comments c WHERE c.tenant_id = p.tenant_id AND c.post_id = p.id AND c.deleted_at IS NULL),
	(SELECT COUNT(*) FROM read_receipts rc WHERE rc.tenant_id = p.tenant_id AND rc.post_id = p.id),
	EXISTS (SELECT 1 FROM read_receipts rm WHERE rm.tenant_id = p.tenant_id AND rm.post_id = p.id AND rm.user_id = ?)`
	postFrom    = ` FROM posts p LEFT JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.author_id`
	timelineSQL = `SELECT ` + postColumns + postFrom + ` WHERE p.tenant_id = ? AND p.resident_id = ?
	ORDER BY p.id DESC LIMIT ?`
)

// searchBatch is how many posts store.Tx.SearchPosts reads and opens at a
// time (its searchBatch): texts are sealed, so it matches the words in Go
// after opening each page, newest first, for at most store.SearchScan
// posts.
const searchBatch = 200

// searchSQL is one page of store.Tx.SearchPosts over the searcher's
// residents with no other filter; after the first page, it continues below
// the last ID read.
func searchSQL(engine string, next bool) string {
	in := func(col string) string { return col + ` IN (SELECT value FROM json_each(?))` }
	if engine == "postgres" {
		in = func(col string) string {
			return col + ` = ANY (ARRAY(SELECT jsonb_array_elements_text(CAST(? AS jsonb))))`
		}
	}
	q := `SELECT ` + postColumns + postFrom + ` WHERE p.tenant_id = ? AND p.deleted_at IS NULL AND (` +
		in("p.resident_id") + ` OR ` + in("p.group_id") + `)`
	if next {
		q += ` AND p.id < ?`
	}
	return engineSQL(engine, q+` ORDER BY p.id DESC LIMIT ?`)
}

// rebind turns ? placeholders into $1, $2… as the store does for
// PostgreSQL.
func rebind(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func engineSQL(engine, q string) string {
	if engine == "postgres" {
		return rebind(q)
	}
	return q
}

// queryPosts runs a post query and scans every row as store.scanPost
// does, decoding the addressees; the sealed texts (body, fields, delete
// note) are read as bytes and left sealed: opening them is the cost the
// store adds. It expects want rows.
func queryPosts(ctx context.Context, db *sql.DB, q string, want int, args ...any) error {
	_, err := queryPostIDs(ctx, db, q, want, false, args...)
	return err
}

// queryPostIDs is queryPosts that also returns the posts' IDs, with ids.
func queryPostIDs(ctx context.Context, db *sql.DB, q string, want int, ids bool, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	n := 0
	for rows.Next() {
		var p care.Post
		var body, fields, note []byte
		var addressees string
		var deleted sql.NullTime
		if err := rows.Scan(&p.ID, &p.ResidentID, &p.GroupID, &p.AuthorID, &p.Category, &p.Importance, &body, &p.Template,
			&fields, &addressees, &p.Version, &p.CreatedAt, &p.UpdatedAt, &deleted, &p.DeletedBy, &note,
			&p.AuthorName, &p.CommentCount, &p.ReadCount, &p.ReadByMe); err != nil {
			return nil, err
		}
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		if addressees != "" {
			if err := json.Unmarshal([]byte(addressees), &p.Addressees); err != nil {
				return nil, err
			}
		}
		if ids {
			out = append(out, p.ID)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if want >= 0 && n != want {
		return nil, fmt.Errorf("%d rows, want %d", n, want)
	}
	return out, nil
}

// rawSearch is the raw search baseline: the store's search pages, read
// and scanned as the store reads them, until they hold limit of the
// posts the bulk load wrote with the word (hits) or store.SearchScan posts
// are read. Where the store opens each post and looks for the word, this
// looks the ID up in hits. It returns the matches' IDs, newest first.
func rawSearch(ctx context.Context, db *sql.DB, engine, reader, tenant, boards string, hits map[string]bool, limit int) ([]string, error) {
	var out []string
	before := ""
	for scanned := 0; scanned < store.SearchScan; {
		var ids []string
		var err error
		if before == "" {
			ids, err = queryPostIDs(ctx, db, searchSQL(engine, false), -1, true, reader, tenant, boards, "[]", searchBatch)
		} else {
			ids, err = queryPostIDs(ctx, db, searchSQL(engine, true), -1, true, reader, tenant, boards, "[]", before, searchBatch)
		}
		if err != nil {
			return nil, err
		}
		scanned += len(ids)
		for _, id := range ids {
			if hits[id] {
				out = append(out, id)
				if len(out) == limit {
					return out, nil
				}
			}
		}
		if len(ids) < searchBatch {
			break
		}
		before = ids[len(ids)-1]
	}
	return out, nil
}

// sameIDs checks that the API answered the posts the raw statement
// returns: the copy of the store's statement still does the store's work.
func sameIDs(what string, raw, api []string) error {
	n := min(len(raw), len(api))
	if n == 0 || !slices.Equal(raw[:n], api[:n]) {
		return fmt.Errorf("%s: the raw statement and the API return different posts: is the copy of the store's statement out of date?", what)
	}
	return nil
}

// plan returns how the engine runs a post statement: SQLite's outer loop
// over posts (EXPLAIN QUERY PLAN), PostgreSQL's plan nodes on posts.
func plan(ctx context.Context, db *sql.DB, engine, q string, args ...any) (string, error) {
	if engine == "sqlite" {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return "", err
			}
			if parent == 0 && (strings.HasPrefix(detail, "SEARCH p ") || strings.HasPrefix(detail, "SCAN p")) {
				return detail, nil
			}
		}
		return "?", rows.Err()
	}
	rows, err := db.QueryContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var nodes []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		if strings.Contains(line, " on posts p") {
			line, _, _ = strings.Cut(line, "  (cost=")
			nodes = append(nodes, strings.TrimLeft(line, " ->"))
		}
	}
	return strings.Join(nodes, "; "), rows.Err()
}

// getPage GETs a list once and returns its body, its items' IDs and how
// many of them the caller has read.
func getPage(c *http.Client, url string, header http.Header) (body []byte, ids []string, read int, err error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, 0, err
	}
	req.Header = header.Clone()
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	if body, err = io.ReadAll(resp.Body); err != nil {
		return nil, nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, 0, fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	var l struct {
		Items []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
			Read bool   `json:"read"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, nil, 0, fmt.Errorf("GET %s: %w", url, err)
	}
	for _, it := range l.Items {
		if it.ID == "" || it.Body == "" {
			return nil, nil, 0, fmt.Errorf("GET %s: an item without ID or body", url)
		}
		ids = append(ids, it.ID)
		if it.Read {
			read++
		}
	}
	return body, ids, read, nil
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}, "Accept": {"application/json"}}
}

// timelineSection measures the timeline read of resident A (10,000 posts)
// and B (the long history): the raw indexed query with two readers, a bare
// handler, and GET /api/v1/residents/{id}/posts?limit=50.
func timelineSection(ctx context.Context, w *world, d *loadgen.Database, o options) error {
	token, act, err := w.login(ctx, w.reader.login)
	if err != nil {
		return err
	}
	raw, err := d.OpenRaw(w.tenantID, loadgen.Reader)
	if err != nil {
		return err
	}
	defer raw.Close()
	client := loadgen.NewClient(o.readClients)
	defer client.CloseIdleConnections()
	header := bearer(token)
	counts := postCounts(o)
	q := engineSQL(d.Engine, timelineSQL)

	type subject struct {
		name string
		ix   int
	}
	subjects := []subject{{"A", residentA}, {"B", residentB}}
	rawRes := map[int]loadgen.Result{}
	apiRes := map[int]loadgen.Result{}
	rawIDs := map[int][]string{}
	var sample []byte
	pl, err := plan(ctx, raw, d.Engine, q, act.UserID, w.tenantID, w.residents[residentA].id, timelineLen+1)
	if err != nil {
		return fmt.Errorf("explain timeline: %w", err)
	}
	fmt.Printf("\nplan of the store's timeline statement: %s\n", pl)
	for _, s := range subjects {
		id := w.residents[s.ix].id
		if rawIDs[s.ix], err = queryPostIDs(ctx, raw, q, timelineLen+1, true, act.UserID, w.tenantID, id, timelineLen+1); err != nil {
			return fmt.Errorf("raw timeline %s: %w", s.name, err)
		}
		op := func(ctx context.Context) error {
			return queryPosts(ctx, raw, q, timelineLen+1, act.UserID, w.tenantID, id, timelineLen+1)
		}
		loadgen.Measure(rawReaders, o.warm(), op)
		r := loadgen.Measure(rawReaders, o.duration, op)
		if err := r.Err(); err != nil {
			return fmt.Errorf("raw timeline %s: %w", s.name, err)
		}
		rawRes[s.ix] = r
	}
	for _, s := range subjects {
		u := w.base + "/api/v1/residents/" + w.residents[s.ix].id + "/posts?limit=" + strconv.Itoa(timelineLen)
		body, ids, read, err := getPage(client, u, header)
		if err != nil {
			return err
		}
		if len(ids) != timelineLen {
			return fmt.Errorf("timeline %s: %d posts, want %d", s.name, len(ids), timelineLen)
		}
		if err := sameIDs("timeline "+s.name, rawIDs[s.ix], ids); err != nil {
			return err
		}
		fmt.Printf("timeline %s: %d posts, the same as the raw statement's, %d of them read by the reader, %d bytes of JSON\n",
			s.name, len(ids), read, len(body))
		if sample == nil {
			sample = body
		}
		op := loadgen.GetOp(client, u, header)
		loadgen.Measure(o.readClients, o.warm(), op)
		a := loadgen.Measure(o.readClients, o.duration, op)
		if err := a.Err(); err != nil {
			return fmt.Errorf("GET timeline %s: %w", s.name, err)
		}
		apiRes[s.ix] = a
	}
	bare, err := measureBare(o, sample)
	if err != nil {
		return err
	}

	rows := [][]string{}
	for _, s := range subjects {
		r := rawRes[s.ix]
		rows = append(rows, append(append([]string{"raw SQL: the store's timeline query, no transaction",
			s.name, fmt.Sprint(counts[s.ix]), fmt.Sprint(rawReaders)}, rateCells(r)...), "1.00"))
	}
	rows = append(rows, append(append([]string{fmt.Sprintf("bare net/http: a fixed %d-byte JSON body", len(sample)),
		"-", "-", fmt.Sprint(o.readClients)}, rateCells(bare)...), ratio(bare.Rate(), rawRes[residentA].Rate())))
	for _, s := range subjects {
		a := apiRes[s.ix]
		rows = append(rows, append(append([]string{"renrakucho GET /api/v1/residents/{id}/posts?limit=50",
			s.name, fmt.Sprint(counts[s.ix]), fmt.Sprint(o.readClients)}, rateCells(a)...), ratio(a.Rate(), rawRes[s.ix].Rate())))
	}
	printTable("timeline read: newest 50 posts of one resident with the reader's read state "+
		"(the GET is a write transaction: the view is logged in the same transaction)",
		[]string{"what", "resident", "posts", "clients", "req/s", "p50", "p99", "ratio to raw (same resident)"}, rows)
	fmt.Printf("p50 at %d posts / p50 at %d posts: renrakucho %.2f, raw SQL %.2f\n", counts[residentB], counts[residentA],
		float64(apiRes[residentB].P50)/float64(apiRes[residentA].P50), float64(rawRes[residentB].P50)/float64(rawRes[residentA].P50))

	for _, s := range subjects {
		a, r := apiRes[s.ix], rawRes[s.ix]
		w.check(fmt.Sprintf("timeline read, resident %s (%d posts): ≥ %.1f × raw %d-reader rate, p99 ≤ %s", s.name, counts[s.ix],
			readRatio, rawReaders, ms(readP99)), a.Rate() >= readRatio*r.Rate() && a.P99 <= readP99,
			"%.0f req/s = %.2f × raw %.0f/s, p99 %s", a.Rate(), a.Rate()/r.Rate(), r.Rate(), ms(a.P99))
	}
	g := float64(apiRes[residentB].P50) / float64(apiRes[residentA].P50)
	w.check(fmt.Sprintf("timeline read p50 at %d posts ≤ %.1f × at %d", counts[residentB], readGrowth, counts[residentA]),
		g <= readGrowth, "%s / %s = %.2f", ms(apiRes[residentB].P50), ms(apiRes[residentA].P50), g)
	return nil
}

// measureBare measures a bare net/http handler that writes body.
func measureBare(o options, body []byte) (loadgen.Result, error) {
	base, stop, err := loadgen.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	if err != nil {
		return loadgen.Result{}, err
	}
	defer stop()
	client := loadgen.NewClient(o.readClients)
	defer client.CloseIdleConnections()
	op := loadgen.GetOp(client, base+"/", nil)
	loadgen.Measure(o.readClients, o.warm(), op)
	r := loadgen.Measure(o.readClients, o.duration, op)
	return r, r.Err()
}

// searchSection measures GET /api/v1/search?q=WORD by the searcher, a
// member of 50 residents' teams, beside the store's search query.
func searchSection(ctx context.Context, w *world, d *loadgen.Database, o options) error {
	token, act, err := w.login(ctx, w.searcher.login)
	if err != nil {
		return err
	}
	raw, err := d.OpenRaw(w.tenantID, loadgen.Reader)
	if err != nil {
		return err
	}
	defer raw.Close()
	client := loadgen.NewClient(o.readClients)
	defer client.CloseIdleConnections()
	boards := w.boardIDs(searchFirst, searchFirst+boardSize)
	slices.Sort(boards)
	list, _ := json.Marshal(boards)
	rawOp := func(ctx context.Context) error {
		ids, err := rawSearch(ctx, raw, d.Engine, act.UserID, w.tenantID, string(list), w.searchHits, timelineLen)
		if err == nil && len(ids) != timelineLen {
			err = fmt.Errorf("%d matches, want %d", len(ids), timelineLen)
		}
		return err
	}
	searchIDs, err := rawSearch(ctx, raw, d.Engine, act.UserID, w.tenantID, string(list), w.searchHits, timelineLen)
	if err != nil {
		return fmt.Errorf("raw search: %w", err)
	}
	pl, err := plan(ctx, raw, d.Engine, searchSQL(d.Engine, true), act.UserID, w.tenantID, string(list), "[]", store.NewID(), searchBatch)
	if err != nil {
		return fmt.Errorf("explain search: %w", err)
	}
	fmt.Printf("\nplan of the store's search page statement: %s\n", pl)
	loadgen.Measure(rawReaders, o.warm(), rawOp)
	r := loadgen.Measure(rawReaders, o.duration, rawOp)
	if err := r.Err(); err != nil {
		return fmt.Errorf("raw search: %w", err)
	}

	u := w.base + "/api/v1/search?q=" + url.QueryEscape(searchWord)
	header := bearer(token)
	_, ids, _, err := getPage(client, u, header)
	if err != nil {
		return err
	}
	if len(ids) != timelineLen {
		return fmt.Errorf("search: %d posts, want %d", len(ids), timelineLen)
	}
	if err := sameIDs("search", searchIDs, ids); err != nil {
		return err
	}
	op := loadgen.GetOp(client, u, header)
	loadgen.Measure(o.readClients, o.warm(), op)
	a := loadgen.Measure(o.readClients, o.duration, op)
	if err := a.Err(); err != nil {
		return fmt.Errorf("GET search: %w", err)
	}
	counts := postCounts(o)
	held := 0
	for i := searchFirst; i < searchFirst+boardSize; i++ {
		held += counts[i]
	}
	printTable(fmt.Sprintf("search for %q over the searcher's %d residents (%d of the tenant's posts; about %.0f%% of posts hold the word; "+
		"newest 50 matches, the store opening pages of %d posts and matching in Go; the GET is a write transaction: the search is logged)",
		searchWord, boardSize, held, searchShare*100, searchBatch),
		[]string{"what", "clients", "req/s", "p50", "p99", "ratio to raw"},
		[][]string{
			append(append([]string{"raw SQL: the store's search pages until 50 known matches, no opening, no transaction",
				fmt.Sprint(rawReaders)}, rateCells(r)...), "1.00"),
			append(append([]string{"renrakucho GET /api/v1/search?q=" + searchWord, fmt.Sprint(o.readClients)}, rateCells(a)...),
				ratio(a.Rate(), r.Rate())),
		})
	return nil
}
