-- Issue 6: data-subject requests as cases (R14–R21, B4).

-- A request: its kind, how it came, who asked (the identity claims), the
-- deadline computed at receipt (R14: 3 weeks by default, never beyond one
-- month; an extension of up to two further months with a reason told to
-- the person within the first month), how identity was established, the
-- answer, and a fee or refusal decision for a repeat (never charged
-- automatically). The requester's own words stay here until the person is
-- erased, when erasure minimises them (the case remains as proof).
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'portability', 'rectification', 'restriction', 'objection', 'erasure', 'anonymisation')),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'portal', 'letter')),
    status TEXT NOT NULL CHECK (status IN ('received', 'verified', 'in_progress', 'answered', 'closed')),
    person_id TEXT REFERENCES people (id) ON DELETE SET NULL,
    requester_name TEXT,
    requester_email TEXT,
    requester_address TEXT,
    details TEXT,
    received_at BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    extended_to TEXT,
    extension_reason TEXT,
    extended_at BIGINT,
    identity_method TEXT CHECK (identity_method IN ('portal_link', 'email_on_record', 'officer_recorded')),
    identity_note TEXT,
    verified_at BIGINT,
    verified_by TEXT REFERENCES users (id),
    outcome TEXT CHECK (outcome IN ('fulfilled', 'partly', 'refused')),
    answer TEXT,
    answered_at BIGINT,
    answered_by TEXT REFERENCES users (id),
    repeat_of TEXT REFERENCES requests (id),
    fee_decision TEXT CHECK (fee_decision IN ('fee', 'refusal', 'free')),
    fee_cents BIGINT,
    fee_justification TEXT,
    closed_at BIGINT,
    reminded_7_at BIGINT,
    reminded_2_at BIGINT,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX requests_by_status ON requests (status, due_on);
CREATE INDEX requests_by_person ON requests (person_id, kind, received_at);

-- The case's history: every step, who took it and when (the proof).
CREATE TABLE request_events (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    user_id TEXT REFERENCES users (id),
    event TEXT NOT NULL,
    note TEXT
);
CREATE INDEX request_events_by_request ON request_events (request_id, at);

-- The portal's single-use links (R14 identity): only the SHA-256 of the
-- secret is kept; a link expires and is spent once.
CREATE TABLE portal_links (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX portal_links_by_email ON portal_links (email, created_at);

-- R17, Art. 19: where a recipient's notifications of rectification and
-- erasure are sent (none: a printable letter).
ALTER TABLE recipients ADD COLUMN notice_email TEXT;
