-- 1. The change clock without a row update per written row.
--
-- Updating the tenant's sync_clock row once per written row left a chain of row versions that a long
-- transaction cannot prune, so a bulk write of n rows cost O(n^2) (a 1,000,000-row insert ran for more
-- than 14 minutes). Now the first row a transaction writes for a tenant takes the clock row's lock and
-- next stamp as before; the stamps after it come from a transaction-local setting (sync.clock), and the
-- clock row is brought up to date once per statement (and whenever a statement moves on to another
-- tenant). The lock is held to the end of the transaction either way, so stamps stay strictly
-- increasing per tenant and handed out in commit order.

-- Brings the clock row of the tenant cached in sync.clock ("tenant|stamp") up to its last stamp.
CREATE FUNCTION sync_store_cached_clock(cached text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF cached IS NOT NULL AND cached <> '' THEN
        UPDATE sync_clock SET last_change = split_part(cached, '|', 2)::timestamptz
        WHERE tenant_id = split_part(cached, '|', 1) AND last_change < split_part(cached, '|', 2)::timestamptz;
    END IF;
END
$$;

CREATE FUNCTION sync_flush_clock() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM sync_store_cached_clock(current_setting('sync.clock', true));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION sync_track_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    cached text := current_setting('sync.clock', true);
    stamp timestamptz;
BEGIN
    IF cached IS NOT NULL AND cached <> '' AND split_part(cached, '|', 1) = NEW.tenant_id THEN
        stamp := greatest(clock_timestamp(), split_part(cached, '|', 2)::timestamptz + interval '1 microsecond');
    ELSE
        -- Moving on to another tenant (or starting): leave the previous one's clock where its stamps got to.
        PERFORM sync_store_cached_clock(cached);
        INSERT INTO sync_clock AS c (tenant_id, last_change) VALUES (NEW.tenant_id, clock_timestamp())
        ON CONFLICT (tenant_id) DO UPDATE
            SET last_change = greatest(clock_timestamp(), c.last_change + interval '1 microsecond')
        RETURNING last_change INTO stamp;
    END IF;
    PERFORM set_config('sync.clock', NEW.tenant_id || '|' || stamp::text, true);

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

CREATE TRIGGER end_user_flush_clock AFTER INSERT OR UPDATE ON end_user
    FOR EACH STATEMENT EXECUTE FUNCTION sync_flush_clock();
CREATE TRIGGER interactions_flush_clock AFTER INSERT OR UPDATE ON interactions
    FOR EACH STATEMENT EXECUTE FUNCTION sync_flush_clock();

-- 2. Per-tenant rate limits: requests per second (burst the same); NULL takes the service's default,
-- 0 is unlimited.
ALTER TABLE tenants ADD COLUMN rate_limit integer CHECK (rate_limit >= 0);
