-- Tenants, the per-tenant change clock, and the two synced entity types.
-- Change tracking lives here, in the trigger sync_track_change, so rows written by any
-- server-side code (an admin panel, a SQL script) are synced exactly like pushed ones.

CREATE TABLE tenants (
    id                  text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
    name                text NOT NULL,
    active              boolean NOT NULL DEFAULT true,
    conflict_resolution text CHECK (conflict_resolution IN ('server-wins', 'client-wins', 'last-write-wins', 'merge')),
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- The last change stamp handed out per tenant. Stamps are strictly increasing and, because the
-- row stays locked until the writing transaction ends, assigned in commit order.
CREATE TABLE sync_clock (
    tenant_id   text PRIMARY KEY,
    last_change timestamptz NOT NULL
);

-- RFC 3339 text in UTC with microseconds: the form every timestamp has in the API.
CREATE FUNCTION sync_iso(value timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- Stamps each written row with the tenant's next change time (last_updated), fills in the edit
-- time (updated_at) when the writer gave none, and bumps the version when the writer left it alone.
CREATE FUNCTION sync_track_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    stamp timestamptz;
BEGIN
    INSERT INTO sync_clock AS c (tenant_id, last_change) VALUES (NEW.tenant_id, clock_timestamp())
    ON CONFLICT (tenant_id) DO UPDATE
        SET last_change = greatest(clock_timestamp(), c.last_change + interval '1 microsecond')
    RETURNING last_change INTO stamp;

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

CREATE TABLE end_user (
    tenant_id     text NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (char_length(name) <= 255),
    email         text CHECK (char_length(email) <= 255),
    active        smallint NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    is_deleted    smallint NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
    sync_status   text NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'synced', 'failed', 'conflict')),
    server_synced smallint NOT NULL DEFAULT 0 CHECK (server_synced IN (0, 1)),
    last_updated  timestamptz NOT NULL DEFAULT clock_timestamp(),
    version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_at    timestamptz,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX end_user_changes ON end_user (tenant_id, last_updated, id);
CREATE INDEX end_user_pending ON end_user (tenant_id, last_updated, id) WHERE sync_status = 'pending' AND is_deleted = 0;

CREATE TRIGGER end_user_track_change BEFORE INSERT OR UPDATE ON end_user
    FOR EACH ROW EXECUTE FUNCTION sync_track_change();

CREATE TABLE interactions (
    tenant_id      text NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    client_user_id uuid,
    type           text NOT NULL CHECK (char_length(type) <= 50),
    title          text CHECK (char_length(title) <= 255),
    description    text CHECK (char_length(description) <= 10000),
    date           timestamptz,
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'cancelled')),
    sync_status    text NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'synced', 'failed', 'conflict')),
    server_synced  smallint NOT NULL DEFAULT 0 CHECK (server_synced IN (0, 1)),
    last_updated   timestamptz NOT NULL DEFAULT clock_timestamp(),
    version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_at     timestamptz,
    PRIMARY KEY (tenant_id, id),
    -- The user must belong to the same tenant: the tenant is part of the reference.
    CONSTRAINT interactions_client_user_id_fkey FOREIGN KEY (tenant_id, client_user_id) REFERENCES end_user (tenant_id, id)
);

CREATE INDEX interactions_changes ON interactions (tenant_id, last_updated, id);
CREATE INDEX interactions_pending ON interactions (tenant_id, last_updated, id) WHERE status = 'pending';
CREATE INDEX interactions_client_user ON interactions (tenant_id, client_user_id);

CREATE TRIGGER interactions_track_change BEFORE INSERT OR UPDATE ON interactions
    FOR EACH ROW EXECUTE FUNCTION sync_track_change();
