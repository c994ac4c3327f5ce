-- Issue 6: erasure with holds, tombstones and anonymisation (R8, R19, R21).

-- R8: a keyed hash (HMAC-SHA256) of each erased person's email address, so
-- an import or a partner's system does not bring the person back by
-- mistake; a new registration by the person is allowed. No address is kept.
CREATE TABLE erasure_tombstones (
    email_hash TEXT PRIMARY KEY,
    erased_at BIGINT NOT NULL,
    request_id TEXT
);

-- The key of those hashes: one row, 32 random bytes (hex) made on first
-- use. It lives beside the hashes so that a backup restores both together
-- (B2) and every server on the database uses the same one; the cost is
-- that whoever reads the whole database can test a guessed address.
CREATE TABLE erasure_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_hex TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- R8, R19: an erasure a hold prevented, run when the hold ends. The holds
-- are stored as codes only (open_invoice, debt_collection,
-- organisation_contact): nothing about the person. The row stays, done,
-- as proof that the erasure ran; person_id is a bare id, no foreign key.
CREATE TABLE scheduled_erasures (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    requested_by TEXT REFERENCES users (id),
    request_id TEXT,
    holds TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'done')),
    checked_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX scheduled_erasures_by_status ON scheduled_erasures (status, person_id);
CREATE INDEX scheduled_erasures_by_person ON scheduled_erasures (person_id);
