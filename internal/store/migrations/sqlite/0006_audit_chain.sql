-- The audit log becomes a hash chain per tenant (tenant_id '' is the
-- platform's chain): seq numbers each chain's entries from 1, mac is the
-- entry's HMAC-SHA256 over its fields and the previous entry's MAC, under
-- a key kept outside the database (internal/audit/chain.go).
-- Entries written before this migration get seq -1: the server chains
-- them, oldest first, at its next start (store.SealAudit), and they are
-- the only rows an UPDATE may touch, once.
ALTER TABLE audit_log ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN mac TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET seq = -1;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (tenant_id, seq) WHERE seq > 0;
-- Entries outside the chain (not yet chained, or inserted around the app):
-- verify-audit counts them without reading the whole chain again.
CREATE INDEX audit_log_unchained ON audit_log (tenant_id, id) WHERE seq < 1;

-- The head of each chain, the row appends lock to take the next seq; and
-- the purge boundary: entries up to base_seq were purged by the retention
-- job, and the chain now starts after base_mac.
CREATE TABLE audit_heads (
    tenant_id TEXT NOT NULL PRIMARY KEY,
    seq       INTEGER NOT NULL,
    mac       TEXT NOT NULL,
    base_seq  INTEGER NOT NULL DEFAULT 0,
    base_mac  TEXT NOT NULL DEFAULT '',
    base_at   TIMESTAMP
);

-- Daily checkpoints of each chain's head (also written to a file an
-- operator ships off the machine). Insert-only.
CREATE TABLE audit_checkpoints (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    mac        TEXT NOT NULL,
    head_at    TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (tenant_id, seq);

-- Append-only, as far as SQLite can say it: an entry is never updated,
-- except once to chain an entry from before the chain; it is deleted only
-- up to a checkpoint (the retention purge). Whoever holds the file can
-- drop these triggers: the chain, not the triggers, is what detects that.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.seq = -1 AND NEW.seq > 0 AND NEW.mac <> '' AND NEW.tenant_id IS OLD.tenant_id AND NEW.id IS OLD.id
    AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id AND NEW.actor_login IS OLD.actor_login
    AND NEW.actor_role IS OLD.actor_role AND NEW.action IS OLD.action AND NEW.target_type IS OLD.target_type
    AND NEW.target_id IS OLD.target_id AND NEW.resident_id IS OLD.resident_id AND NEW.ip IS OLD.ip
    AND NEW.user_agent IS OLD.user_agent AND NEW.result IS OLD.result AND NEW.detail IS OLD.detail)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_purge_only BEFORE DELETE ON audit_log
WHEN OLD.seq < 1 OR OLD.seq > (SELECT COALESCE(MAX(c.seq), 0) FROM audit_checkpoints c WHERE c.tenant_id = OLD.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log: only checkpointed entries may be purged');
END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is insert-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is insert-only');
END;

-- How many days the tenant keeps its audit entries: at least 365, and the
-- platform's --audit-retention-days when that is longer.
ALTER TABLE tenants ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 365;
