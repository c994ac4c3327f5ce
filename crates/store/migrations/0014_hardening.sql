-- R11, B5: the access generation. Every change that revokes or narrows
-- access (a token revoked, a user disabled or given another role, a
-- commitment or a second factor changed) adds one to it in its own
-- transaction; a server keeps token answers only while the generation it
-- read them under is still the one stored, so a change made by another
-- server or by the command line takes effect at the next request.
CREATE TABLE access_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO access_generation (id, generation) VALUES (1, 0);

-- B1: the audit chain's key lives outside the database (a file of the
-- server's); here only its id, an HMAC of a fixed text that gives nothing
-- of the key away, so a server started with another register's key is
-- refused instead of sealing with it.
CREATE TABLE audit_chain_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT NOT NULL
);

-- B1: seals of the audit chain. A seal is an HMAC under the key of the
-- chain's hash at an entry; since each hash commits to every entry before
-- it, a row edited, removed or re-chained at or before a seal no longer
-- matches it, and without the key no new seal can be made. The writer
-- seals within a second of each commit.
CREATE TABLE audit_seals (
    through_seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    mac TEXT NOT NULL,
    sealed_at BIGINT NOT NULL
);

-- B1: a checkpoint (the audit log's retention cut) is signed by the key too,
-- so no one without it can move the start of the chain.
ALTER TABLE audit_checkpoints ADD COLUMN mac TEXT;
