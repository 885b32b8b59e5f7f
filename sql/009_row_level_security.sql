-- A second wall around tenants: row-level security. The service connects as a role of its own that
-- owns no table (SYNC_SERVICE_ROLE, granted by `migrate` through sync_grant_service below) and names the
-- tenant it serves in the session setting sync.tenant; every table that holds a tenant's data then shows
-- and accepts only that tenant's rows, whatever a query says. With no tenant set, the tables read as empty
-- and writes are refused. Table owners (migrations, administrators' own SQL) are not subject to it.

CREATE FUNCTION sync_current_tenant() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('sync.tenant', true), '') $$;

-- Every table that holds a tenant's data; the service's start-up check (SchemaCheck.wallProblems) refuses
-- to serve when one of them, or a registry table, is without it.
DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['end_user', 'interactions', 'sync_clock', 'sync_log', 'sync_conflicts', 'idempotency_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('CREATE POLICY tenant_wall ON %I USING (tenant_id = sync_current_tenant()) '
                       'WITH CHECK (tenant_id = sync_current_tenant())', tenant_table);
    END LOOP;
END
$$;

-- Housekeeping across tenants, which the service's role cannot do row by row: pruning runs with the
-- owner's rights, and does only this.
CREATE FUNCTION sync_prune(log_days integer, key_seconds integer, OUT log_removed bigint, OUT keys_removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    DELETE FROM sync_log WHERE logged_at < clock_timestamp() - make_interval(days => log_days);
    GET DIAGNOSTICS log_removed = ROW_COUNT;
    DELETE FROM idempotency_keys WHERE created_at < clock_timestamp() - make_interval(secs => key_seconds);
    GET DIAGNOSTICS keys_removed = ROW_COUNT;
END
$$;
REVOKE ALL ON FUNCTION sync_prune(integer, integer) FROM PUBLIC;

-- What the service's role may do: read the tenant directory and the migrations, read and write the
-- tenant tables (through the wall above), prune. `migrate` calls it after every run, so tables added by
-- later migrations are granted too.
CREATE FUNCTION sync_grant_service(service_role name) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    tenant_table text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service_role) THEN
        RAISE EXCEPTION 'the service role % does not exist: create it with CREATE ROLE % LOGIN (see README, Deploying)',
            service_role, service_role USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'end_user'
               AND tableowner = service_role) THEN
        RAISE EXCEPTION 'the service role % owns the tables: row-level security does not apply to an owner; give the service a role of its own',
            service_role USING ERRCODE = 'invalid_grant_operation';
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), service_role);
    EXECUTE format('GRANT SELECT ON tenants, schema_migrations TO %I', service_role);
    FOR tenant_table IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relrowsecurity
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', tenant_table, service_role);
    END LOOP;
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), service_role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION sync_prune(integer, integer) TO %I', service_role);
END
$$;
