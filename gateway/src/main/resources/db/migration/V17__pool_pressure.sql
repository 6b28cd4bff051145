-- Room users' creations were refused on a cluster where warm pools hold idle members (ADR 0035),
-- one row per user and cluster (a user trying again does not add up). The pool keeper releases
-- that much of the members there and holds the refill of pools in the cluster's region while
-- users are refused, so the room goes to users, not back to the pools.
create table pool_pressure (
    cluster_id        uuid not null references cluster (id) on delete cascade,
    owner_id          uuid not null references app_user (id) on delete cascade,
    wanted_cpu_millis bigint not null check (wanted_cpu_millis >= 0),
    wanted_memory_mib bigint not null check (wanted_memory_mib >= 0),
    refused_at        timestamptz not null,
    -- When the keeper last released room for this user here: within the hold, refusals of the
    -- same user (made against a replica's placement snapshot that does not show the freed room
    -- yet) ask for nothing more.
    relieved_at       timestamptz,
    primary key (cluster_id, owner_id)
);
