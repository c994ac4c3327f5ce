-- PostgreSQL's part of migration 12: the audit log's rows may go once a
-- checkpoint covers them; the last activity filled in from what is stored.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.seq <= (SELECT COALESCE(MAX(through_seq), 0) FROM audit_checkpoints) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

UPDATE people SET last_active_on = to_char(to_timestamp(created_at / 1000000) AT TIME ZONE 'UTC', 'YYYY-MM-DD');
UPDATE people p SET last_active_on = GREATEST(p.last_active_on, a.last_on) FROM (
    SELECT person_id, MAX(d) AS last_on FROM (
        SELECT person_id, ordered_on AS d FROM orders
        UNION ALL SELECT person_id, issued_on FROM invoices
        UNION ALL SELECT person_id, to_char(to_timestamp(created_at / 1000000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM notes
        UNION ALL SELECT person_id, to_char(to_timestamp(received_at / 1000000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM requests
    ) x WHERE person_id IS NOT NULL GROUP BY person_id
) a WHERE a.person_id = p.id;
