-- The SQL of one pull-pending of 100 records of one entity type, as the service sends it (scripts/bench):
-- one statement, so no transaction; the position, the limit and the pending rule's values bound like
-- the tenant (scripts/bench sets them with -D). The service asks for the columns in binary format,
-- which pgbench cannot: here PostgreSQL also formats them as text.
\set n random(1, :tenants)
SELECT id, name, email, active, is_deleted, sync_status, server_synced, last_updated, version, updated_at FROM end_user WHERE tenant_id = 'bench-pull-' || :n AND (last_updated, id) > (:since::timestamptz, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid) AND sync_status = :pending_status::text AND is_deleted = :pending_deleted::smallint ORDER BY last_updated, id LIMIT :page_limit::integer;
