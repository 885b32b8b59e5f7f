-- The floor of a pull of 100 (issue 11): the plain select of the tenant's next 100 rows in change order,
-- without the safe horizon, the newest-stamp check or the tenant wall.
\set n random(1, :tenants)
SELECT id, name, email, active, is_deleted, sync_status, server_synced, last_updated, version, updated_at FROM end_user WHERE tenant_id = 'bench-pull-' || :n AND last_updated > :since::timestamptz ORDER BY last_updated, id LIMIT :page_limit::integer;
