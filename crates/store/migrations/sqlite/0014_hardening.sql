-- Seals are appended only; they go with the rows a checkpoint cut.
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals BEGIN
    SELECT RAISE (ABORT, 'audit_seals are append-only');
END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
WHEN old.through_seq > (SELECT COALESCE(MAX(through_seq), 0) FROM audit_checkpoints)
BEGIN
    SELECT RAISE (ABORT, 'audit_seals are append-only');
END;
