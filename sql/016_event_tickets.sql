-- Tickets for live-poke subscriptions from browsers (README, "Live pokes"), which cannot set an
-- Authorization header on an EventSource or a WebSocket: POST /api/client/sync/events/ticket, with the
-- token, makes one; GET /api/client/sync/events?ticket=... redeems it once, within 30 seconds. Only a
-- hash of the ticket is kept. Unlogged: after a crash the tickets are gone, and a browser asks again.
CREATE UNLOGGED TABLE sync_event_tickets (
    ticket_hash       bytea PRIMARY KEY,
    tenant_id         text NOT NULL,
    -- The token's exp (Unix seconds): the subscription ends with the token, not with the ticket.
    token_expires_at  bigint NOT NULL,
    expires_at        timestamptz NOT NULL
);

ALTER TABLE sync_event_tickets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON sync_event_tickets USING (tenant_id = sync_current_tenant())
    WITH CHECK (tenant_id = sync_current_tenant());

-- Redeeming happens before anyone knows the tenant, so it runs with the owner's rights, and does only
-- this: the ticket is deleted whether or not it is still valid, and its tenant returned when it is.
CREATE FUNCTION sync_redeem_event_ticket(ticket text, OUT tenant_id text, OUT token_expires_at bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    DELETE FROM sync_event_tickets t WHERE t.ticket_hash = sha256(convert_to(ticket, 'UTF8'))
    RETURNING CASE WHEN t.expires_at > clock_timestamp() THEN t.tenant_id END,
              CASE WHEN t.expires_at > clock_timestamp() THEN t.token_expires_at END
$$;

-- Pruning forgets the tickets nobody redeemed, too.
CREATE OR REPLACE FUNCTION sync_prune(log_days integer, key_seconds integer, OUT log_removed bigint, OUT keys_removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    DELETE FROM sync_log WHERE logged_at < clock_timestamp() - make_interval(days => log_days);
    GET DIAGNOSTICS log_removed = ROW_COUNT;
    DELETE FROM idempotency_keys WHERE created_at < clock_timestamp() - make_interval(secs => key_seconds);
    GET DIAGNOSTICS keys_removed = ROW_COUNT;
    DELETE FROM sync_event_tickets WHERE expires_at < clock_timestamp();
END
$$;
