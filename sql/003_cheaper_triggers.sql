-- Cheaper per-row work on the write path (measured on a 100-row insert: the tenant foreign key cost
-- 1.1 ms and the row-level history trigger 2.6 ms of 8.9 ms).

-- The tenant is checked once per tenant instead of once per row: every synced row takes its stamp from
-- the tenant's sync_clock row (trigger sync_track_change), and that row must name an existing tenant.
ALTER TABLE sync_clock ADD CONSTRAINT sync_clock_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id);
ALTER TABLE end_user DROP CONSTRAINT end_user_tenant_id_fkey;
ALTER TABLE interactions DROP CONSTRAINT interactions_tenant_id_fkey;

-- History is appended once per statement from the transition tables, not once per row.
DROP TRIGGER end_user_log_change ON end_user;
DROP TRIGGER interactions_log_change ON interactions;
DROP FUNCTION sync_log_change();

CREATE FUNCTION sync_log_inserts() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO sync_log (tenant_id, sub, entity_type, record_id, old_version, new_version, operation, request_id)
    SELECT n.tenant_id, nullif(current_setting('sync.sub', true), ''), TG_ARGV[0], n.id, NULL, n.version, 'insert',
           nullif(current_setting('sync.request_id', true), '')
    FROM new_rows n;
    RETURN NULL;
END
$$;

CREATE FUNCTION sync_log_updates() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO sync_log (tenant_id, sub, entity_type, record_id, old_version, new_version, operation, request_id)
    SELECT n.tenant_id, nullif(current_setting('sync.sub', true), ''), TG_ARGV[0], n.id, o.version, n.version, 'update',
           nullif(current_setting('sync.request_id', true), '')
    FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id;
    RETURN NULL;
END
$$;

-- The trigger's argument is the entity type's name, as the registry spells it.
CREATE TRIGGER end_user_log_inserts AFTER INSERT ON end_user
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_inserts('end_user');
CREATE TRIGGER end_user_log_updates AFTER UPDATE ON end_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_updates('end_user');
CREATE TRIGGER interactions_log_inserts AFTER INSERT ON interactions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_inserts('interactions');
CREATE TRIGGER interactions_log_updates AFTER UPDATE ON interactions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_updates('interactions');

-- Pruning by time needs no B-tree on an append-only, time-ordered table: BRIN costs almost nothing to keep.
DROP INDEX sync_log_time;
CREATE INDEX sync_log_time ON sync_log USING brin (logged_at);
