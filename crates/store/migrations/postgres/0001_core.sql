-- PostgreSQL's part of migration 1 (after ../0001_core.sql).

-- PostgreSQL's full-text index over search_index; the 'simple' configuration
-- because Rust already stemmed the words.
CREATE INDEX search_index_fts ON search_index USING GIN (to_tsvector('simple', search_text));

-- The audit log is append-only.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
