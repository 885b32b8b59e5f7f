-- The SQL of one pull of 100 records, as the service sends it (scripts/bench): the position and the
-- limit bound like the tenant (scripts/bench sets them with -D). The service asks for the columns in
-- binary format, which pgbench cannot: here PostgreSQL also formats them as text.
\set n random(1, :tenants)
SELECT c.clock, r.* FROM (SELECT (SELECT last_change FROM sync_clock WHERE tenant_id = 'bench-pull-' || :n) AS clock) c LEFT JOIN LATERAL (SELECT id, name, email, active, is_deleted, sync_status, server_synced, last_updated, version, updated_at FROM end_user WHERE tenant_id = 'bench-pull-' || :n AND last_updated > :since::timestamptz ORDER BY last_updated LIMIT :page_limit::integer) r ON true;
