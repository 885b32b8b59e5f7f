-- Restores from a backup (`syncd restore-complete`, README "Backups and restores"). A restored database
-- forgets what happened after its dump, but devices remember positions from then. For each restore,
-- each tenant keeps the range of positions that were lost: after the highest change stamp the restored
-- data holds, up to the moment the restore was marked. A device that comes back with a position in a
-- lost range is told to reset (410 reset_required). Microseconds since the epoch, the stamps' unit.
ALTER TABLE tenants
    ADD COLUMN lost_after bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN lost_until bigint[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT tenants_lost_ranges_paired CHECK (cardinality(lost_after) = cardinality(lost_until));
