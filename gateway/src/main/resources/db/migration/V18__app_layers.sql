-- Application layers (ADR 0036): read-only OCI images composed over a desktop's image. A layer
-- is immutable: a name and version always mean the same image, so templates and desktops keep
-- the layers they were given as values (id, name, version, image), not as references that could
-- change under them.
create table app_layer (
    id          uuid primary key,
    name        text not null,
    version     text not null,
    image       text not null,
    created_at  timestamptz not null default now(),
    unique (name, version)
);

-- JSON arrays of {id, name, version, image}, lowest layer first.
alter table template add column app_layers text not null default '[]';
alter table desktop add column app_layers text not null default '[]';
