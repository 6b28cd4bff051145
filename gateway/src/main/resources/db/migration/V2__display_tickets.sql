-- Display connection tickets (connectDesktop). Only the SHA-256 of a ticket is stored, so a copy
-- of the database cannot be used to connect. Any gateway replica redeems any replica's ticket.

create table display_ticket (
    token_hash  text primary key,           -- SHA-256 (hex) of the 256-bit ticket
    user_id     uuid not null references app_user (id) on delete cascade,
    desktop_id  uuid not null references desktop (id) on delete cascade,
    expires_at  timestamptz not null,
    used_at     timestamptz,                -- set once, atomically, when the ticket is redeemed
    created_at  timestamptz not null default now()
);

-- Expired tickets are swept periodically; this keeps the sweep cheap.
create index display_ticket_expires_at on display_ticket (expires_at);
