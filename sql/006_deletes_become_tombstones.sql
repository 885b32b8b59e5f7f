-- A DELETE by other server-side code would remove a row without a trace, and devices would keep it
-- forever. It becomes the entity type's soft delete instead (the registry's deleted rule: one column
-- set to one value), which takes a new change stamp, so every device receives the tombstone with its
-- next pull. To purge rows for real (e.g. a tenant's data on request), run the DELETE with
-- `SET LOCAL session_replication_role = replica`, which skips these triggers.
CREATE FUNCTION sync_soft_delete() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('UPDATE %I SET %I = %L WHERE tenant_id = $1 AND id = $2', TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1])
        USING OLD.tenant_id, OLD.id;
    RETURN NULL;
END
$$;

-- Arguments: the deleted rule's column and value, as the registry declares them.
CREATE TRIGGER end_user_soft_delete BEFORE DELETE ON end_user
    FOR EACH ROW EXECUTE FUNCTION sync_soft_delete('is_deleted', '1');
CREATE TRIGGER interactions_soft_delete BEFORE DELETE ON interactions
    FOR EACH ROW EXECUTE FUNCTION sync_soft_delete('status', 'cancelled');
