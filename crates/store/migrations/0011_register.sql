-- Issue 13: the register's details as configuration (R1), and the portal's
-- rate limits and the web's imports in the database (R14).

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

-- The web's CSV imports (issue 13): any server shows one's progress, and
-- a restart leaves it visibly failed or done, never lost. A running import
-- writes `done` and `heartbeat_at` as it goes (on PostgreSQL; SQLite's one
-- writer is the import's own); one with no heartbeat for 30 s is failed.
-- The data itself is one transaction, which marks the import done as it
-- commits. Rejected rows keep their line, field and reason, never a value.
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'refused')),
    row_count BIGINT NOT NULL,
    total BIGINT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE TABLE import_rejections (
    import_id TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    field TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX import_rejections_of ON import_rejections (import_id, line);

-- A claimed job now carries its lease's end in `run_at` (one index range
-- finds due and expired jobs): jobs claimed before this migration get it.
UPDATE jobs SET run_at = lease_until WHERE state = 'running' AND lease_until IS NOT NULL;
