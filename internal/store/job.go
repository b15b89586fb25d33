package store

import (
	"context"
	"database/sql"
	"time"
)

// JobLease is the lease of one background job: who may run it until when,
// and how its last run ended.
type JobLease struct {
	Name      string
	Holder    string
	Until     time.Time
	LastRun   *time.Time
	LastError string // "" after a run that succeeded
}

// AcquireLease takes the lease of the job for holder until the time given,
// unless another holds it: it reports whether it did. A lease passes only
// once it has run out (until ≤ the transaction's now) and only to a later
// period (a larger until): a node whose clock read the end of a period
// just before another node took it cannot take the same period again. The
// statement is one atomic upsert, so of several nodes trying at once
// exactly one succeeds, on either engine.
func (tx *PlatformTx) AcquireLease(ctx context.Context, name, holder string, until time.Time) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO job_leases (name, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE job_leases.until <= ? AND job_leases.until < excluded.until`, name, holder, until.UTC(), tx.now)
	if err != nil {
		return false, wrap(err, "acquire lease")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(err, "acquire lease")
	}
	return n == 1, nil
}

// FinishLease records the end of a run by the lease's holder: now as its
// last run, lastErr ("" for success) as its outcome. The lease itself is
// kept to the end of its period, so no other node runs the job again in
// it. A holder that lost the lease meanwhile records nothing.
func (tx *PlatformTx) FinishLease(ctx context.Context, name, holder, lastErr string) error {
	_, err := tx.exec(ctx, `UPDATE job_leases SET last_run = ?, last_error = ? WHERE name = ? AND holder = ?`,
		tx.now, lastErr, name, holder)
	return wrap(err, "finish lease")
}

// JobLease returns the lease of the job.
func (tx *PlatformTx) JobLease(ctx context.Context, name string) (JobLease, error) {
	var l JobLease
	var last sql.NullTime
	err := tx.queryRow(ctx, `SELECT name, holder, until, last_run, last_error FROM job_leases WHERE name = ?`, name).
		Scan(&l.Name, &l.Holder, &l.Until, &last, &l.LastError)
	if err != nil {
		return JobLease{}, notFound(err, "job")
	}
	l.Until = l.Until.UTC()
	l.LastRun = timePtr(last)
	return l, nil
}

// AcquireLease runs PlatformTx.AcquireLease in a transaction of its own,
// for the job runner (package jobs).
func (db *DB) AcquireLease(ctx context.Context, name, holder string, until time.Time) (bool, error) {
	var ok bool
	err := db.Platform(ctx, func(ptx *PlatformTx) error {
		var err error
		ok, err = ptx.AcquireLease(ctx, name, holder, until)
		return err
	})
	return ok, err
}

// FinishLease runs PlatformTx.FinishLease in a transaction of its own, for
// the job runner (package jobs).
func (db *DB) FinishLease(ctx context.Context, name, holder, lastErr string) error {
	return db.Platform(ctx, func(ptx *PlatformTx) error {
		return ptx.FinishLease(ctx, name, holder, lastErr)
	})
}
