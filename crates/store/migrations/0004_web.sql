-- The web interface: each user's language (NULL: the browser's), and the
-- pending logins that passed the password and wait for the second factor
-- (only a hash of the browser's secret is kept; they expire in minutes).
ALTER TABLE users ADD COLUMN language TEXT;

CREATE TABLE login_challenges (
    secret_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);
