-- The contact book: residents, consent, care teams, posts, comments, read
-- receipts and groups. tenant_id leads every key and index; composite
-- foreign keys keep every row inside its tenant.

ALTER TABLE tenants ADD COLUMN ended_retention_years INTEGER NOT NULL DEFAULT 5;

CREATE TABLE residents (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    id             TEXT NOT NULL,
    facility_id    TEXT NOT NULL,
    name           TEXT NOT NULL,
    kana           TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    sex            TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    care_level     TEXT NOT NULL,
    child          BOOLEAN NOT NULL DEFAULT FALSE,
    disability     BOOLEAN NOT NULL DEFAULT FALSE,
    key_person     TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    last_activity  TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    end_date       TEXT NOT NULL DEFAULT '',
    end_reason     TEXT NOT NULL DEFAULT '',
    end_note       TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, facility_id) REFERENCES facilities (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX residents_kana ON residents (tenant_id, kana);
CREATE INDEX residents_facility ON residents (tenant_id, facility_id);
CREATE INDEX residents_ended ON residents (tenant_id, ended_at);

CREATE TABLE consents (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    method      TEXT NOT NULL,
    obtained_at TEXT NOT NULL,
    obtained_by TEXT NOT NULL,
    scope       TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    revoked_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, resident_id) REFERENCES residents (tenant_id, id),
    FOREIGN KEY (tenant_id, recorded_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX consents_resident ON consents (tenant_id, resident_id, created_at);

CREATE TABLE team_members (
    tenant_id   TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    status      TEXT NOT NULL,
    invited_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    joined_at   TIMESTAMP,
    ended_at    TIMESTAMP,
    PRIMARY KEY (tenant_id, resident_id, user_id),
    FOREIGN KEY (tenant_id, resident_id) REFERENCES residents (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX team_members_user ON team_members (tenant_id, user_id, status);

CREATE TABLE groups (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

CREATE TABLE group_members (
    tenant_id TEXT NOT NULL,
    group_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX group_members_user ON group_members (tenant_id, user_id);

-- A post belongs to one resident's contact book or one group's board:
-- resident_id or group_id is '' for the other.
CREATE TABLE posts (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    resident_id TEXT NOT NULL DEFAULT '',
    group_id    TEXT NOT NULL DEFAULT '',
    author_id   TEXT NOT NULL,
    category    TEXT NOT NULL,
    importance  TEXT NOT NULL,
    body        TEXT NOT NULL,
    template    TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '',
    addressees  TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP,
    deleted_by  TEXT NOT NULL DEFAULT '',
    delete_note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id)
);
-- The timeline: newest first by time-ordered ID, per resident or group.
CREATE INDEX posts_resident ON posts (tenant_id, resident_id, id);
CREATE INDEX posts_group ON posts (tenant_id, group_id, id);
CREATE INDEX posts_author ON posts (tenant_id, author_id, id);

CREATE TABLE post_addressees (
    tenant_id TEXT NOT NULL,
    post_id   TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, post_id, user_id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES posts (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX post_addressees_user ON post_addressees (tenant_id, user_id, post_id);

CREATE TABLE post_versions (
    tenant_id  TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    category   TEXT NOT NULL,
    importance TEXT NOT NULL,
    body       TEXT NOT NULL,
    fields     TEXT NOT NULL DEFAULT '',
    edited_by  TEXT NOT NULL,
    edited_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, post_id, version),
    FOREIGN KEY (tenant_id, post_id) REFERENCES posts (tenant_id, id)
);

CREATE TABLE comments (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES posts (tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX comments_post ON comments (tenant_id, post_id, id);

CREATE TABLE read_receipts (
    tenant_id TEXT NOT NULL,
    post_id   TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    read_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, post_id, user_id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES posts (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX read_receipts_user ON read_receipts (tenant_id, user_id, post_id);
