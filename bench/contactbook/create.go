package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/renrakucho/renrakucho/bench/internal/loadgen"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Targets of post creation (issue 3).
const (
	createRatio     = 0.5
	createP99       = 20 * time.Millisecond
	createPGWorkers = 16
	createPGRate    = 1000
)

// rawInsert is the single-row INSERT of store.Tx.CreatePost, in each
// engine's placeholder syntax.
var rawInsert = map[string]string{
	"sqlite": `INSERT INTO posts (tenant_id, id, resident_id, group_id, author_id, category, importance, body,
		template, fields, addressees, version, created_at, updated_at, delete_note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"postgres": `INSERT INTO posts (tenant_id, id, resident_id, group_id, author_id, category, importance, body,
		template, fields, addressees, version, created_at, updated_at, delete_note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
}

// createBody is the post the measurement writes, about as long as a
// typical report.
const createBody = "本日訪問しました。血圧 128/76、脈拍 70、体温 36.4℃。昼食は全量摂取されています。" +
	"右膝の痛みの訴えがあり、経過を見ています。水分摂取量が少なめのため、声かけをお願いします。"

// createSection measures durable post creation: the raw single-row INSERT
// transaction and POST /api/v1/residents/{id}/posts, with the same
// workers, each worker writing to the poster's 50 residents in turn.
func createSection(ctx context.Context, w *world, d *loadgen.Database, o options) error {
	token, act, err := w.login(ctx, w.poster.login)
	if err != nil {
		return err
	}
	boards := w.boardIDs(posterFirst, posterFirst+boardSize)
	raw, err := d.OpenRaw(w.tenantID, loadgen.Writer)
	if err != nil {
		return err
	}
	defer raw.Close()
	workers := []int{4, 16}
	durability := "synchronous=FULL, WAL, one writer connection"
	if d.Engine == "postgres" {
		workers = []int{createPGWorkers}
		durability = "fsync=on, synchronous_commit=on, pool of 20"
	}
	client := loadgen.NewClient(16)
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"category": "report", "importance": "normal", "body": createBody})

	var turn atomic.Int64
	board := func() string { return boards[int(turn.Add(1))%len(boards)] }
	rawOp := func(ctx context.Context) error {
		return insertPost(ctx, raw, d.Engine, w.tenantID, board(), act.UserID)
	}
	apiOp := func(ctx context.Context) error { return postPost(ctx, client, w.base, token, board(), body) }
	if err := apiOp(ctx); err != nil {
		return err
	}

	var rows [][]string
	for _, n := range workers {
		loadgen.Measure(n, o.warm(), rawOp)
		r := loadgen.Measure(n, o.duration, rawOp)
		if err := r.Err(); err != nil {
			return fmt.Errorf("raw insert: %w", err)
		}
		loadgen.Measure(n, o.warm(), apiOp)
		a := loadgen.Measure(n, o.duration, apiOp)
		if err := a.Err(); err != nil {
			return fmt.Errorf("POST posts: %w", err)
		}
		rows = append(rows,
			append(append([]string{"raw BEGIN; INSERT INTO posts; COMMIT", fmt.Sprint(n)}, rateCells(r)...), "1.00"),
			append(append([]string{"renrakucho POST /api/v1/residents/{id}/posts", fmt.Sprint(n)}, rateCells(a)...),
				ratio(a.Rate(), r.Rate())))
		if d.Engine == "sqlite" {
			w.check(fmt.Sprintf("post create, %d workers: ≥ %.1f × raw insert rate, p99 ≤ %s", n, createRatio, ms(createP99)),
				a.Rate() >= createRatio*r.Rate() && a.P99 <= createP99,
				"%.0f posts/s = %.2f × raw %.0f/s, p99 %s", a.Rate(), a.Rate()/r.Rate(), r.Rate(), ms(a.P99))
		} else if n == createPGWorkers {
			w.check(fmt.Sprintf("post create, %d workers: ≥ %d posts/s", n, createPGRate), a.Rate() >= createPGRate,
				"%.0f posts/s (raw insert %.0f/s; p99 %s)", a.Rate(), r.Rate(), ms(a.P99))
		}
	}
	printTable(fmt.Sprintf("durable post create (%s); each post to the next of the poster's %d residents", durability, boardSize),
		[]string{"what", "workers", "posts/s", "p50", "p99", "ratio to raw"}, rows)
	return nil
}

// insertPost is the raw baseline: one post in its own transaction, the
// columns and values the store writes, but the texts unsealed (the raw
// cost of the row, with no cryptography). Nothing reads these rows back:
// the store could not open them.
func insertPost(ctx context.Context, db *sql.DB, engine, tenant, residentID, author string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if _, err := tx.ExecContext(ctx, rawInsert[engine], tenant, store.NewID(), residentID, "", author, "report", "normal",
		[]byte(createBody), "", []byte{}, "", 1, now, now, []byte{}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// postPost writes a post through the API and expects 201.
func postPost(ctx context.Context, c *http.Client, base, token, residentID string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/residents/"+residentID+"/posts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST posts: status %d: %s", resp.StatusCode, b)
	}
	return nil
}
