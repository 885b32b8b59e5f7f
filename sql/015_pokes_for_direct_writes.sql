-- Live pokes for writes that do not come through the API (README, "Live pokes"). A push pokes its
-- tenant's subscribers itself, after it commits. Other server-side code writing the synced tables (an
-- admin panel, an import) raises a NOTIFY on channel sync_changes instead, payload "tenant stamp" (the
-- statement's newest change stamp, in the API's form), delivered at commit; one listener in the master
-- turns a burst of them into one poke per tenant. The service's sessions name their tenant to row-level
-- security (sync.tenant) and are left out: NOTIFY makes committing transactions queue on one lock, which
-- the service's pushes must never do.
CREATE OR REPLACE FUNCTION sync_log_inserts() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO sync_log (tenant_id, sub, entity_type, record_id, old_version, new_version, operation, request_id)
    SELECT n.tenant_id, nullif(current_setting('sync.sub', true), ''), TG_ARGV[0], n.id, NULL, n.version, 'insert',
           nullif(current_setting('sync.request_id', true), '')
    FROM new_rows n;
    IF sync_current_tenant() IS NULL THEN
        PERFORM pg_notify('sync_changes', n.tenant_id || ' ' || sync_iso(max(n.last_updated))) FROM new_rows n GROUP BY n.tenant_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION sync_log_updates() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO sync_log (tenant_id, sub, entity_type, record_id, old_version, new_version, operation, request_id)
    SELECT n.tenant_id, nullif(current_setting('sync.sub', true), ''), TG_ARGV[0], n.id, o.version, n.version, 'update',
           nullif(current_setting('sync.request_id', true), '')
    FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id;
    IF sync_current_tenant() IS NULL THEN
        PERFORM pg_notify('sync_changes', n.tenant_id || ' ' || sync_iso(max(n.last_updated))) FROM new_rows n GROUP BY n.tenant_id;
    END IF;
    RETURN NULL;
END
$$;
