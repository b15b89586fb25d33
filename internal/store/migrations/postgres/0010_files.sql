-- File sharing (DESIGN §2.2): folders, files and their versions in three
-- kinds of space — a resident's care team ("resident", resident_id set),
-- a group ("group", group_id set) and the tenant library ("library",
-- neither set). The database holds metadata only: the contents are sealed
-- blobs in the blob store under random keys (blob_key, thumb_key), never
-- derived from a name. Names (file_folders.name, files.name) are resident
-- data and may be sealed later. A consent's scanned form is a file of the
-- resident's space with consent_id set. Deleting moves to the trash (deleted_at);
-- an admin empties it, which removes the rows and the blobs.
--
-- The tenant's limits and its usage live on the tenant's row:
-- file_max_bytes bounds one upload, file_quota_bytes all blobs of the
-- tenant, file_types lists the allowed kinds, and file_bytes_used is the
-- sum of the tenant's blob sizes, raised by a conditional UPDATE so that
-- parallel uploads can never pass the quota together.

ALTER TABLE tenants ADD COLUMN file_max_bytes BIGINT NOT NULL DEFAULT 104857600;
ALTER TABLE tenants ADD COLUMN file_quota_bytes BIGINT NOT NULL DEFAULT 10737418240;
ALTER TABLE tenants ADD COLUMN file_types TEXT NOT NULL DEFAULT 'pdf,image,office,text,csv';
ALTER TABLE tenants ADD COLUMN file_bytes_used BIGINT NOT NULL DEFAULT 0;

CREATE TABLE file_folders (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    id          TEXT NOT NULL,
    space       TEXT NOT NULL,
    resident_id TEXT,
    group_id    TEXT,
    parent_id   TEXT,
    name        BYTEA NOT NULL, -- sealed
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    deleted_at  TIMESTAMPTZ,
    deleted_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, resident_id) REFERENCES residents (tenant_id, id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES file_folders (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX file_folders_space ON file_folders (tenant_id, space, resident_id, group_id, parent_id);

CREATE TABLE files (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    id           TEXT NOT NULL,
    space        TEXT NOT NULL,
    resident_id  TEXT,
    group_id     TEXT,
    folder_id    TEXT,
    name         BYTEA NOT NULL, -- sealed
    version      INTEGER NOT NULL,
    consent_id   TEXT,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    deleted_at   TIMESTAMPTZ,
    deleted_by   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, resident_id) REFERENCES residents (tenant_id, id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id),
    FOREIGN KEY (tenant_id, folder_id) REFERENCES file_folders (tenant_id, id),
    FOREIGN KEY (tenant_id, consent_id) REFERENCES consents (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX files_space ON files (tenant_id, space, resident_id, group_id, folder_id);
CREATE INDEX files_deleted ON files (tenant_id, deleted_at);

CREATE TABLE file_versions (
    tenant_id    TEXT NOT NULL,
    file_id      TEXT NOT NULL,
    version_no   INTEGER NOT NULL,
    blob_key     TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sealed_size  BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    thumb_key    TEXT NOT NULL DEFAULT '',
    thumb_size   BIGINT NOT NULL DEFAULT 0,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, file_id, version_no),
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id),
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES users (tenant_id, id)
);

-- Files attached to posts and comments (comment_id '' for the post itself).
CREATE TABLE file_attachments (
    tenant_id  TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    comment_id TEXT NOT NULL DEFAULT '',
    file_id    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, post_id, comment_id, file_id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES posts (tenant_id, id),
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
CREATE INDEX file_attachments_file ON file_attachments (tenant_id, file_id);

ALTER TABLE file_folders ENABLE ROW LEVEL SECURITY;
ALTER TABLE file_folders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON file_folders USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON files USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE file_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE file_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON file_versions USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE file_attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE file_attachments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON file_attachments USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
