-- Issue 6: the public privacy portal (R14–R18, R21).

-- What the person asked for on the portal's first page, and the language
-- they asked in: the link leads there after verification.
ALTER TABLE portal_links ADD COLUMN wanted TEXT;
ALTER TABLE portal_links ADD COLUMN language TEXT;

-- A verified visitor of the portal: the single-use link was followed. The
-- cookie holds a random secret; only its SHA-256 is kept, with the email
-- address it proved and a short expiry. No staff user: the portal's actor
-- is the data subject (audited with no user). `report_request_id` is the
-- access or portability case whose report this session may download.
CREATE TABLE portal_sessions (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT,
    report_request_id TEXT REFERENCES requests (id) ON DELETE SET NULL
);
CREATE INDEX portal_sessions_by_expiry ON portal_sessions (expires_at);

-- The portal finds people by the email address typed, in any case of its
-- letters (the domain is stored lower-cased already).
CREATE INDEX person_contacts_by_lower_value ON person_contacts (kind, LOWER(value));
