-- Issue 14: retention that runs itself (R9), legal holds (R8), paper
-- documents (R10), and the audit log under retention (B1).

-- The retention schedule (R9): each change by the admin is a new row — the
-- policy of every data category, the financial year's end, when a quiet
-- relationship is reviewed — as JSON, so every version stays, with who
-- changed it and when. The newest is in force; with none, the defaults
-- (the notice's rule and Finnish law's) are.
CREATE TABLE retention_schedules (
    version BIGINT PRIMARY KEY,
    schedule TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT REFERENCES users (id)
);

-- The customer relationship's end (R9): its date was already a column;
-- its reason is the officer's or staff's words. `last_active_on` is the
-- day of the person's latest order, invoice, note or meeting, request or
-- portal visit (or their record's creation), kept by those writes, so the
-- review list of relationships that may have ended is one range of an index.
ALTER TABLE people ADD COLUMN relationship_end_reason TEXT;
ALTER TABLE people ADD COLUMN last_active_on TEXT;
CREATE INDEX people_by_last_activity ON people (last_active_on);

-- A review the officer dismissed ("still a customer"): the person comes
-- back on the list only after another quiet period from this day.
CREATE TABLE relationship_reviews (
    person_id TEXT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    dismissed_on TEXT NOT NULL,
    dismissed_at BIGINT NOT NULL,
    dismissed_by TEXT REFERENCES users (id)
);

-- Legal holds (R8): "unless law prevents it". In force from placing until
-- `ends_on` (inclusive) or until ended early; erased with the person once
-- the erasure can run.
CREATE TABLE legal_holds (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id),
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    ends_on TEXT,
    placed_at BIGINT NOT NULL,
    placed_by TEXT REFERENCES users (id),
    ended_at BIGINT,
    ended_by TEXT REFERENCES users (id)
);
CREATE INDEX legal_holds_by_person ON legal_holds (person_id);

-- The sweep (R9): one row per run, with the schedule's version it applied,
-- its counts per category and action (JSON), and each record it touched in
-- `retention_sweep_items` (ids only, as `disclosure_records` keep them).
-- `daily_on` makes the daily run once a day across servers; a manual run
-- has none. A run whose heartbeat stopped (a kill -9) is read as
-- interrupted; the next one finishes the rest.
CREATE TABLE retention_sweeps (
    id TEXT PRIMARY KEY,
    daily_on TEXT UNIQUE,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    schedule_version BIGINT NOT NULL,
    started_by TEXT REFERENCES users (id),
    counts TEXT NOT NULL,
    audit_head_seq BIGINT,
    audit_head_hash TEXT
);
CREATE INDEX retention_sweeps_by_start ON retention_sweeps (started_at);

CREATE TABLE retention_sweep_items (
    sweep_id TEXT NOT NULL REFERENCES retention_sweeps (id),
    category TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    action TEXT NOT NULL,
    anchor_on TEXT NOT NULL,
    expired_on TEXT NOT NULL,
    rows_affected BIGINT NOT NULL
);
CREATE INDEX retention_sweep_items_by_sweep ON retention_sweep_items (sweep_id);

-- The audit log under retention (B1, R9): rows older than the audit log's
-- period go only behind a checkpoint — the hash of the last row cut, when,
-- by which sweep — from which `audit verify` starts; the append-only
-- trigger lets a row go only once a checkpoint covers it.
CREATE TABLE audit_checkpoints (
    through_seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    rows_cut BIGINT NOT NULL,
    cut_at BIGINT NOT NULL,
    sweep_id TEXT
);

-- Paper documents (R10): manual material kept about a person — its kind,
-- date, archive location and keeper. An erasure or retention action on the
-- person opens the task of destroying it (`destroy_from`); the officer
-- confirms the destruction with its date. The row stays as proof, the
-- person a bare id.
CREATE TABLE paper_documents (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    dated_on TEXT,
    location TEXT NOT NULL,
    keeper TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    destroy_from BIGINT,
    destroyed_on TEXT,
    destroyed_at BIGINT,
    destroyed_by TEXT REFERENCES users (id)
);
CREATE INDEX paper_documents_by_person ON paper_documents (person_id);
CREATE INDEX paper_documents_to_destroy ON paper_documents (destroy_from);
