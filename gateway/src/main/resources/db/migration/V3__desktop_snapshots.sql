-- Snapshots of desktops' home volumes (ADR 0013). A snapshot lives in the cluster that holds the
-- volume: a desktop restored from it is placed there. It outlives its desktop until deleted.

create table desktop_snapshot (
    id              uuid primary key,
    name            text not null,
    desktop_id      uuid not null references desktop (id),
    owner_id        uuid not null references app_user (id),
    cluster_id      uuid not null references cluster (id),
    state           text not null check (state in ('PENDING', 'READY', 'FAILED', 'DELETING')),
    size_bytes      bigint check (size_bytes >= 0),
    status_reason   text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

create index desktop_snapshot_desktop on desktop_snapshot (desktop_id, created_at);
create index desktop_snapshot_owner on desktop_snapshot (owner_id, created_at);
-- Snapshots whose command an agent may not have received (re-sent when it reconnects).
create index desktop_snapshot_unsettled on desktop_snapshot (cluster_id)
    where state in ('PENDING', 'DELETING');

-- A restored desktop names the snapshot its home volume was made from (kept after the snapshot
-- is deleted, so no foreign key).
alter table desktop add column restored_from uuid;
