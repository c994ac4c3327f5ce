-- Issue 13 (R1): the register's details as configuration. Each change by
-- the admin is a new row — the controller (name, Y-tunnus, address), the
-- register's contact person and the supervisory authority, as JSON — so
-- every version stays, with who changed it and when. The newest row is in
-- force; with none, the seed privacy notice's details are.
CREATE TABLE register_details (
    version BIGINT PRIMARY KEY,
    details TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT REFERENCES users (id)
);
