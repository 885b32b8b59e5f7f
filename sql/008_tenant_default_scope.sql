-- What a token without a `scope` claim may do, per tenant (see README, Tokens); NULL is every type,
-- read and written, so that existing clients keep working.
ALTER TABLE tenants ADD COLUMN default_scope text CHECK (default_scope ~ '^sync:(read|write):[A-Za-z0-9_*]+( sync:(read|write):[A-Za-z0-9_*]+)*$');
