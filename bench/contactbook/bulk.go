package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/store"
)

// The bulk load: posts in transactions of loadTx rows, written by
// multi-row INSERTs of loadBatch rows.
const (
	loadTx    = 10_000
	loadBatch = 500
	// receiptShare of the posts have read receipts, from two team members
	// other than the author.
	receiptShare = 0.3
	// historyYears is how far back the loaded posts go.
	historyYears = 3
)

// searchWord is the word the search measurement looks for; searchShare of
// the loaded posts hold it.
const (
	searchWord  = "褥瘡"
	searchShare = 0.03
)

// sentences make up the loaded posts' bodies; none holds searchWord.
var sentences = []string{
	"本日訪問しました。バイタルは安定しています。",
	"血圧 132/78、脈拍 72、体温 36.5℃、SpO2 97%。",
	"昼食は全量摂取されています。",
	"夜間はよく眠れているとのことです。",
	"ご家族より、最近少し食欲が落ちているとの相談がありました。",
	"服薬状況に問題はありません。",
	"デイサービスでの入浴は問題なく実施できました。",
	"右膝の痛みの訴えがあり、経過を見ています。",
	"次回のサービス担当者会議は来月上旬の予定です。",
	"水分摂取量が少なめのため、声かけをお願いします。",
	"歩行時にふらつきがあり、転倒に注意が必要です。",
	"訪問リハビリで立ち上がり動作の練習を行いました。",
	"便秘気味のため、主治医に相談しています。",
	"ケアプランの変更について、ご本人とご家族の同意を得ました。",
	"口腔ケアを実施しました。義歯の調整が必要かもしれません。",
	"薬の飲み忘れが週に一度ほどあります。",
	"ショートステイの利用について調整中です。",
	"皮膚の乾燥がみられるため、保湿剤を塗布しました。",
	"詳しくは https://example.jp/care/guide をご覧ください。",
}

var wordSentences = []string{
	"仙骨部の" + searchWord + "は改善傾向です。処置を継続します。",
	searchWord + "予防のため、体位変換をお願いします。",
}

// loadStats says what the bulk load wrote.
type loadStats struct {
	posts, receipts int
	perResident     []int
	engine          string
	autovacuum      string // PostgreSQL's setting
}

func (s loadStats) print(took time.Duration) {
	others, n := 0, 0
	for i, c := range s.perResident {
		if i != residentA && i != residentB {
			others += c
			n++
		}
	}
	fmt.Printf("bulk load (raw multi-row INSERTs of %d rows, %d rows a transaction, into the columns the store writes, body, fields and delete note sealed): "+
		"%d posts (resident A %d, resident B %d, the other %d residents %d each on average) and %d read receipts, in %s (%.0f rows/s)\n",
		loadBatch, loadTx, s.posts, s.perResident[residentA], s.perResident[residentB], n, others/max(n, 1), s.receipts,
		took.Round(time.Second), float64(s.posts+s.receipts)/took.Seconds())
	if s.engine == "postgres" {
		fmt.Printf("then VACUUM (ANALYZE) of every table, as autovacuum would do after such a setup and load "+
			"(autovacuum is %s on this server); again after the live setup\n", s.autovacuum)
	} else {
		fmt.Println("no ANALYZE afterwards: the store never runs one, so SQLite plans without statistics as in production")
	}
}

// postCounts returns how many posts each resident gets: B the history, A
// 10,000 of -posts, the other residents the rest in equal shares.
func postCounts(o options) []int {
	c := make([]int, o.residents)
	c[residentB] = o.history
	c[residentA] = aPosts
	rest, n := o.posts-aPosts, o.residents-2
	for i := range c {
		if i == residentA || i == residentB {
			continue
		}
		c[i] = rest / n
		if i-2 < rest%n {
			c[i]++
		}
	}
	return c
}

// newIDAt returns a UUIDv7, as store.NewID makes, for the time t: the
// loaded history sorts by time like posts written then would.
func newIDAt(t time.Time, r *rand.Rand) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	binary.BigEndian.PutUint64(b[0:], uint64(t.UnixMilli())<<16|uint64(r.Uint32()&0xffff))
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	return uuid.UUID(b).String()
}

// loadPost is one post of the bulk load with its receipts.
type loadPost struct {
	id, resident, author, category, importance, body, template, fields string
	at                                                                 time.Time
	readers                                                            []string
	word                                                               bool // the body holds searchWord
}

// genPost makes post k of the history, at time at, of resident ri.
func genPost(w *world, ri int, at time.Time, r *rand.Rand) loadPost {
	res := w.residents[ri]
	p := loadPost{id: newIDAt(at, r), resident: res.id, at: at, author: res.team[r.IntN(len(res.team))],
		category: "report", importance: "normal"}
	switch x := r.IntN(100); {
	case x < 40:
		p.category = "notice"
	case x < 50:
		p.category = "consultation"
	case x < 60:
		p.category = "request"
	case x < 63:
		p.category = "other"
	}
	switch x := r.IntN(100); {
	case x < 3:
		p.importance = "urgent"
	case x < 15:
		p.importance = "important"
	}
	var b strings.Builder
	for range 2 + r.IntN(3) {
		b.WriteString(sentences[r.IntN(len(sentences))])
	}
	if r.Float64() < searchShare {
		b.WriteString(wordSentences[r.IntN(len(wordSentences))])
		p.word = true
	}
	p.body = b.String()
	day := at.Add(14 * 24 * time.Hour).Format("2006-01-02")
	var fields map[string]string
	switch x := r.IntN(100); {
	case x < 5:
		p.template = "handover"
		fields = map[string]string{"next_visit": day, "plan_changed": "no", "cautions": "転倒に注意。水分摂取の声かけを。"}
	case x < 8:
		p.template = "visit"
		fields = map[string]string{"visited_on": at.Format("2006-01-02"), "vitals": "BP 128/76 P 70 T 36.4",
			"observations": "著変なし。", "next_visit": day}
	case x < 10:
		p.template = "medication"
		fields = map[string]string{"changed_on": at.Format("2006-01-02"), "medications": "アムロジピン 5mg 1錠 朝食後",
			"reason": "血圧高値のため", "diagnoses": "高血圧症"}
	}
	if fields != nil {
		f, _ := json.Marshal(fields)
		p.fields = string(f)
	}
	if r.Float64() < receiptShare {
		for len(p.readers) < 2 && len(res.team) > 2 {
			u := res.team[r.IntN(len(res.team))]
			if u != p.author && (len(p.readers) == 0 || p.readers[0] != u) {
				p.readers = append(p.readers, u)
			}
		}
	}
	return p
}

// placeholders returns the VALUES list of n rows of cols parameters in
// the engine's syntax.
func placeholders(engine string, n, cols int) string {
	var b strings.Builder
	k := 0
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			k++
			if engine == "postgres" {
				b.WriteString("$" + strconv.Itoa(k))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

const (
	insertPosts = `INSERT INTO posts (tenant_id, id, resident_id, group_id, author_id, category, importance, body,
	template, fields, addressees, version, created_at, updated_at, delete_note) VALUES `
	postCols       = 15
	insertReceipts = `INSERT INTO read_receipts (tenant_id, post_id, user_id, read_at) VALUES `
)

// bulkLoad writes the posts' history with raw SQL: the residents' posts
// interleaved in time over historyYears, newest last, each with an ID of
// its time, so the timeline's order is the store's.
func bulkLoad(ctx context.Context, d *loadgen.Database, w *world, o options) (loadStats, error) {
	counts := postCounts(o)
	st, err := loadHistory(ctx, d, w, counts, time.Now().Add(-time.Hour).UTC())
	if err != nil {
		return st, err
	}
	if d.Engine == "postgres" {
		db, err := d.OpenRaw(w.tenantID, loadgen.Writer)
		if err != nil {
			return st, err
		}
		defer db.Close()
		if st.autovacuum, err = vacuumAnalyze(ctx, db); err != nil {
			return st, err
		}
	}
	return st, nil
}

// loadHistory writes counts[i] posts of each resident i of w with raw
// SQL, sealed with the tenant's keys (w.keys) as the store seals them,
// interleaved in time over historyYears up to end. The posts, their IDs
// included, are the same for the same counts, teams and end: the
// generator's seed is fixed.
func loadHistory(ctx context.Context, d *loadgen.Database, w *world, counts []int, end time.Time) (loadStats, error) {
	total := 0
	for _, c := range counts {
		total += c
	}
	order := make([]int32, 0, total)
	for i, c := range counts {
		for range c {
			order = append(order, int32(i))
		}
	}
	r := rand.New(rand.NewPCG(2026, 3))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	db, err := d.OpenRaw(w.tenantID, loadgen.Writer)
	if err != nil {
		return loadStats{}, err
	}
	defer db.Close()
	tk, err := d.TenantKeys(ctx, db, w.keys, w.tenantID)
	if err != nil {
		return loadStats{}, err
	}
	start := end.AddDate(-historyYears, 0, 0)
	step := end.Sub(start) / time.Duration(total)
	st := loadStats{posts: total, perResident: counts, engine: d.Engine}
	var posts []loadPost
	for k := 0; k < total; k += loadTx {
		posts = posts[:0]
		for j := k; j < min(k+loadTx, total); j++ {
			ri := int(order[j])
			p := genPost(w, ri, start.Add(time.Duration(j)*step), r)
			if p.word && w.searchHits != nil && ri >= searchFirst && ri < searchFirst+boardSize {
				w.searchHits[p.id] = true
			}
			posts = append(posts, p)
		}
		n, err := loadChunk(ctx, db, d.Engine, w.tenantID, tk, posts, end)
		if err != nil {
			return st, err
		}
		st.receipts += n
	}
	return st, nil
}

// vacuumAnalyze runs VACUUM (ANALYZE) on every table of the schema, as
// autovacuum would after the setup and the load (the test server may run
// without it), and returns the server's autovacuum setting.
func vacuumAnalyze(ctx context.Context, db *sql.DB) (string, error) {
	var autovacuum string
	if err := db.QueryRowContext(ctx, `SHOW autovacuum`).Scan(&autovacuum); err != nil {
		return "", err
	}
	rows, err := db.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return "", err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return "", err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if _, err := db.ExecContext(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", ")); err != nil {
		return "", fmt.Errorf("vacuum: %w", err)
	}
	return autovacuum, nil
}

// loadChunk writes posts and their receipts in one transaction and
// returns how many receipts it wrote. Each post's body, fields and delete
// note are sealed with the tenant's keys for their place (store.AAD, the
// row's key being the post's ID), as store.Tx.CreatePost seals them; an
// empty value is sealed too.
func loadChunk(ctx context.Context, db *sql.DB, engine, tenant string, tk store.TenantKeys, posts []loadPost, now time.Time) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	args := make([]any, 0, loadBatch*postCols)
	sealed := func(p loadPost, column, v string) ([]byte, error) {
		ct, err := tk.Encrypt([]byte(v), store.AAD(tenant, "posts", p.id, column))
		if err != nil {
			return nil, fmt.Errorf("seal posts.%s: %w", column, err)
		}
		return ct, nil
	}
	for i := 0; i < len(posts); i += loadBatch {
		batch := posts[i:min(i+loadBatch, len(posts))]
		args = args[:0]
		for _, p := range batch {
			body, err := sealed(p, "body", p.body)
			if err != nil {
				return 0, err
			}
			fields, err := sealed(p, "fields", p.fields)
			if err != nil {
				return 0, err
			}
			note, err := sealed(p, "delete_note", "")
			if err != nil {
				return 0, err
			}
			args = append(args, tenant, p.id, p.resident, "", p.author, p.category, p.importance, body, p.template,
				fields, "", 1, p.at, p.at, note)
		}
		if _, err := tx.ExecContext(ctx, insertPosts+placeholders(engine, len(batch), postCols), args...); err != nil {
			return 0, fmt.Errorf("insert posts: %w", err)
		}
	}
	args = args[:0]
	n, rows := 0, 0
	flush := func() error {
		if rows == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, insertReceipts+placeholders(engine, rows, 4), args...)
		args, rows = args[:0], 0
		return err
	}
	for _, p := range posts {
		for h, u := range p.readers {
			at := p.at.Add(time.Duration(1+h*5) * time.Hour)
			if at.After(now) {
				at = now
			}
			args = append(args, tenant, p.id, u, at)
			rows++
			n++
			if rows == loadBatch*3 {
				if err := flush(); err != nil {
					return 0, fmt.Errorf("insert receipts: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return 0, fmt.Errorf("insert receipts: %w", err)
	}
	return n, tx.Commit()
}
