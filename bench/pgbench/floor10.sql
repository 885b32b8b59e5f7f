-- The floor of a push of 10 new records (issue 11): one multi-row INSERT ... ON CONFLICT DO UPDATE ...
-- RETURNING * in a transaction, on a copy of end_user's columns without triggers (bench_floor, made by
-- scripts/bench), the change order taken from the transaction id, no lock of any kind.
\set n random(1, :tenants)
BEGIN;
INSERT INTO bench_floor AS t (tenant_id, id, name, email, active, is_deleted, sync_status, server_synced, version, updated_at) SELECT 'bench-push-' || :n, * FROM unnest((SELECT array_agg(gen_random_uuid()) FROM generate_series(1, 10)), array_fill('bench'::text, ARRAY[10]), array_fill('bench@example.com'::text, ARRAY[10]), array_fill(1::smallint, ARRAY[10]), array_fill(0::smallint, ARRAY[10]), array_fill('synced'::text, ARRAY[10]), array_fill(1::smallint, ARRAY[10]), array_fill(1, ARRAY[10]), array_fill(NULL::timestamptz, ARRAY[10])) ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, version = t.version + 1, change_xid = pg_current_xact_id() RETURNING *;
COMMIT;
