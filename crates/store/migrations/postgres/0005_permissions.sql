-- PostgreSQL's part of migration 5: permission events are never changed.
CREATE FUNCTION permission_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'permission_events are immutable';
END;
$$;
CREATE TRIGGER permission_events_no_update BEFORE UPDATE ON permission_events
    FOR EACH ROW EXECUTE FUNCTION permission_events_immutable();
