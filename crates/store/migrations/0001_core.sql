-- The register core (issue 2). Ids are TEXT (UUIDv7), instants BIGINT
-- microseconds since the epoch (UTC), dates TEXT 'YYYY-MM-DD', booleans
-- INTEGER 0/1: the types both databases and sqlx's Any driver agree on.
-- This file is shared: migrate.rs puts each backend's serial type in for
-- @SERIAL@ and appends the backend's own file (its full-text index, the
-- audit log's append-only trigger).

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'privacy_officer', 'partner')),
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);

-- R3, R5: people. Name and title carry their own source; every contact value
-- carries its own in person_contacts.
CREATE TABLE people (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    name_source TEXT NOT NULL CHECK (name_source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    name_source_detail TEXT,
    name_recorded_at BIGINT NOT NULL,
    title TEXT,
    title_source TEXT CHECK (title_source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    title_source_detail TEXT,
    title_recorded_at BIGINT,
    relationship_started_on TEXT,
    relationship_ended_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_by TEXT,
    updated_by TEXT
);
CREATE INDEX people_by_name ON people (last_name, first_name);
CREATE INDEX people_by_relationship_end ON people (relationship_ended_on);

CREATE TABLE person_contacts (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'website', 'ip_address', 'postal_address', 'billing_address')),
    position INTEGER NOT NULL,
    -- the value itself; for an address, its street line
    value TEXT NOT NULL,
    postal_code TEXT,
    city TEXT,
    country TEXT,
    source TEXT NOT NULL CHECK (source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    source_detail TEXT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX person_contacts_by_person ON person_contacts (person_id, position);
CREATE INDEX person_contacts_by_value ON person_contacts (kind, value);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    business_id TEXT UNIQUE,
    website TEXT,
    source TEXT NOT NULL CHECK (source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    source_detail TEXT,
    recorded_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX organisations_by_name ON organisations (name);

-- R19: the person represents the organisation; is_contact_person holds erasure.
CREATE TABLE person_organisations (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title TEXT,
    started_on TEXT,
    ended_on TEXT,
    is_contact_person INTEGER NOT NULL CHECK (is_contact_person IN (0, 1)),
    source TEXT NOT NULL CHECK (source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    source_detail TEXT,
    recorded_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX person_organisations_by_person ON person_organisations (person_id);
CREATE INDEX person_organisations_by_organisation ON person_organisations (organisation_id);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    person_id TEXT REFERENCES people (id) ON DELETE SET NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'delivered', 'cancelled')),
    ordered_on TEXT NOT NULL,
    currency TEXT NOT NULL,
    total_cents BIGINT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    source_detail TEXT,
    recorded_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orders_by_person ON orders (person_id);
CREATE INDEX orders_by_organisation ON orders (organisation_id);

CREATE TABLE order_lines (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL
);
CREATE INDEX order_lines_by_order ON order_lines (order_id, position);

-- R8: open and debt-collection invoices hold erasure; accounting law keeps
-- invoices, so erasing a person sets person_id to NULL and keeps the amounts.
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    person_id TEXT REFERENCES people (id) ON DELETE SET NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    order_id TEXT REFERENCES orders (id) ON DELETE SET NULL,
    number TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'debt_collection', 'credited')),
    issued_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    total_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    source_detail TEXT,
    recorded_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX invoices_by_person ON invoices (person_id, status);
CREATE INDEX invoices_by_organisation ON invoices (organisation_id);

-- R3: history (meeting_note, offer) and upcoming events (action, meeting).
CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    person_id TEXT REFERENCES people (id) ON DELETE CASCADE,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('meeting_note', 'offer', 'action', 'meeting')),
    body TEXT NOT NULL,
    due_at BIGINT,
    done_at BIGINT,
    assigned_to TEXT REFERENCES users (id),
    created_by TEXT,
    source TEXT NOT NULL CHECK (source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    source_detail TEXT,
    recorded_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX notes_by_person ON notes (person_id);
CREATE INDEX notes_by_organisation ON notes (organisation_id);
CREATE INDEX notes_by_due ON notes (due_at);

-- B6: one row per searchable record; Rust fills search_text (words and
-- stems). person_id lets an erasure remove every row about the person.
CREATE TABLE search_index (
    id @SERIAL@,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    person_id TEXT,
    -- what a hit shows: a name, or the start of a note
    title TEXT NOT NULL,
    search_text TEXT NOT NULL,
    UNIQUE (record_type, record_id)
);
CREATE INDEX search_index_by_person ON search_index (person_id);

-- B1: append-only audit of every read and write of personal data. Ids only,
-- never personal data. prev_hash/hash are for the hash chain (issue 3).
CREATE TABLE audit_log (
    seq @SERIAL@,
    at BIGINT NOT NULL,
    actor_user_id TEXT,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    person_id TEXT,
    purpose TEXT NOT NULL,
    client_ip TEXT,
    prev_hash TEXT,
    hash TEXT
);
CREATE INDEX audit_log_by_person ON audit_log (person_id, seq);
CREATE INDEX audit_log_by_record ON audit_log (record_type, record_id, seq);
