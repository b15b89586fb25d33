-- Account security (issue 4): lockout, password lifecycle, outgoing mail.

-- The tenant's own tightening of the account rules. The app refuses
-- values looser than the defaults (DESIGN §3.3).
ALTER TABLE tenants ADD COLUMN lockout_threshold INTEGER NOT NULL DEFAULT 5;
ALTER TABLE tenants ADD COLUMN password_min_length INTEGER NOT NULL DEFAULT 13;

-- Consecutive failed logins per login string, for existing and unknown
-- accounts alike, so an unknown login ID locks exactly as a real one does
-- and nobody learns which exist. scope is the tenant's ID, 'op' for the
-- operators, or 'slug:' and the typed region ID for a region that does not
-- exist. failed counts attempts reserved before the password is checked
-- (the reservation is what bounds the checks); locks counts the locks since
-- the last success, each twice as long as the one before. A platform
-- table: the login is resolved before any tenant is known.
CREATE TABLE login_attempts (
    scope           TEXT NOT NULL,
    login_id        TEXT NOT NULL,
    failed          INTEGER NOT NULL DEFAULT 0,
    locks           INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP,
    last_failure_at TIMESTAMP,
    PRIMARY KEY (scope, login_id)
);

-- Self-service password resets: the SHA-256 of the mailed token, never the
-- token itself; a reset is used once and expires.
CREATE TABLE password_resets (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX password_resets_user ON password_resets (tenant_id, user_id);

-- The outbox of outgoing mail, written in the transaction of the use case
-- that sends it and delivered by a worker with retries. A node claims a
-- message by leasing it; the body is cleared once it is sent. A platform
-- table.
CREATE TABLE mail_outbox (
    id              TEXT NOT NULL PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    sent_at         TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);
