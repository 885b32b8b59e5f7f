-- Idempotency-Keys belong to the device that sent them (the token's `sub`), not to the whole tenant:
-- two devices that happen to pick the same key no longer answer each other's pushes. Existing keys
-- keep working for 24 hours under the empty subject, then expire as before.
ALTER TABLE idempotency_keys ADD COLUMN subject text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (tenant_id, subject, key);
