-- When a user last took a member of the pool. The keeper starts the member's replacement only a
-- moment later (opencdi.pools.refill-after-claim), so that the user's first connection to the
-- desktop they just got does not share the host with a desktop starting.
alter table desktop_pool add column last_claimed_at timestamptz;
