-- Snapshots a user may keep; null: the configured default (opencdi.quota.max-snapshots).
-- The other quota columns now mean the same: null is the configured default, not "no quota".
alter table app_user add column max_snapshots integer check (max_snapshots >= 0);
