-- The SQL of one pull of 100 records, as the service sends it (scripts/bench): the safe horizon into the
-- session, then the page; the position and the limit bound like the tenant (scripts/bench sets them
-- with -D). The service sends both statements in one round trip (pipeline mode) and asks for the
-- columns in binary format, which pgbench cannot: here they take two, and PostgreSQL formats text.
\set n random(1, :tenants)
SELECT set_config('sync.horizon', sync_safe_horizon()::text, false);
SELECT h.latest, r.* FROM (SELECT current_setting('sync.horizon')::timestamptz AS horizon, greatest((SELECT max(last_updated) FROM end_user WHERE tenant_id = 'bench-pull-' || :n), (SELECT max(last_updated) FROM interactions WHERE tenant_id = 'bench-pull-' || :n)) AS latest) h LEFT JOIN LATERAL (SELECT id, name, email, active, is_deleted, sync_status, server_synced, last_updated, version, updated_at FROM end_user WHERE tenant_id = 'bench-pull-' || :n AND last_updated > :since::timestamptz AND last_updated < h.horizon ORDER BY last_updated, id LIMIT :page_limit::integer) r ON true;
