-- Envelope encryption (DESIGN §3.4). Each tenant's data keysets, wrapped
-- under its key-encryption key (which lives outside the database).
-- Resident fields and contact-book texts become sealed values (bytea).
-- The values already stored are sealed by the Go step that runs with this
-- migration, in its transaction.
CREATE TABLE tenant_keys (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    keyset     BYTEA NOT NULL,
    version    INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    rotated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE key_rotations (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    version    INTEGER NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    table_name TEXT NOT NULL DEFAULT '',
    row_key    TEXT NOT NULL DEFAULT '',
    resealed   INTEGER NOT NULL DEFAULT 0,
    done_at    TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, version)
);

ALTER TABLE tenant_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON tenant_keys USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE key_rotations ENABLE ROW LEVEL SECURITY;
ALTER TABLE key_rotations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON key_rotations USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

DROP INDEX residents_kana;

ALTER TABLE residents
    ALTER COLUMN name TYPE BYTEA USING convert_to(name, 'UTF8'),
    ALTER COLUMN kana TYPE BYTEA USING convert_to(kana, 'UTF8'),
    ALTER COLUMN birth_date TYPE BYTEA USING convert_to(birth_date, 'UTF8'),
    ALTER COLUMN sex TYPE BYTEA USING convert_to(sex, 'UTF8'),
    ALTER COLUMN address DROP DEFAULT,
    ALTER COLUMN address TYPE BYTEA USING convert_to(address, 'UTF8'),
    ALTER COLUMN address SET DEFAULT ''::bytea,
    ALTER COLUMN phone DROP DEFAULT,
    ALTER COLUMN phone TYPE BYTEA USING convert_to(phone, 'UTF8'),
    ALTER COLUMN phone SET DEFAULT ''::bytea,
    ALTER COLUMN care_level TYPE BYTEA USING convert_to(care_level, 'UTF8'),
    ALTER COLUMN key_person DROP DEFAULT,
    ALTER COLUMN key_person TYPE BYTEA USING convert_to(key_person, 'UTF8'),
    ALTER COLUMN key_person SET DEFAULT ''::bytea,
    ALTER COLUMN notes DROP DEFAULT,
    ALTER COLUMN notes TYPE BYTEA USING convert_to(notes, 'UTF8'),
    ALTER COLUMN notes SET DEFAULT ''::bytea,
    ALTER COLUMN end_date DROP DEFAULT,
    ALTER COLUMN end_date TYPE BYTEA USING convert_to(end_date, 'UTF8'),
    ALTER COLUMN end_date SET DEFAULT ''::bytea,
    ALTER COLUMN end_reason DROP DEFAULT,
    ALTER COLUMN end_reason TYPE BYTEA USING convert_to(end_reason, 'UTF8'),
    ALTER COLUMN end_reason SET DEFAULT ''::bytea,
    ALTER COLUMN end_note DROP DEFAULT,
    ALTER COLUMN end_note TYPE BYTEA USING convert_to(end_note, 'UTF8'),
    ALTER COLUMN end_note SET DEFAULT ''::bytea;

ALTER TABLE consents
    ALTER COLUMN obtained_by TYPE BYTEA USING convert_to(obtained_by, 'UTF8'),
    ALTER COLUMN scope DROP DEFAULT,
    ALTER COLUMN scope TYPE BYTEA USING convert_to(scope, 'UTF8'),
    ALTER COLUMN scope SET DEFAULT ''::bytea;

ALTER TABLE posts
    ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8'),
    ALTER COLUMN fields DROP DEFAULT,
    ALTER COLUMN fields TYPE BYTEA USING convert_to(fields, 'UTF8'),
    ALTER COLUMN fields SET DEFAULT ''::bytea,
    ALTER COLUMN delete_note DROP DEFAULT,
    ALTER COLUMN delete_note TYPE BYTEA USING convert_to(delete_note, 'UTF8'),
    ALTER COLUMN delete_note SET DEFAULT ''::bytea;

ALTER TABLE post_versions
    ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8'),
    ALTER COLUMN fields DROP DEFAULT,
    ALTER COLUMN fields TYPE BYTEA USING convert_to(fields, 'UTF8'),
    ALTER COLUMN fields SET DEFAULT ''::bytea;

ALTER TABLE comments
    ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');
