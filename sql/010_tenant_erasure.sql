-- Tenant erasure (`syncd tenant erase`): the tables' owner deletes a tenant's rows for real, in one
-- transaction that names the tenant in sync.erase_tenant. Every other DELETE still becomes the
-- registry's soft delete. The service's role could set that name as well, but it is not the tables'
-- owner, which the trigger also requires.
CREATE OR REPLACE FUNCTION sync_soft_delete() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF current_setting('sync.erase_tenant', true) = OLD.tenant_id
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN OLD;
    END IF;
    EXECUTE format('UPDATE %I SET %I = %L WHERE tenant_id = $1 AND id = $2', TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1])
        USING OLD.tenant_id, OLD.id;
    RETURN NULL;
END
$$;
