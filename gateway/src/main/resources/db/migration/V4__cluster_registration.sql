-- A cluster joins only when an administrator registered it: registerCluster stores the name and the
-- SHA-256 of a one-time join token; the first agent whose Hello presents the token for that name
-- takes the cluster, and the registration records who joined and when.
create table cluster_registration (
    name             text primary key,
    join_token_hash  text not null unique,
    registered_by    uuid references app_user (id) on delete set null,
    created_at       timestamptz not null default now(),
    joined_at        timestamptz,
    agent_id         uuid references agent (id)
);
