-- Issue 5: what decides whether the company may use or pass on a person's
-- data. Purposes of processing (R2), marketing permissions with their
-- history and the wording shown (R15, R21), restriction (R18), recipients
-- and processors with transfer safeguards (R4, R7), and disclosures (R6).

-- R2: the purposes of processing are configuration, each with a legal
-- basis; the notice's list is the default. A purpose not in use cannot be
-- named.
CREATE TABLE purposes (
    code TEXT PRIMARY KEY,
    legal_basis TEXT NOT NULL CHECK (legal_basis IN ('consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests')),
    in_use INTEGER NOT NULL CHECK (in_use IN (0, 1)),
    updated_at BIGINT,
    updated_by TEXT REFERENCES users (id)
);
INSERT INTO purposes (code, legal_basis, in_use) VALUES
    ('register_maintenance', 'contract', 1),
    ('order_management', 'contract', 1),
    ('customer_relationship', 'contract', 1),
    ('business_development', 'contract', 1),
    ('personalised_content', 'contract', 1),
    ('advertising_targeting', 'contract', 1);

-- R15: the exact text a person saw when asked, stored once per version and
-- referenced by every permission event given on it.
CREATE TABLE permission_wordings (
    id TEXT PRIMARY KEY,
    wording_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    language TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users (id),
    UNIQUE (wording_key, version)
);

-- R15, R21: one immutable event per change of a permission (no UPDATE:
-- a trigger refuses it); the state now is derived from the history.
-- given_at: when the person said it; recorded_at: when it was entered.
CREATE TABLE permission_events (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'phone', 'letter')),
    purpose TEXT NOT NULL CHECK (purpose IN ('direct_marketing', 'distance_selling', 'market_research', 'targeted_content')),
    state TEXT NOT NULL CHECK (state IN ('granted', 'withdrawn', 'prohibited')),
    given_at BIGINT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('registration', 'own_notice', 'update_service', 'social_media', 'subcontractor', 'partner_system', 'staff_entry')),
    source_detail TEXT,
    wording_id TEXT REFERENCES permission_wordings (id),
    legal_basis TEXT NOT NULL CHECK (legal_basis IN ('consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests')),
    recorded_by TEXT REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX permission_events_by_person ON permission_events (person_id, channel, purpose, given_at);
CREATE INDEX permission_events_by_channel ON permission_events (channel, purpose, person_id);

-- R18: while a restriction is in force (started, not lifted) the person's
-- data, or one value of it (value_kind + value), is only stored.
CREATE TABLE restrictions (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    value_kind TEXT CHECK (value_kind IN ('email', 'phone', 'website', 'ip_address', 'postal_address', 'billing_address')),
    value TEXT,
    reason TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    recorded_at BIGINT NOT NULL,
    lifted_at BIGINT,
    lifted_by TEXT REFERENCES users (id),
    lift_reason TEXT,
    CHECK ((value_kind IS NULL) = (value IS NULL))
);
CREATE INDEX restrictions_by_person ON restrictions (person_id, lifted_at);

-- R4, R7: who data may go to. Outside the EU/EEA only with a recorded
-- safeguard (checked by the domain before any disclosure). Retired
-- recipients stay for the disclosure log but receive nothing more.
CREATE TABLE recipients (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('processor', 'independent_recipient', 'authority')),
    country TEXT NOT NULL,
    safeguard TEXT CHECK (safeguard IN ('adequacy_decision', 'standard_contractual_clauses')),
    safeguard_on TEXT,
    safeguard_detail TEXT,
    description TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users (id),
    updated_by TEXT REFERENCES users (id),
    retired_at BIGINT,
    CHECK ((safeguard IS NULL) = (safeguard_on IS NULL))
);
CREATE INDEX recipients_by_name ON recipients (name);

-- R6: every passing of data outside the company, on a ground of the
-- notice's closed list, with the categories and the exact records sent.
CREATE TABLE disclosures (
    id TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES recipients (id),
    ground TEXT NOT NULL CHECK (ground IN ('value_added_service', 'credit_decision', 'credit_application', 'debt_collection', 'billing', 'legal_obligation')),
    purpose TEXT NOT NULL,
    categories TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('api', 'web', 'cli')),
    disclosed_by TEXT REFERENCES users (id),
    disclosed_at BIGINT NOT NULL
);
CREATE INDEX disclosures_by_recipient ON disclosures (recipient_id, disclosed_at);

CREATE TABLE disclosure_records (
    disclosure_id TEXT NOT NULL REFERENCES disclosures (id) ON DELETE CASCADE,
    person_id TEXT,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (disclosure_id, record_type, record_id)
);
CREATE INDEX disclosure_records_by_person ON disclosure_records (person_id);
