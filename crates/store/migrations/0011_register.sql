-- Issue 13: the register's details as configuration (R1), and the portal's
-- rate limits in the database (R14).

-- The register's details: each change by the admin is a new row — the controller (name, Y-tunnus, address), the
-- register's contact person and the supervisory authority, as JSON — so
-- every version stays, with who changed it and when. The newest row is in
-- force; with none, the seed privacy notice's details are.
CREATE TABLE register_details (
    version BIGINT PRIMARY KEY,
    details TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT REFERENCES users (id)
);

-- The privacy portal's rate limits (R14), shared by every server on the
-- database: one row per counted event, its key a kind and a hash or a
-- client address (never an email address in clear). Rows past the longest
-- window go in the periodic round.
CREATE TABLE portal_hits (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX portal_hits_by_key ON portal_hits (key, at);
CREATE INDEX portal_hits_by_age ON portal_hits (at);
