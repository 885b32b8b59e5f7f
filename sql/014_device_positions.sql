-- The position each device (tenant and token subject) was last answered by a pull. The seed's client
-- sends no lastSyncTimestamp on push and keeps the push's syncTimestamp as its position; a push without
-- one answers this (README, "A client that never sends its position back"), so that such a client moves
-- on by a page per sync cycle instead of starting from the epoch each time. Unlogged: after a crash it is
-- empty, and such a client starts again from the epoch, which loses nothing (it only costs a full pull).
CREATE UNLOGGED TABLE sync_device_positions (
    tenant_id  text NOT NULL,
    subject    text NOT NULL,
    position   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, subject)
);

ALTER TABLE sync_device_positions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON sync_device_positions USING (tenant_id = sync_current_tenant())
    WITH CHECK (tenant_id = sync_current_tenant());
