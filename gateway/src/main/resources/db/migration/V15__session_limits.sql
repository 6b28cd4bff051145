-- Session limits of a template (ADR 0034). When a desktop last had a viewer on any replica: the
-- replica holding the viewer writes it when the viewer joins, every check interval while it stays,
-- and when it leaves. The power-off sweep compares it (or the desktop's last change, if later)
-- with the template's autoPowerOffMinutes. Its own table, so the heartbeats neither rewrite the
-- hot desktop rows nor wait for their locks.
create table desktop_viewer_seen (
    desktop_id uuid primary key references desktop (id) on delete cascade,
    seen_at    timestamptz not null
);

-- When the display opened with a ticket is closed by the template's maxSessionMinutes (null: no
-- limit). Fixed at issue, so the portal can show it and the broker closes at that very time.
alter table display_ticket add column connection_ends_at timestamptz;
