-- How a running desktop is doing over time, as its agent judges it (ADR 0030): OK or DEGRADED,
-- with the reason. Kept apart from state: a DEGRADED desktop still runs.
alter table desktop add column health varchar(16) not null default 'OK'
  check (health in ('OK', 'DEGRADED'));
alter table desktop add column health_reason text;
-- The console lists degraded desktops across the fleet.
create index desktop_degraded on desktop (created_at, id) where health = 'DEGRADED';
