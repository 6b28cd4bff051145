-- Warm pools (ADR 0035): desktops placed and started ahead of demand, per template and region,
-- handed to the first user who asks for that template there.
create table desktop_pool (
    id             uuid primary key,
    template_id    uuid not null references template (id),
    region         text not null,
    zone           text,                 -- null: any zone of the region
    size           integer not null check (size >= 0 and size <= 1000),
    status_reason  text,                 -- why the pool is short of its size, if it is
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
-- One pool per template and place; coalesce so that two pools without a zone also collide.
create unique index desktop_pool_place on desktop_pool (template_id, region, coalesce(zone, ''));

-- A member belongs to its pool until a user claims it; from then on it is that user's desktop
-- like any other, marked as having come from a pool.
alter table desktop add column pool_id uuid references desktop_pool (id) on delete set null;
alter table desktop add column from_pool boolean not null default false;
create index desktop_pool_members on desktop (pool_id, state) where pool_id is not null;

-- The owner of unclaimed members. Nobody can sign in as it: it has no password, and its OIDC
-- identity names an issuer no token can carry (tokens are verified against the configured
-- issuer), so neither login nor a provider's user of the same name can take it over. Its quota
-- is explicit and far above what pools may hold (1,000 members per pool). Never listed as a user.
insert into app_user (id, username, role, max_desktops, max_cpu_millis, max_memory_mib,
                      oidc_issuer, oidc_subject)
values ('00000000-0000-0000-0000-00000000b001', 'opencdi:warm-pools', 'user', 1000000,
        9000000000000, 9000000000000, 'urn:opencdi:warm-pools', 'warm-pools');
