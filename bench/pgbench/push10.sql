-- The SQL of one push of 10 new end_user records, as the service sends it (scripts/bench).
\set n random(1, :tenants)
BEGIN;
SELECT set_config('sync.sub', coalesce('bench', ''), true), set_config('sync.request_id', coalesce('', ''), true);
INSERT INTO end_user AS t (tenant_id, id, name, email, active, is_deleted, sync_status, server_synced, version, updated_at) SELECT 'bench-push-' || :n, * FROM unnest((SELECT array_agg(gen_random_uuid()) FROM generate_series(1, 10)), array_fill('bench'::text, ARRAY[10]), array_fill('bench@example.com'::text, ARRAY[10]), array_fill(1::smallint, ARRAY[10]), array_fill(0::smallint, ARRAY[10]), array_fill('synced'::text, ARRAY[10]), array_fill(1::smallint, ARRAY[10]), array_fill(1, ARRAY[10]), array_fill(NULL::timestamptz, ARRAY[10])) ON CONFLICT (tenant_id, id) DO NOTHING RETURNING t.id, t.name, t.email, t.active, t.is_deleted, t.sync_status, t.server_synced, t.last_updated, t.version, t.updated_at;
COMMIT;
