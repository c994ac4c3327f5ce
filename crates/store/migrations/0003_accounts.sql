-- R11: personal passwords (Argon2id), a second factor, web sessions, and
-- the counters that slow down password guessing.
ALTER TABLE users ADD COLUMN password_hash TEXT;
-- Set for a one-time password: the user must choose their own first.
ALTER TABLE users ADD COLUMN password_must_change INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
-- TOTP (RFC 6238): the confirmed secret, one awaiting confirmation, and the
-- last time step used (a code is single use).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- A token carries the role its user had when it was made; a token whose
-- role is no longer the user's is refused.
ALTER TABLE api_tokens ADD COLUMN role TEXT;
UPDATE api_tokens SET role = (SELECT u.role FROM users u WHERE u.id = api_tokens.user_id);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Server-side web sessions, shared by every server on the database. Only a
-- hash of the cookie's secret is kept.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    secret_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    client_ip TEXT,
    user_agent TEXT,
    ended_at BIGINT,
    end_reason TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id, ended_at);

-- Failed logins per account name ("account:NAME", known or not) and per
-- client address ("address:IP").
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT,
    locked_until BIGINT
);

-- Register-wide settings an administrator changes (require_second_factor).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT REFERENCES users (id)
);
