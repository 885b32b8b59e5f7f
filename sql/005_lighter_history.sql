-- History is written on every push and read rarely (audits, support). Its per-record index cost a
-- random B-tree insert per changed row: in a profile of push-10 on a table of 9 million rows, the
-- statement-level history trigger was a quarter of PostgreSQL's time. Without it, an append touches
-- only the sequential primary key and the BRIN index on time. Look a record's history up with
-- `SELECT * FROM sync_log WHERE tenant_id = ... AND record_id = ... ORDER BY seq` (a scan); add the
-- index back on a replica or when audits need it often.
DROP INDEX sync_log_record;
