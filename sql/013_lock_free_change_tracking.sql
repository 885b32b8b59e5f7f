-- Change tracking without a per-tenant lock (README, "What a pull guarantees").
--
-- Until now every writing transaction took its tenant's sync_clock row and held it to the end, so that
-- stamps were handed out in commit order; a tenant's writes ran one at a time, and an admin import held
-- every device push of its tenant for as long as it ran. Now a row's stamp is simply the clock when it
-- was written, taken after the transaction has its transaction id; transactions of one tenant no longer
-- wait for each other. Stamps are no longer in commit order, so a pull must not return a stamp that a
-- transaction still in flight could yet commit below: it returns only rows stamped before the safe
-- horizon (sync_safe_horizon below), before which every transaction has ended. A long transaction
-- therefore delays what pulls return after its start; it never makes them skip anything.

-- The earliest stamp a transaction that has not ended yet could still commit, for a pull that takes its
-- snapshot after this returns. Run it in a statement of its own, before the pull's snapshot: the
-- earliest start of the transactions that hold a transaction id now (pg_stat_activity's xact_start;
-- their stamps come later), and this statement's start for those that take one later.
-- When no transaction holds an id, that is this statement's start, and reading pg_stat_activity (a copy
-- of every session's state) is skipped: the snapshot lists none in flight and no id was handed out
-- after the newest one that ended (age() counts from the next id to hand out). The snapshot alone
-- cannot tell: its list holds only transactions older than the newest one that ended, so a
-- transaction that took its id after that, and is still writing, is in no snapshot's list.
-- Prepared transactions hold ids without a session to read a start from: while one exists, nothing
-- is safe. Autovacuum holds ids but never writes synced rows. Seeing other roles' transactions needs
-- pg_read_all_stats, which is why this runs as its owner (the service's preflight checks that the
-- owner has it); a transaction whose start it cannot see stops the horizon.
CREATE FUNCTION sync_safe_horizon() RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    horizon timestamptz := statement_timestamp();
    snapshot pg_snapshot := pg_current_snapshot();
BEGIN
    IF pg_snapshot_xmin(snapshot) = pg_snapshot_xmax(snapshot)
       AND age((pg_snapshot_xmax(snapshot)::text::numeric % 4294967296)::text::xid) = 0 THEN
        RETURN horizon;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_prepared_xacts) THEN
        RETURN '-infinity';
    END IF;
    SELECT least(horizon, min(coalesce(a.xact_start, '-infinity'))) INTO horizon
    FROM pg_stat_activity a
    WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid() AND a.backend_type <> 'autovacuum worker';
    RETURN horizon;
END
$$;

-- The advisory lock that tenant erasure takes alone and every writing transaction shares, per tenant.
CREATE FUNCTION sync_tenant_lock_key(tenant text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT hashtext('sync.tenant:' || tenant) $$;

-- Once per transaction and tenant, before its first stamp: waits for an erasure of the tenant in
-- progress (and keeps a new one from starting), checks that the tenant exists (what the sync_clock
-- row's foreign key did), and takes the transaction id, so that every stamp is later than it.
CREATE FUNCTION sync_begin_writing(tenant text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(sync_tenant_lock_key(tenant));
    IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = tenant) THEN
        RAISE EXCEPTION 'no tenant %', tenant USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM pg_current_xact_id();
    PERFORM set_config('sync.writing', tenant, true);
END
$$;

CREATE OR REPLACE FUNCTION sync_track_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    stamp timestamptz;
BEGIN
    IF current_setting('sync.writing', true) IS DISTINCT FROM NEW.tenant_id THEN
        PERFORM sync_begin_writing(NEW.tenant_id);
    END IF;
    stamp := clock_timestamp();

    NEW.last_updated := stamp;
    IF TG_OP = 'INSERT' THEN
        NEW.updated_at := coalesce(NEW.updated_at, stamp);
    ELSE
        IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.id IS DISTINCT FROM OLD.id THEN
            RAISE EXCEPTION 'the tenant_id and id of a synced record cannot change' USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.updated_at IS NULL OR NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
            NEW.updated_at := stamp;
        END IF;
        IF NEW.version IS NOT DISTINCT FROM OLD.version THEN
            NEW.version := OLD.version + 1;
        END IF;
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER end_user_flush_clock ON end_user;
DROP TRIGGER interactions_flush_clock ON interactions;
DROP FUNCTION sync_flush_clock();
DROP FUNCTION sync_store_cached_clock(text);
DROP TABLE sync_clock;
