-- SQLite's part of migration 5: permission events are never changed.
CREATE TRIGGER permission_events_no_update BEFORE UPDATE ON permission_events BEGIN
    SELECT RAISE (ABORT, 'permission_events are immutable');
END;
