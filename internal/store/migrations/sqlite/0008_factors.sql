-- Second factors (DESIGN §3.3) and per-tenant session settings.
-- The factor tables hold tenant users' rows and, under tenant_id '', the
-- operators' (as audit_log does), so one store contract serves both; hence
-- no foreign key to users.

-- A TOTP secret per account. secret is the raw key (the base32 form is
-- what people see); it is read and written only by Tx.TOTPSecret and
-- Tx.SetTOTPSecret. last_step is the last accepted 30-second step, so a
-- code is never accepted twice. confirmed is false between enrolment and
-- the first good code.
CREATE TABLE totp_factors (
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    secret     BLOB NOT NULL,
    confirmed  BOOLEAN NOT NULL DEFAULT FALSE,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

-- Single-use recovery codes, stored as SHA-256 hashes (they are random,
-- 50 bits each: a slow hash buys nothing).
CREATE TABLE recovery_codes (
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    hash       TEXT NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id, hash)
);

-- WebAuthn passkeys. id is the credential ID (base64url); credential is
-- the library's credential record as JSON (public key, sign count, flags).
CREATE TABLE passkeys (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    credential   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX passkeys_user ON passkeys (tenant_id, user_id);

-- A session's stage: '' is a full session; 'factor' waits for the second
-- factor, 'enrol' for the enrolment of one. ceremony holds a WebAuthn
-- ceremony's challenge between its two requests.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ceremony TEXT NOT NULL DEFAULT '';
ALTER TABLE operator_sessions ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE operator_sessions ADD COLUMN ceremony TEXT NOT NULL DEFAULT '';

-- Tenant settings: the idle timeout in minutes (1–60, never off) and
-- whether every member needs a second factor (admins always do).
ALTER TABLE tenants ADD COLUMN idle_minutes INTEGER NOT NULL DEFAULT 15;
ALTER TABLE tenants ADD COLUMN factor_required BOOLEAN NOT NULL DEFAULT FALSE;
