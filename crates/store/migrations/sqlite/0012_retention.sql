-- SQLite's part of migration 12: the audit log's rows may go once a
-- checkpoint covers them; the last activity filled in from what is stored.
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN old.seq > (SELECT COALESCE(MAX(through_seq), 0) FROM audit_checkpoints)
BEGIN
    SELECT RAISE (ABORT, 'audit_log is append-only');
END;

UPDATE people SET last_active_on = date(created_at / 1000000, 'unixepoch');
UPDATE people SET last_active_on = (SELECT MAX(ordered_on) FROM orders o WHERE o.person_id = people.id)
WHERE (SELECT MAX(ordered_on) FROM orders o WHERE o.person_id = people.id) > last_active_on;
UPDATE people SET last_active_on = (SELECT MAX(issued_on) FROM invoices i WHERE i.person_id = people.id)
WHERE (SELECT MAX(issued_on) FROM invoices i WHERE i.person_id = people.id) > last_active_on;
UPDATE people SET last_active_on = (SELECT date(MAX(created_at) / 1000000, 'unixepoch') FROM notes n WHERE n.person_id = people.id)
WHERE (SELECT date(MAX(created_at) / 1000000, 'unixepoch') FROM notes n WHERE n.person_id = people.id) > last_active_on;
UPDATE people SET last_active_on = (SELECT date(MAX(received_at) / 1000000, 'unixepoch') FROM requests r WHERE r.person_id = people.id)
WHERE (SELECT date(MAX(received_at) / 1000000, 'unixepoch') FROM requests r WHERE r.person_id = people.id) > last_active_on;
