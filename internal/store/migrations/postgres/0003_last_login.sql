-- The previous login, shown to each user at the next one (DESIGN §3.5):
-- last_login_* is the session just opened, previous_login_* the one before.
ALTER TABLE users ADD COLUMN last_login_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN previous_login_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN previous_login_ip TEXT NOT NULL DEFAULT '';
