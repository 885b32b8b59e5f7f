-- Pull-pending reads "the tenant's rows that match the pending rule, after a position, oldest first".
-- Its statement binds the rule's values as parameters and runs with a generic plan (see SyncStore),
-- which cannot use a partial index whose condition holds literals: with few pending rows among many
-- changes it walked the tenant's whole change history (45 ms for 100 pending rows among 88,000).
-- An index that leads with the rule's columns serves the statement for any values.
DROP INDEX end_user_pending;
CREATE INDEX end_user_pending ON end_user (tenant_id, sync_status, is_deleted, last_updated, id);
DROP INDEX interactions_pending;
CREATE INDEX interactions_pending ON interactions (tenant_id, status, last_updated, id);
