package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// The audit log's upkeep (daily checkpoint and retention purge), the
// evidence export and the last-logins view. The chain itself is the
// store's (store.AppendAudit); its key lives outside the database.

// CheckpointFile is the content of a checkpoint file: the head of every
// chain at one time. It holds MACs, not the key, so it may be copied
// anywhere; verify-audit --checkpoint FILE checks the chains against it.
type CheckpointFile struct {
	Format    string                  `json:"format"`
	WrittenAt time.Time               `json:"written_at"`
	Engine    string                  `json:"engine"`
	Chains    []store.AuditCheckpoint `json:"chains"`
}

// checkpointFormat names the file format.
const checkpointFormat = "renrakucho-audit-checkpoint/1"

// ReadCheckpointFile reads a checkpoint file written by CheckpointAudit.
func ReadCheckpointFile(path string) (CheckpointFile, error) {
	var f CheckpointFile
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("checkpoint file: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	if f.Format != checkpointFormat {
		return f, fmt.Errorf("checkpoint file %s: format %q, want %q", path, f.Format, checkpointFormat)
	}
	return f, nil
}

// CheckpointAudit records the head of every audit chain in the database
// and writes them to a new file in dir (created, mode 0700), named by the
// time: audit-checkpoint-20260102T030405Z.json. It returns the file's path.
func (a *App) CheckpointAudit(ctx context.Context, now time.Time, dir string) (string, error) {
	cps, err := a.db.CheckpointAudit(ctx)
	if err != nil {
		return "", err
	}
	f := CheckpointFile{Format: checkpointFormat, WrittenAt: now.UTC(), Engine: a.db.Engine(), Chains: cps}
	if f.Chains == nil {
		f.Chains = []store.AuditCheckpoint{}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("checkpoint directory: %w", err)
	}
	path := filepath.Join(dir, "audit-checkpoint-"+now.UTC().Format("20060102T150405Z")+".json")
	tmp, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	return path, nil
}

// PurgeAudit is the audit retention of the whole deployment: in every
// chain, the entries older than the retention (platformDays, or the
// tenant's own audit retention when longer; never under a year) are
// purged in whole checkpointed segments, each purge with its audit.purge
// entry in the same transaction. One chain's failure does not stop the
// others. It returns the number of entries purged.
func (a *App) PurgeAudit(ctx context.Context, now time.Time, platformDays int) (int64, error) {
	platformDays = max(platformDays, MinAuditRetentionDays)
	chains, err := a.db.AuditChains(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	var errs []error
	for _, t := range chains {
		if err := ctx.Err(); err != nil {
			return total, errors.Join(append(errs, err)...)
		}
		var p store.AuditPurge
		var days int
		purge := func(purge func(time.Time) (store.AuditPurge, error), appendAudit func(*audit.Entry) error) error {
			var err error
			if p, err = purge(now.AddDate(0, 0, -days)); err != nil || p.Count == 0 {
				return err
			}
			return appendAudit(&audit.Entry{ActorLogin: "system", ActorRole: "system", Action: audit.AuditPurge,
				TargetType: "audit", Result: audit.OK,
				Detail: fmt.Sprintf("purged seq %d–%d, %d entries, up to %s (retention %d days)",
					p.FromSeq, p.ToSeq, p.Count, p.Through.Format(time.RFC3339), days)})
		}
		if t == "" {
			days = platformDays
			err = a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
				return purge(func(c time.Time) (store.AuditPurge, error) { return ptx.PurgeAudit(ctx, c) },
					func(e *audit.Entry) error { return ptx.AppendAudit(ctx, e) })
			})
		} else {
			err = a.db.InTenant(ctx, t, func(tx *store.Tx) error {
				own, err := tx.AuditRetentionDays(ctx)
				if err != nil {
					return err
				}
				days = max(platformDays, own)
				return purge(func(c time.Time) (store.AuditPurge, error) { return tx.PurgeAudit(ctx, c) },
					func(e *audit.Entry) error { return tx.AppendAudit(ctx, e) })
			})
		}
		total += p.Count
		if p.Count > 0 {
			a.log.Info("retention: purged audit entries", "tenant", t, "from", p.FromSeq, "to", p.ToSeq, "entries", p.Count)
		}
		if err != nil {
			a.log.Error("retention: audit purge failed", "tenant", t, "err", err)
			errs = append(errs, fmt.Errorf("audit retention: chain %q: %w", t, err))
		}
	}
	return total, errors.Join(errs...)
}

// MinAuditRetentionDays is the shortest audit retention: a year.
const MinAuditRetentionDays = 365

// RunAuditUpkeep is the daily audit job: a checkpoint of every chain
// (table and file in dir), then the retention purge, which can only reach
// checkpointed entries.
func (a *App) RunAuditUpkeep(ctx context.Context, now time.Time, dir string, platformDays int) error {
	path, err := a.CheckpointAudit(ctx, now, dir)
	if err != nil {
		return err
	}
	a.log.Info("audit: checkpoint written", "file", path)
	_, err = a.PurgeAudit(ctx, now, platformDays)
	return err
}

// Evidence is an evidence export: a range of the log as a contiguous
// segment of its chain, with the MAC before it and the checkpoints that
// cover it, so a third party holding the audit key can verify it
// (audit.Key.VerifySegment) without the database.
type Evidence struct {
	Format      string                  `json:"format"`
	TenantID    string                  `json:"tenant_id"`
	From        time.Time               `json:"from"`
	To          time.Time               `json:"to"`
	ExportedAt  time.Time               `json:"exported_at"`
	ExportedBy  string                  `json:"exported_by"`
	MAC         string                  `json:"mac_algorithm"`
	PrevSeq     int64                   `json:"prev_seq"`
	PrevMAC     string                  `json:"prev_mac"`
	Entries     []EvidenceEntry         `json:"entries"`
	Checkpoints []store.AuditCheckpoint `json:"checkpoints"`
}

// EvidenceEntry is one entry of an evidence export, every field the MAC
// covers, under the names of the CSV export.
type EvidenceEntry struct {
	Seq        int64     `json:"seq"`
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	ActorLogin string    `json:"actor_login"`
	ActorRole  string    `json:"actor_role"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	ResidentID string    `json:"resident_id"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	Result     string    `json:"result"`
	Detail     string    `json:"detail"`
	MAC        string    `json:"mac"`
}

// Entry turns the evidence entry back into an audit entry, for
// verification.
func (e EvidenceEntry) Entry() audit.Entry {
	return audit.Entry{Seq: e.Seq, ID: e.ID, At: e.At, ActorID: e.ActorID, ActorLogin: e.ActorLogin, ActorRole: e.ActorRole,
		Action: audit.Action(e.Action), TargetType: e.TargetType, TargetID: e.TargetID, ResidentID: e.ResidentID,
		IP: e.IP, UserAgent: e.UserAgent, Result: audit.Result(e.Result), Detail: e.Detail, MAC: e.MAC}
}

// Verify checks the evidence under the audit key: the entries continue
// the chain from PrevMAC, and every checkpoint inside the segment matches
// its entry.
func (ev Evidence) Verify(key audit.Key) error {
	es := make([]audit.Entry, len(ev.Entries))
	for i, e := range ev.Entries {
		es[i] = e.Entry()
	}
	if err := key.VerifySegment(ev.TenantID, ev.PrevSeq, ev.PrevMAC, es); err != nil {
		return err
	}
	for _, cp := range ev.Checkpoints {
		i := cp.Seq - ev.PrevSeq - 1
		if i >= 0 && i < int64(len(es)) && es[i].MAC != cp.MAC {
			return &audit.Break{TenantID: ev.TenantID, Seq: cp.Seq, ID: es[i].ID, Problem: "differs from its checkpoint"}
		}
	}
	return nil
}

const evidenceFormat = "renrakucho-audit-evidence/1"

// AuditEvidence exports the log of the actor's tenant (an operator's: the
// platform's) from from to to as evidence with its chain proof, audited
// as audit.evidence in the same transaction.
func (a *App) AuditEvidence(ctx context.Context, act care.Actor, from, to time.Time) (Evidence, error) {
	e := entry(act, audit.AuditEvidence, "audit", "")
	e.Detail = "from=" + from.UTC().Format(time.RFC3339) + " to=" + to.UTC().Format(time.RFC3339)
	var ev store.AuditEvidence
	var err error
	if act.IsOperator() && act.Listener == care.AdminListener {
		err = a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
			if ev, err = ptx.AuditEvidence(ctx, from, to); err != nil {
				return err
			}
			return ptx.AppendAudit(ctx, e)
		})
	} else {
		if err := require(act, care.ActAuditView); err != nil {
			return Evidence{}, err
		}
		err = a.inTenant(ctx, act, func(tx *store.Tx) error {
			if ev, err = tx.AuditEvidence(ctx, from, to); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, e)
		})
	}
	if err != nil {
		return Evidence{}, err
	}
	out := Evidence{Format: evidenceFormat, TenantID: ev.TenantID, From: ev.From, To: ev.To, ExportedAt: e.At,
		ExportedBy: act.LoginID, MAC: "HMAC-SHA256, see docs/admin-manual.md (Audit log: evidence)",
		PrevSeq: ev.PrevSeq, PrevMAC: ev.PrevMAC, Entries: []EvidenceEntry{}, Checkpoints: ev.Checkpoints}
	if out.Checkpoints == nil {
		out.Checkpoints = []store.AuditCheckpoint{}
	}
	for _, e := range ev.Entries {
		out.Entries = append(out.Entries, EvidenceEntry{Seq: e.Seq, ID: e.ID, At: e.At, ActorID: e.ActorID,
			ActorLogin: e.ActorLogin, ActorRole: e.ActorRole, Action: string(e.Action), TargetType: e.TargetType,
			TargetID: e.TargetID, ResidentID: e.ResidentID, IP: e.IP, UserAgent: e.UserAgent, Result: string(e.Result),
			Detail: e.Detail, MAC: e.MAC})
	}
	return out, nil
}

// LastLogins lists the tenant's users with their last and previous
// logins, most recent first (never-logged-in users last), for a tenant
// admin; the view is audited as audit.logins.
func (a *App) LastLogins(ctx context.Context, act care.Actor) ([]care.User, error) {
	if err := require(act, care.ActAuditView); err != nil {
		return nil, err
	}
	var out []care.User
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if out, err = tx.Users(ctx, store.UserFilter{}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.AuditLogins, "user", ""))
	})
	slices.SortStableFunc(out, func(x, y care.User) int {
		switch {
		case x.LastLoginAt == nil && y.LastLoginAt == nil:
			return strings.Compare(x.LoginID, y.LoginID)
		case x.LastLoginAt == nil:
			return 1
		case y.LastLoginAt == nil:
			return -1
		}
		return y.LastLoginAt.Compare(*x.LastLoginAt)
	})
	return out, err
}

// RecordCommand writes a command-line action to the platform's audit log
// (cli.command): who ran it from where is in o, what it did in detail.
func (a *App) RecordCommand(ctx context.Context, o care.Origin, command, detail string, result audit.Result) error {
	return a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		return ptx.AppendAudit(ctx, &audit.Entry{ActorLogin: "cli", ActorRole: "operator", Action: audit.CLICommand,
			TargetType: "command", TargetID: command, IP: o.IP, UserAgent: o.UserAgent, Result: result, Detail: detail})
	})
}
