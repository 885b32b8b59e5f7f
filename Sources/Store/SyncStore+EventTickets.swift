import Postgres

/// Tickets for live-poke subscriptions from browsers (sql/016): made with a token, redeemed once.
extension SyncStore {
    /// How long a ticket may wait to be redeemed.
    public static let eventTicketSeconds = 30

    /// Keeps a hash of `ticket` for the tenant this session has entered, valid for `eventTicketSeconds`.
    public func saveEventTicket(_ ticket: String, tenant: String, tokenExpiresAt: Int64) throws {
        try connection.execute(prepared: "ticket.save", """
            INSERT INTO sync_event_tickets (ticket_hash, tenant_id, token_expires_at, expires_at) \
            VALUES (sha256(convert_to($1, 'UTF8')), $2, $3::bigint, clock_timestamp() + make_interval(secs => $4::integer))
            """, [ticket, tenant, String(tokenExpiresAt), String(SyncStore.eventTicketSeconds)])
    }

    /// What a valid ticket carries: its tenant and its token's exp (Unix seconds).
    public struct RedeemedTicket: Sendable {
        public let tenant: String
        public let tokenExpiresAt: Int64
    }

    /// Deletes `ticket`; returns what it carried when it was valid, nil when it was unknown, used or expired.
    public func redeemEventTicket(_ ticket: String) throws -> RedeemedTicket? {
        let rows = try connection.execute(prepared: "ticket.redeem",
                                          "SELECT tenant_id, token_expires_at FROM sync_redeem_event_ticket($1)", [ticket])
        guard rows.rowCount == 1, let tenant = rows.string(row: 0, column: 0), let expires = rows.int(row: 0, column: 1) else {
            return nil
        }
        return RedeemedTicket(tenant: tenant, tokenExpiresAt: expires)
    }
}
