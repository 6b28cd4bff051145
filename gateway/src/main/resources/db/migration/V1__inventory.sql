-- The desktop inventory. The gateway is the only writer; several gateway replicas share it.

create table app_user (
    id              uuid primary key,
    username        text not null unique,
    password_hash   text,                 -- null for users who sign in through OIDC only
    role            text not null check (role in ('admin', 'user')),
    max_desktops    integer check (max_desktops >= 0),   -- null: no quota
    max_cpu_millis  bigint check (max_cpu_millis >= 0),
    max_memory_mib  bigint check (max_memory_mib >= 0),
    created_at      timestamptz not null default now()
);

create table template (
    id               uuid primary key,
    name             text not null unique,
    description      text,
    image            text not null,
    cpu_millis       bigint not null check (cpu_millis > 0),
    memory_mib       bigint not null check (memory_mib > 0),
    runtime_class    text not null,
    storage_class    text not null,
    home_volume_gib  integer not null check (home_volume_gib > 0),
    arch             text,               -- null: any architecture
    created_at       timestamptz not null default now()
);

create table agent (
    id          uuid primary key,
    name        text not null unique,
    token_hash  text not null unique,  -- SHA-256 of the token; the token itself is never stored
    revoked     boolean not null default false,
    created_at  timestamptz not null default now()
);

create table cluster (
    id               uuid primary key,
    name             text not null unique,
    agent_id         uuid not null references agent (id),
    runtime          text not null,
    region           text not null,
    zone             text not null,
    ready            boolean not null default false,
    cordoned         boolean not null default false,
    heartbeat_at     timestamptz,
    architectures    text[] not null default '{}',
    runtime_classes  text[] not null default '{}',
    storage_classes  text[] not null default '{}',
    cached_images    text[] not null default '{}',
    updated_at       timestamptz not null default now()
);

-- Capacity per node group. used_* counts what the gateway placed there (reservations and
-- desktops that hold capacity); external_* is what other workloads use, as the agent reports it.
-- A reservation is one conditional UPDATE that only succeeds while the group has room, so no
-- number of concurrent requests or gateway replicas can over-commit it.
create table node_group (
    cluster_id           uuid not null references cluster (id) on delete cascade,
    name                 text not null,
    arch                 text not null,
    cpu_millis           bigint not null,
    memory_mib           bigint not null,
    max_desktops         integer not null,
    external_cpu_millis  bigint not null default 0,
    external_memory_mib  bigint not null default 0,
    used_cpu_millis      bigint not null default 0 check (used_cpu_millis >= 0),
    used_memory_mib      bigint not null default 0 check (used_memory_mib >= 0),
    used_desktops        integer not null default 0 check (used_desktops >= 0),
    primary key (cluster_id, name)
);

create table desktop (
    id                 uuid primary key,
    name               text not null,
    owner_id           uuid not null references app_user (id),
    template_id        uuid not null references template (id),
    state              text not null,
    power              text not null check (power in ('ON', 'OFF')),
    delete_requested   boolean not null default false,
    holds_capacity     boolean not null default false,
    cluster_id         uuid references cluster (id),
    node_group         text,
    home_cluster_id    uuid references cluster (id),  -- where the home volume lives, once created
    image              text not null,
    cpu_millis         bigint not null,
    memory_mib         bigint not null,
    runtime_class      text not null,
    storage_class      text not null,
    home_volume_gib    integer not null,
    region             text,
    zone               text,
    request_id         text,
    status_reason      text,
    placement_summary  text,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);

create unique index desktop_request_once on desktop (owner_id, request_id) where request_id is not null;
create index desktop_owner on desktop (owner_id, created_at, id);
create index desktop_cluster on desktop (cluster_id) where state <> 'DELETED';
create index desktop_state on desktop (state);
create index desktop_list on desktop (created_at, id);
