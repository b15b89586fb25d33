-- Platform tables: not owned by a tenant.
CREATE TABLE tenants (
    id         TEXT NOT NULL PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    options    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE operators (
    id            TEXT NOT NULL PRIMARY KEY,
    login_id      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    last_login_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE operator_sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    operator_id  TEXT NOT NULL REFERENCES operators (id),
    listener     TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Client certificates of the deployment CA, each bound to one admin account
-- (tenant_id '' for operators).
CREATE TABLE client_certs (
    serial      TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    login_id    TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    not_after   TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX client_certs_account ON client_certs (tenant_id, login_id);

-- Tenant tables: tenant_id leads every key and index.
CREATE TABLE facilities (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    area       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX facilities_name ON facilities (tenant_id, name);

CREATE TABLE users (
    tenant_id            TEXT NOT NULL REFERENCES tenants (id),
    id                   TEXT NOT NULL,
    login_id             TEXT NOT NULL,
    name                 TEXT NOT NULL,
    kana                 TEXT NOT NULL DEFAULT '',
    profession           TEXT NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    last_login_at        TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    deleted_at           TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, login_id)
);
CREATE INDEX users_kana ON users (tenant_id, kana);

CREATE TABLE user_facilities (
    tenant_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    facility_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, facility_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, facility_id) REFERENCES facilities (tenant_id, id)
);
CREATE INDEX user_facilities_facility ON user_facilities (tenant_id, facility_id);

CREATE TABLE sessions (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    listener     TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- The audit log: tenant_id '' holds the platform's own entries (operator work).
CREATE TABLE audit_log (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_login TEXT NOT NULL DEFAULT '',
    actor_role  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    resident_id TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, at);
