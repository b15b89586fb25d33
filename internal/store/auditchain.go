package store

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
)

// The upkeep of the audit chains: chaining entries from before the chain,
// verifying, checkpointing and purging. Each chain is handled in
// transactions bound to its own tenant ("" for the platform), so
// PostgreSQL's row-level security applies throughout.

// AuditChains returns the chains of the deployment: the platform's ("")
// and one per tenant.
func (db *DB) AuditChains(ctx context.Context) ([]string, error) {
	ids := []string{""}
	err := db.Platform(ctx, func(ptx *PlatformTx) error {
		ts, err := ptx.Tenants(ctx)
		for _, t := range ts {
			ids = append(ids, t.ID)
		}
		return err
	})
	return ids, err
}

// inChain runs fn in a transaction bound to one chain's tenant ("" is the
// platform scope).
func (db *DB) inChain(ctx context.Context, tenantID string, readOnly bool, fn func(conn) error) error {
	pool := db.write
	if readOnly {
		pool = db.read
	}
	return db.run(ctx, pool, readOnly, tenantID, fn)
}

// sealBatch bounds the entries SealAudit chains per transaction.
const sealBatch = 1000

// SealAudit chains the entries written before the chain existed (seq -1),
// oldest first, after each chain's current head, a batch per
// transaction: stopped half-way, it resumes where it stopped. The last
// batch of a chain appends an audit.seal entry saying how many it
// chained. It returns the number chained.
func (db *DB) SealAudit(ctx context.Context) (int, error) {
	if db.auditKey == nil {
		return 0, errNoAuditKey
	}
	chains, err := db.AuditChains(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, t := range chains {
		var waiting int
		err := db.inChain(ctx, t, true, func(c conn) error {
			return wrap(c.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND seq < 1 AND seq = -1`, t).
				Scan(&waiting), "seal audit")
		})
		if err != nil {
			return total, err
		}
		if waiting == 0 {
			continue // nothing to chain: no write transaction
		}
		n := 0
		for {
			var done bool
			err := db.inChain(ctx, t, false, func(c conn) error {
				k, err := sealSome(ctx, c, t)
				n += k
				if err != nil || k == sealBatch {
					return err
				}
				done = true
				if n == 0 {
					return nil
				}
				return appendAudit(ctx, c, t, &audit.Entry{ActorLogin: "system", ActorRole: "system",
					Action: audit.AuditSeal, TargetType: "audit", Result: audit.OK,
					Detail: fmt.Sprintf("chained %d entries written before the audit chain", n)})
			})
			if err != nil {
				return total + n, err
			}
			if done {
				break
			}
		}
		total += n
	}
	return total, nil
}

func sealSome(ctx context.Context, c conn, tenantID string) (int, error) {
	seq, prevHex, err := lockHead(ctx, c, tenantID)
	if err != nil {
		return 0, err
	}
	rows, err := c.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE tenant_id = ? AND seq = -1
		ORDER BY at, id LIMIT ?`, tenantID, sealBatch)
	if err != nil {
		return 0, wrap(err, "seal audit")
	}
	var es []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := scanAudit(rows, &e); err != nil {
			rows.Close()
			return 0, wrap(err, "seal audit")
		}
		es = append(es, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, wrap(err, "seal audit")
	}
	if len(es) == 0 {
		return 0, nil
	}
	prev, err := hex.DecodeString(prevHex)
	if err != nil {
		return 0, wrap(err, "seal audit: head MAC")
	}
	for i := range es {
		e := &es[i]
		seq++
		prev = c.auditKey.MAC(tenantID, seq, prev, e)
		e.Seq, e.MAC = seq, hex.EncodeToString(prev)
		if _, err := c.exec(ctx, `UPDATE audit_log SET seq = ?, mac = ? WHERE tenant_id = ? AND id = ? AND seq = -1`,
			e.Seq, e.MAC, tenantID, e.ID); err != nil {
			return 0, wrap(err, "seal audit")
		}
	}
	return len(es), setHead(ctx, c, tenantID, seq, hex.EncodeToString(prev))
}

// AuditCheckpoint is the head of one chain at one time: who keeps it can
// later tell whether entries up to it were changed or cut off.
type AuditCheckpoint struct {
	TenantID  string    `json:"tenant_id"`
	Seq       int64     `json:"seq"`
	MAC       string    `json:"mac"`
	HeadAt    time.Time `json:"head_at"`    // the time of the entry at Seq
	CreatedAt time.Time `json:"created_at"` // when the checkpoint was taken
}

// AuditHead is a chain's head and purge boundary.
type AuditHead struct {
	Seq     int64
	MAC     string
	BaseSeq int64 // entries up to BaseSeq were purged
	BaseMAC string
	BaseAt  *time.Time
}

func auditHead(ctx context.Context, c conn, tenantID string) (AuditHead, error) {
	var h AuditHead
	var at sql.NullTime
	err := c.queryRow(ctx, `SELECT seq, mac, base_seq, base_mac, base_at FROM audit_heads WHERE tenant_id = ?`, tenantID).
		Scan(&h.Seq, &h.MAC, &h.BaseSeq, &h.BaseMAC, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditHead{}, nil
	}
	h.BaseAt = timePtr(at)
	return h, wrap(err, "audit head")
}

func auditCheckpoints(ctx context.Context, c conn, tenantID string, fromSeq int64) ([]AuditCheckpoint, error) {
	rows, err := c.query(ctx, `SELECT tenant_id, seq, mac, head_at, created_at FROM audit_checkpoints
		WHERE tenant_id = ? AND seq >= ? ORDER BY seq, created_at`, tenantID, fromSeq)
	if err != nil {
		return nil, wrap(err, "list audit checkpoints")
	}
	defer rows.Close()
	var out []AuditCheckpoint
	for rows.Next() {
		var cp AuditCheckpoint
		if err := rows.Scan(&cp.TenantID, &cp.Seq, &cp.MAC, &cp.HeadAt, &cp.CreatedAt); err != nil {
			return nil, wrap(err, "list audit checkpoints")
		}
		cp.HeadAt, cp.CreatedAt = cp.HeadAt.UTC(), cp.CreatedAt.UTC()
		out = append(out, cp)
	}
	return out, wrap(rows.Err(), "list audit checkpoints")
}

// CheckpointAudit records the head of every chain that has entries in
// audit_checkpoints (unless the last checkpoint already has it) and
// returns all the heads, for the checkpoint file.
func (db *DB) CheckpointAudit(ctx context.Context) ([]AuditCheckpoint, error) {
	chains, err := db.AuditChains(ctx)
	if err != nil {
		return nil, err
	}
	var out []AuditCheckpoint
	for _, t := range chains {
		err := db.inChain(ctx, t, false, func(c conn) error {
			h, err := auditHead(ctx, c, t)
			if err != nil || h.Seq == 0 {
				return err
			}
			cp := AuditCheckpoint{TenantID: t, Seq: h.Seq, MAC: h.MAC, CreatedAt: c.now}
			if err := c.queryRow(ctx, `SELECT at FROM audit_log WHERE tenant_id = ? AND seq = ?`, t, h.Seq).
				Scan(&cp.HeadAt); err != nil {
				return wrap(err, "checkpoint audit: head entry")
			}
			cp.HeadAt = cp.HeadAt.UTC()
			var last sql.NullInt64
			if err := c.queryRow(ctx, `SELECT MAX(seq) FROM audit_checkpoints WHERE tenant_id = ?`, t).Scan(&last); err != nil {
				return wrap(err, "checkpoint audit")
			}
			if !last.Valid || last.Int64 != h.Seq {
				if _, err := c.exec(ctx, `INSERT INTO audit_checkpoints (tenant_id, id, seq, mac, head_at, created_at)
					VALUES (?, ?, ?, ?, ?, ?)`, t, NewID(), cp.Seq, cp.MAC, cp.HeadAt, cp.CreatedAt); err != nil {
					return wrap(err, "checkpoint audit")
				}
			}
			out = append(out, cp)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// ChainStatus is what VerifyAudit found of one chain.
type ChainStatus struct {
	TenantID string
	// Count is the number of entries verified (up to the break, if any).
	Count int64
	// BaseSeq is the purge boundary: the chain starts after it.
	BaseSeq int64
	// HeadSeq, HeadMAC and HeadAt are the last entry verified.
	HeadSeq int64
	HeadMAC string
	HeadAt  time.Time
	// Checkpoints is how many checkpoints were checked against the chain.
	Checkpoints int
	// Break is the first bad entry; nil when the chain verifies.
	Break *audit.Break
}

// VerifyAudit checks every chain (VerifyChain).
func (db *DB) VerifyAudit(ctx context.Context, extra []AuditCheckpoint) ([]ChainStatus, error) {
	chains, err := db.AuditChains(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []ChainStatus
	for _, t := range chains {
		seen[t] = true
		st, err := db.VerifyChain(ctx, t, extra)
		if err != nil {
			return out, err
		}
		out = append(out, st)
	}
	for _, cp := range extra {
		if !seen[cp.TenantID] {
			seen[cp.TenantID] = true
			out = append(out, ChainStatus{TenantID: cp.TenantID, Break: &audit.Break{TenantID: cp.TenantID, Seq: 1,
				Problem: fmt.Sprintf("a checkpoint of %s records seq %d, but the chain's tenant no longer exists",
					cp.CreatedAt.Format(time.RFC3339), cp.Seq)}})
		}
	}
	return out, nil
}

// VerifyChain checks one chain in one read transaction: every entry's
// seq follows the one before and its MAC matches; the chain starts at a
// checkpointed purge boundary; it ends at the recorded head; and every
// checkpoint, those in the database and those given (from checkpoint
// files kept elsewhere), matches the entry at its seq and is not beyond
// the chain's end (which would mean the newest entries were cut off). It
// stops at the first break.
func (db *DB) VerifyChain(ctx context.Context, tenantID string, extra []AuditCheckpoint) (ChainStatus, error) {
	st := ChainStatus{TenantID: tenantID}
	if db.auditKey == nil {
		return st, errNoAuditKey
	}
	key := db.auditKey
	fail := func(seq int64, id, format string, args ...any) {
		st.Break = &audit.Break{TenantID: tenantID, Seq: seq, ID: id, Problem: fmt.Sprintf(format, args...)}
	}
	err := db.inChain(ctx, tenantID, true, func(c conn) error {
		h, err := auditHead(ctx, c, tenantID)
		if err != nil {
			return err
		}
		st.BaseSeq = h.BaseSeq
		cps, err := auditCheckpoints(ctx, c, tenantID, 0)
		if err != nil {
			return err
		}
		for _, cp := range extra {
			if cp.TenantID == tenantID {
				cps = append(cps, cp)
			}
		}
		want := map[int64][]AuditCheckpoint{}
		for _, cp := range cps {
			if cp.Seq > h.BaseSeq {
				want[cp.Seq] = append(want[cp.Seq], cp)
			}
		}
		if h.BaseSeq > 0 {
			ok := false
			for _, cp := range cps {
				if cp.Seq == h.BaseSeq {
					if cp.MAC != h.BaseMAC {
						fail(h.BaseSeq, "", "the purge boundary's MAC differs from the checkpoint of %s", cp.CreatedAt.Format(time.RFC3339))
						return nil
					}
					ok = true
				}
			}
			if !ok {
				fail(h.BaseSeq, "", "the purge boundary (seq %d) matches no checkpoint", h.BaseSeq)
				return nil
			}
		}
		rows, err := c.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE tenant_id = ? AND seq > 0 ORDER BY seq`, tenantID)
		if err != nil {
			return wrap(err, "verify audit")
		}
		defer rows.Close()
		if _, err := hex.DecodeString(h.BaseMAC); err != nil {
			fail(h.BaseSeq, "", "the purge boundary's MAC is not hex")
			return nil
		}
		// The MACs are checked in a second goroutine while this one reads
		// on: each entry's MAC depends only on its fields and the stored
		// MAC before it, so checking needs no order beyond the batch's.
		jobs := make(chan macBatch, 4)
		done := make(chan *macFailure, 1)
		go checkMACs(key, tenantID, jobs, done)
		prevSeq, prevHex := h.BaseSeq, h.BaseMAC
		var prevAt time.Time
		b := macBatch{prevSeq: prevSeq, prevHex: prevHex}
		flush := func() {
			if len(b.es) > 0 {
				jobs <- b
			}
			b = macBatch{prevSeq: prevSeq, prevHex: prevHex, prevAt: prevAt, es: make([]audit.Entry, 0, macBatchSize)}
		}
		scanErr := func() error {
			for rows.Next() {
				var e audit.Entry
				if err := scanAudit(rows, &e); err != nil {
					return wrap(err, "verify audit")
				}
				switch {
				case e.Seq <= h.BaseSeq:
					fail(e.Seq, e.ID, "an entry at or before the purge boundary (seq %d) is still present", h.BaseSeq)
					return nil
				case e.Seq != prevSeq+1:
					fail(prevSeq+1, e.ID, "expected seq %d, found seq %d: entries are missing", prevSeq+1, e.Seq)
					return nil
				}
				for _, cp := range want[e.Seq] {
					st.Checkpoints++
					if cp.MAC != e.MAC {
						fail(e.Seq, e.ID, "the entry differs from the checkpoint of %s", cp.CreatedAt.Format(time.RFC3339))
						return nil
					}
				}
				b.es = append(b.es, e)
				prevSeq, prevHex, prevAt = e.Seq, e.MAC, e.At
				st.Count++
				st.HeadSeq, st.HeadMAC, st.HeadAt = e.Seq, e.MAC, e.At
				if len(b.es) == macBatchSize {
					flush()
				}
			}
			return wrap(rows.Err(), "verify audit")
		}()
		flush()
		close(jobs)
		mf := <-done
		if mf != nil && (st.Break == nil || mf.seq <= st.Break.Seq) {
			st.Break = &audit.Break{TenantID: tenantID, Seq: mf.seq, ID: mf.id, Problem: mf.problem}
			st.Count = mf.before.Seq - h.BaseSeq
			st.HeadSeq, st.HeadMAC, st.HeadAt = mf.before.Seq, mf.before.MAC, mf.before.At
			return nil
		}
		if scanErr != nil || st.Break != nil {
			return scanErr
		}
		for seq, list := range want {
			if seq > prevSeq {
				cp := list[0]
				fail(prevSeq+1, "", "the chain ends at seq %d, but the checkpoint of %s records seq %d: the newest entries were cut off",
					prevSeq, cp.CreatedAt.Format(time.RFC3339), cp.Seq)
				return nil
			}
		}
		if h.Seq != prevSeq || (prevSeq > 0 && h.MAC != prevHex) {
			fail(prevSeq+1, "", "the chain ends at seq %d, but its head records seq %d", prevSeq, h.Seq)
			return nil
		}
		var outside int64
		var id sql.NullString
		if err := c.queryRow(ctx, `SELECT COUNT(*), MIN(id) FROM audit_log WHERE tenant_id = ? AND seq < 1`, tenantID).
			Scan(&outside, &id); err != nil {
			return wrap(err, "verify audit")
		}
		if outside > 0 {
			fail(0, id.String, "%d entries are outside the chain (not yet chained, or inserted)", outside)
		}
		return nil
	})
	return st, err
}

// macBatchSize is how many entries VerifyChain hands its MAC checker at
// once.
const macBatchSize = 1024

// macBatch is a run of consecutive entries and the entry before them.
type macBatch struct {
	prevSeq int64
	prevHex string
	prevAt  time.Time
	es      []audit.Entry
}

// macFailure is the first entry whose MAC is wrong, and the one before it.
type macFailure struct {
	seq         int64
	id, problem string
	before      audit.Entry // Seq, MAC and At of the last good entry
}

// checkMACs checks the batches in order and sends the first failure (or
// nil) once jobs is closed.
func checkMACs(key audit.Key, tenantID string, jobs <-chan macBatch, done chan<- *macFailure) {
	var f *macFailure
	m := key.Hasher()
	for b := range jobs {
		if f != nil {
			continue // drain
		}
		prev, _ := hex.DecodeString(b.prevHex)
		before := audit.Entry{Seq: b.prevSeq, MAC: b.prevHex, At: b.prevAt}
		for i := range b.es {
			e := &b.es[i]
			mac, err := hex.DecodeString(e.MAC)
			switch {
			case err != nil || len(mac) != audit.MACSize:
				f = &macFailure{seq: e.Seq, id: e.ID, problem: "the MAC is malformed", before: before}
			case !hmac.Equal(mac, m.MAC(tenantID, e.Seq, prev, e)):
				f = &macFailure{seq: e.Seq, id: e.ID, before: before,
					problem: "the MAC does not match: the entry was altered, inserted or moved, or one before it was"}
			}
			if f != nil {
				break
			}
			prev = mac
			before = audit.Entry{Seq: e.Seq, MAC: e.MAC, At: e.At}
		}
	}
	done <- f
}

// AuditPurge describes one retention purge of a chain.
type AuditPurge struct {
	FromSeq, ToSeq int64 // the purged range, inclusive
	Count          int64
	Through        time.Time // the time of the last purged entry
}

// purgeAudit deletes the oldest entries of the chain whose time is at or
// before cutoff, in whole checkpointed segments: up to the newest
// checkpoint before the first entry younger than cutoff. The checkpoint
// becomes the chain's start (base), so the rest still verifies. It returns
// a zero AuditPurge when there is nothing to purge.
func purgeAudit(ctx context.Context, c conn, tenantID string, cutoff time.Time) (AuditPurge, error) {
	var p AuditPurge
	if _, _, err := lockHead(ctx, c, tenantID); err != nil {
		return p, err
	}
	h, err := auditHead(ctx, c, tenantID)
	if err != nil {
		return p, err
	}
	var young sql.NullInt64
	if err := c.queryRow(ctx, `SELECT MIN(seq) FROM audit_log WHERE tenant_id = ? AND seq > 0 AND at > ?`,
		tenantID, cutoff.UTC()).Scan(&young); err != nil {
		return p, wrap(err, "purge audit")
	}
	limit := h.Seq + 1
	if young.Valid {
		limit = young.Int64
	}
	var cp AuditCheckpoint
	err = c.queryRow(ctx, `SELECT seq, mac FROM audit_checkpoints WHERE tenant_id = ? AND seq > ? AND seq < ?
		ORDER BY seq DESC LIMIT 1`, tenantID, h.BaseSeq, limit).Scan(&cp.Seq, &cp.MAC)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, wrap(err, "purge audit")
	}
	var mac string
	if err := c.queryRow(ctx, `SELECT mac, at FROM audit_log WHERE tenant_id = ? AND seq = ?`, tenantID, cp.Seq).
		Scan(&mac, &p.Through); err != nil {
		return p, wrap(err, "purge audit: checkpointed entry")
	}
	if mac != cp.MAC {
		return p, care.Internal(fmt.Errorf("store: purge audit: entry %d differs from its checkpoint; run verify-audit", cp.Seq))
	}
	var want int64
	if err := c.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND seq > 0 AND seq <= ?`,
		tenantID, cp.Seq).Scan(&want); err != nil {
		return p, wrap(err, "purge audit")
	}
	res, err := c.exec(ctx, `DELETE FROM audit_log WHERE tenant_id = ? AND seq > 0 AND seq <= ?`, tenantID, cp.Seq)
	if err != nil {
		return p, wrap(err, "purge audit")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return p, wrap(err, "purge audit")
	}
	if n != want {
		// PostgreSQL's policy refused some rows: by the database's clock
		// they are younger than the minimum retention.
		return p, care.Internal(fmt.Errorf("store: purge audit: the database let %d of %d entries be deleted", n, want))
	}
	if _, err := c.exec(ctx, `UPDATE audit_heads SET base_seq = ?, base_mac = ?, base_at = ? WHERE tenant_id = ?`,
		cp.Seq, cp.MAC, p.Through.UTC(), tenantID); err != nil {
		return p, wrap(err, "purge audit")
	}
	p.FromSeq, p.ToSeq, p.Count, p.Through = h.BaseSeq+1, cp.Seq, n, p.Through.UTC()
	return p, nil
}

// PurgeAudit purges the tenant's oldest audit entries up to cutoff, in
// whole checkpointed segments (see purgeAudit). The caller appends the
// audit.purge entry in the same transaction.
func (tx *Tx) PurgeAudit(ctx context.Context, cutoff time.Time) (AuditPurge, error) {
	return purgeAudit(ctx, tx.conn, tx.tenant, cutoff)
}

// PurgeAudit is Tx.PurgeAudit for the platform's chain.
func (tx *PlatformTx) PurgeAudit(ctx context.Context, cutoff time.Time) (AuditPurge, error) {
	return purgeAudit(ctx, tx.conn, "", cutoff)
}

// AuditEvidence is a contiguous segment of a chain with what a third
// party holding the key needs to verify it: the MAC before it, and the
// checkpoints within and just after it.
type AuditEvidence struct {
	TenantID    string
	From, To    time.Time
	PrevSeq     int64
	PrevMAC     string
	Entries     []audit.Entry // in seq order
	Checkpoints []AuditCheckpoint
}

// maxEvidence bounds one evidence export.
const maxEvidence = 100000

func auditEvidence(ctx context.Context, c conn, tenantID string, from, to time.Time) (AuditEvidence, error) {
	ev := AuditEvidence{TenantID: tenantID, From: from.UTC(), To: to.UTC()}
	var first, last sql.NullInt64
	if err := c.queryRow(ctx, `SELECT MIN(seq), MAX(seq) FROM audit_log WHERE tenant_id = ? AND seq > 0 AND at >= ? AND at < ?`,
		tenantID, from.UTC(), to.UTC()).Scan(&first, &last); err != nil {
		return ev, wrap(err, "audit evidence")
	}
	if !first.Valid {
		return ev, nil
	}
	if last.Int64-first.Int64+1 > maxEvidence {
		var v care.Invalid
		v.Add("from", "audit_chain.error.evidence_range")
		return ev, v.Err()
	}
	h, err := auditHead(ctx, c, tenantID)
	if err != nil {
		return ev, err
	}
	ev.PrevSeq = first.Int64 - 1
	switch {
	case ev.PrevSeq == h.BaseSeq:
		ev.PrevMAC = h.BaseMAC
	default:
		if err := c.queryRow(ctx, `SELECT mac FROM audit_log WHERE tenant_id = ? AND seq = ?`, tenantID, ev.PrevSeq).
			Scan(&ev.PrevMAC); err != nil {
			return ev, wrap(err, "audit evidence: previous entry")
		}
	}
	rows, err := c.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE tenant_id = ? AND seq >= ? AND seq <= ? ORDER BY seq`,
		tenantID, first.Int64, last.Int64)
	if err != nil {
		return ev, wrap(err, "audit evidence")
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		if err := scanAudit(rows, &e); err != nil {
			return ev, wrap(err, "audit evidence")
		}
		ev.Entries = append(ev.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return ev, wrap(err, "audit evidence")
	}
	cps, err := auditCheckpoints(ctx, c, tenantID, ev.PrevSeq)
	if err != nil {
		return ev, err
	}
	for _, cp := range cps {
		ev.Checkpoints = append(ev.Checkpoints, cp)
		if cp.Seq >= last.Int64 {
			break // the first checkpoint at or after the segment's end covers it
		}
	}
	return ev, nil
}

// AuditEvidence returns the tenant's entries from from (inclusive) to to
// (exclusive) as a verifiable segment of its chain: every entry from the
// first in the range to the last, by seq, so the segment is contiguous.
func (tx *Tx) AuditEvidence(ctx context.Context, from, to time.Time) (AuditEvidence, error) {
	return auditEvidence(ctx, tx.conn, tx.tenant, from, to)
}

// AuditEvidence is Tx.AuditEvidence for the platform's chain.
func (tx *PlatformTx) AuditEvidence(ctx context.Context, from, to time.Time) (AuditEvidence, error) {
	return auditEvidence(ctx, tx.conn, "", from, to)
}

// SetAuditKey sets the key of the audit chains, for a database opened
// without Options.AuditKey; call it before any use.
func (db *DB) SetAuditKey(k audit.Key) { db.auditKey = k }

// AuditStarted reports whether any chain holds a chained entry: then its
// key must never change. Entries from before the chain (not yet chained)
// do not count.
func (db *DB) AuditStarted(ctx context.Context) (bool, error) {
	chains, err := db.AuditChains(ctx)
	if err != nil {
		return false, err
	}
	for _, t := range chains {
		var n int
		err := db.inChain(ctx, t, true, func(c conn) error {
			return wrap(c.queryRow(ctx, `SELECT COUNT(*) FROM audit_heads WHERE tenant_id = ? AND seq > 0`, t).Scan(&n), "audit started")
		})
		if err != nil || n > 0 {
			return n > 0, err
		}
	}
	return false, nil
}

// AuditRetentionDays returns how many days the tenant keeps its audit
// entries (its own setting; the platform's may be longer).
func (tx *Tx) AuditRetentionDays(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT audit_retention_days FROM tenants WHERE id = ?`, tx.tenant).Scan(&n)
	if err != nil {
		return 0, notFound(err, "tenant")
	}
	return n, nil
}

// SetAuditRetentionDays sets how many days the tenant keeps its audit
// entries. The app validates the number (at least 365).
func (tx *Tx) SetAuditRetentionDays(ctx context.Context, days int) error {
	res, err := tx.exec(ctx, `UPDATE tenants SET audit_retention_days = ? WHERE id = ?`, days, tx.tenant)
	if err != nil {
		return wrap(err, "set audit retention")
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err, "set audit retention")
	} else if n != 1 {
		return care.NotFound("tenant")
	}
	return nil
}
