-- History of applied changes, conflicts on record, and stored push responses for safe retries.

-- Every applied change, from the service or any other writer (the seed's "maintain sync history").
-- The service names the pusher and the request in transaction-local settings (sync.sub,
-- sync.request_id); other writers leave them empty.
CREATE TABLE sync_log (
    seq         bigserial PRIMARY KEY,
    tenant_id   text NOT NULL,
    sub         text,
    entity_type text NOT NULL,
    record_id   uuid NOT NULL,
    old_version integer,
    new_version integer NOT NULL,
    operation   text NOT NULL CHECK (operation IN ('insert', 'update')),
    request_id  text,
    logged_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX sync_log_record ON sync_log (tenant_id, entity_type, record_id, seq);
CREATE INDEX sync_log_time ON sync_log (logged_at);

-- The trigger's argument is the entity type's name, as the registry spells it.
CREATE FUNCTION sync_log_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO sync_log (tenant_id, sub, entity_type, record_id, old_version, new_version, operation, request_id)
    VALUES (NEW.tenant_id, nullif(current_setting('sync.sub', true), ''), TG_ARGV[0], NEW.id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.version END, NEW.version, lower(TG_OP),
            nullif(current_setting('sync.request_id', true), ''));
    RETURN NULL;
END
$$;

CREATE TRIGGER end_user_log_change AFTER INSERT OR UPDATE ON end_user
    FOR EACH ROW EXECUTE FUNCTION sync_log_change('end_user');
CREATE TRIGGER interactions_log_change AFTER INSERT OR UPDATE ON interactions
    FOR EACH ROW EXECUTE FUNCTION sync_log_change('interactions');

-- Every conflict a push met, under every strategy. Conflicts of the `manual` strategy stay open
-- until someone resolves them; the others are recorded as already resolved by their strategy.
CREATE TABLE sync_conflicts (
    id             bigserial PRIMARY KEY,
    tenant_id      text NOT NULL REFERENCES tenants (id),
    entity_type    text NOT NULL,
    record_id      uuid NOT NULL,
    client_version integer NOT NULL,
    server_version integer NOT NULL,
    client_payload jsonb NOT NULL,
    server_payload jsonb NOT NULL,
    strategy       text NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('server', 'client', 'merged', 'open')),
    pushed_by      text,
    request_id     text,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    resolved_at    timestamptz,
    resolved_by    text,
    resolution     text CHECK (resolution IN ('server', 'client', 'merged'))
);
CREATE INDEX sync_conflicts_open ON sync_conflicts (tenant_id, id) WHERE outcome = 'open';

ALTER TABLE tenants DROP CONSTRAINT tenants_conflict_resolution_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_conflict_resolution_check
    CHECK (conflict_resolution IN ('server-wins', 'client-wins', 'last-write-wins', 'merge', 'manual'));

-- A successful push's response, kept per tenant and Idempotency-Key so that a retry gets the same
-- answer without applying anything again. request_hash tells a retry from a different request.
CREATE TABLE idempotency_keys (
    tenant_id    text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
