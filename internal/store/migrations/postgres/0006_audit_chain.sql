-- The audit log becomes a hash chain per tenant (tenant_id '' is the
-- platform's chain): seq numbers each chain's entries from 1, mac is the
-- entry's HMAC-SHA256 over its fields and the previous entry's MAC, under
-- a key kept outside the database (internal/audit/chain.go).
-- Entries written before this migration get seq -1: the server chains
-- them, oldest first, at its next start (store.SealAudit), and they are
-- the only rows an UPDATE may touch, once.
ALTER TABLE audit_log ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN mac TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET seq = -1;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (tenant_id, seq) WHERE seq > 0;
-- Entries outside the chain (not yet chained, or inserted around the app):
-- verify-audit counts them without reading the whole chain again.
CREATE INDEX audit_log_unchained ON audit_log (tenant_id, id) WHERE seq < 1;

-- The head of each chain, the row appends lock to take the next seq
-- (appends of one chain serialise on it); and the purge boundary: entries
-- up to base_seq were purged by the retention job, and the chain now
-- starts after base_mac.
CREATE TABLE audit_heads (
    tenant_id TEXT NOT NULL PRIMARY KEY,
    seq       BIGINT NOT NULL,
    mac       TEXT NOT NULL,
    base_seq  BIGINT NOT NULL DEFAULT 0,
    base_mac  TEXT NOT NULL DEFAULT '',
    base_at   TIMESTAMPTZ
);

-- Daily checkpoints of each chain's head (also written to a file an
-- operator ships off the machine). Insert-only.
CREATE TABLE audit_checkpoints (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    mac        TEXT NOT NULL,
    head_at    TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (tenant_id, seq);

-- Append-only. A trigger refuses every UPDATE of an entry except the one
-- that chains an entry from before the chain (seq -1 to a positive seq,
-- nothing else changed), and every UPDATE or DELETE of a checkpoint.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq = -1 AND NEW.seq > 0 AND NEW.mac <> ''
       AND (NEW.tenant_id, NEW.id, NEW.at, NEW.actor_id, NEW.actor_login, NEW.actor_role, NEW.action,
            NEW.target_type, NEW.target_id, NEW.resident_id, NEW.ip, NEW.user_agent, NEW.result, NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.tenant_id, OLD.id, OLD.at, OLD.actor_id, OLD.actor_login, OLD.actor_role, OLD.action,
            OLD.target_type, OLD.target_id, OLD.resident_id, OLD.ip, OLD.user_agent, OLD.result, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard();

CREATE FUNCTION audit_checkpoints_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoints is insert-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_guard();

-- Row-level security by command: the app reads and appends its own
-- tenant's entries; it updates only entries from before the chain (the
-- trigger above narrows that to chaining them); and it deletes only what
-- the retention purge may: entries older than the minimum retention of
-- 365 days by the database's own clock, up to a checkpoint of the chain.
DROP POLICY tenant_scope ON audit_log;
CREATE POLICY audit_read ON audit_log FOR SELECT USING (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY audit_append ON audit_log FOR INSERT WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY audit_seal ON audit_log FOR UPDATE USING (tenant_id = current_setting('app.tenant_id', true) AND seq = -1)
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY audit_purge ON audit_log FOR DELETE USING (tenant_id = current_setting('app.tenant_id', true)
    AND seq > 0 AND at < now() - interval '365 days'
    AND seq <= (SELECT COALESCE(MAX(c.seq), 0) FROM audit_checkpoints c WHERE c.tenant_id = audit_log.tenant_id));

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON audit_heads USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_checkpoint_read ON audit_checkpoints FOR SELECT USING (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY audit_checkpoint_write ON audit_checkpoints FOR INSERT WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

-- How many days the tenant keeps its audit entries: at least 365, and the
-- platform's --audit-retention-days when that is longer.
ALTER TABLE tenants ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 365;
