-- SQLite's part of migration 1 (after ../0001_core.sql).

-- SQLite's full-text index over search_index, kept in step by triggers.
-- The prefix index covers the query terms, which are at most five letters.
CREATE VIRTUAL TABLE search_fts USING fts5 (
    search_text,
    content = 'search_index',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3 4 5'
);
CREATE TRIGGER search_index_ai AFTER INSERT ON search_index BEGIN
    INSERT INTO search_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER search_index_ad AFTER DELETE ON search_index BEGIN
    INSERT INTO search_fts (search_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER search_index_au AFTER UPDATE ON search_index BEGIN
    INSERT INTO search_fts (search_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO search_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- The audit log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'audit_log is append-only');
END;
