-- Envelope encryption (DESIGN §3.4). Each tenant's data keysets, wrapped
-- under its key-encryption key (which lives outside the database).
-- Resident fields and contact-book texts become sealed values; SQLite
-- stores them as BLOBs in the same columns. The values already stored are
-- sealed by the Go step that runs with this migration, in its transaction.
CREATE TABLE tenant_keys (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    keyset     BLOB NOT NULL,
    version    INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id)
);

-- A re-encryption after a key rotation: where it has got to, so it
-- resumes after a crash.
CREATE TABLE key_rotations (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    version    INTEGER NOT NULL,
    started_at TIMESTAMP NOT NULL,
    table_name TEXT NOT NULL DEFAULT '',
    row_key    TEXT NOT NULL DEFAULT '',
    resealed   INTEGER NOT NULL DEFAULT 0,
    done_at    TIMESTAMP,
    PRIMARY KEY (tenant_id, version)
);

-- Sealed values cannot be ordered by the database.
DROP INDEX residents_kana;
