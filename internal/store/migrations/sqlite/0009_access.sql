-- Access controls (issue 4, items 5–7): per-tenant IP allow-lists, the
-- device-certificate policy for members, break-glass grants and the kind
-- of each client certificate.

-- Allow-lists are CIDR prefixes, normalised and separated by spaces; ''
-- allows every address. admin_allow covers the tenant's admins on the
-- admin listener, user_allow (optional) every user on the user listener.
ALTER TABLE tenants ADD COLUMN admin_allow TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN user_allow TEXT NOT NULL DEFAULT '';
-- With device_certs on, members must present a device certificate bound
-- to their account on the user listener.
ALTER TABLE tenants ADD COLUMN device_certs BOOLEAN NOT NULL DEFAULT FALSE;
-- How long a break-glass grant lasts, in minutes (60 by default, at most
-- 24 hours).
ALTER TABLE tenants ADD COLUMN break_glass_minutes INTEGER NOT NULL DEFAULT 60;

-- 'admin': an admin listener certificate; 'device': a member's device
-- certificate for the user listener.
ALTER TABLE client_certs ADD COLUMN kind TEXT NOT NULL DEFAULT 'admin';

-- Break-glass grants: a member opened one resident outside their teams,
-- with a reason, until expires_at.
CREATE TABLE break_glass (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    resident_id     TEXT NOT NULL,
    reason          BLOB NOT NULL, -- sealed (it may say why about the resident)
    ip              TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    acknowledged_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, resident_id) REFERENCES residents (tenant_id, id)
);
CREATE INDEX break_glass_user ON break_glass (tenant_id, user_id, resident_id, expires_at);
CREATE INDEX break_glass_resident ON break_glass (tenant_id, resident_id, expires_at);
CREATE INDEX break_glass_created ON break_glass (tenant_id, created_at);
