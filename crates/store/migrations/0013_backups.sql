-- B2: what an erasure, anonymisation or retention action did, by id only,
-- so a restored backup can do it again before anyone is served. Each row
-- is also appended to the erasure journal file outside the database (a
-- restore never writes there); here it gives a backup its place in the
-- journal. Ids and tombstone hashes only: no value of a person.
CREATE TABLE erasure_journal (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('erase', 'anonymise', 'delete', 'minimise', 'paper_destroyed')),
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    -- The keyed hashes the erasure laid as tombstones, space-separated.
    tombstones TEXT NOT NULL,
    -- paper_destroyed: the day it was destroyed.
    detail TEXT
);

-- B2: a restore of a backup, replaying the journal; a register whose
-- restore is still replaying is not served.
CREATE TABLE restores (
    id TEXT PRIMARY KEY,
    backup_taken_at BIGINT NOT NULL,
    journal_seq BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    replayed BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('replaying', 'done'))
);

-- R10: the request an erasure's paper task answers; the case closes only
-- once each of its documents is confirmed destroyed.
ALTER TABLE paper_documents ADD COLUMN request_id TEXT;
