-- Issue 13 (R21): copies of people's data written to files. The right to be
-- forgotten reaches exports kept on disk, so every file the command line
-- writes (`export people --output`, `export audience --output`, `disclose
-- --out`) is recorded: who (`made_by`, none for the command line acting
-- for no user), when, the purpose of processing, the path, how many people
-- and which. The access report names the copies a person is in; the
-- privacy officer's erasure page lists them, to be destroyed. Ids only:
-- no value of a person is in these tables, and an erasure keeps the rows
-- (as it keeps `disclosure_records`), so the copy can still be traced.
CREATE TABLE export_copies (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('people', 'audience', 'disclosure')),
    purpose TEXT NOT NULL,
    path TEXT NOT NULL,
    people BIGINT NOT NULL,
    made_by TEXT REFERENCES users (id),
    made_at BIGINT NOT NULL,
    disclosure_id TEXT REFERENCES disclosures (id)
);
CREATE INDEX export_copies_by_time ON export_copies (made_at);

CREATE TABLE export_copy_people (
    copy_id TEXT NOT NULL REFERENCES export_copies (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    PRIMARY KEY (copy_id, person_id)
);
CREATE INDEX export_copy_people_by_person ON export_copy_people (person_id);
