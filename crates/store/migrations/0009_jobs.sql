-- Issue 13: the durable job queue and the mail outbox, in the database.

-- What must follow a commit is a row here, written in the same
-- transaction. `payload` is the job as JSON, ids only (never a value of a
-- person). A runner claims a row (`running`, `tries` + 1, a lease until
-- `lease_until`, `claimed_by` its own token); a lease that expires makes
-- the row claimable again. A failure waits (`run_at`) and tries again; after
-- the last try the row is `failed` with `last_error` until the admin
-- retries it. Finished rows go after a week.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    tries BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    lease_until BIGINT,
    claimed_by TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_by_update ON jobs (state, updated_at);

-- Every letter the register writes: to an email address (`to_email`) or a
-- printable letter (`to_name`, as the letter starts), kept until sent and
-- read in the outbox from any server. `person_id` is the person it is
-- about, if any: erasure removes those rows, and rows that name one of the
-- person's addresses without their id. A portal link's body (its secret)
-- is cleared once SMTP has accepted it.
CREATE TABLE mail (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    to_email TEXT,
    to_name TEXT,
    subject TEXT NOT NULL,
    body TEXT,
    person_id TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'kept')),
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    CHECK ((to_email IS NULL) <> (to_name IS NULL))
);
CREATE INDEX mail_by_person ON mail (person_id);
CREATE INDEX mail_by_created ON mail (created_at);
CREATE INDEX mail_by_lower_to ON mail (LOWER(to_email));
