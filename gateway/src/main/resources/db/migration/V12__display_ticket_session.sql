-- The session (token fingerprint) that asked for a display ticket, so that signing out closes the
-- display it opened on whichever replica holds it. Null for tickets issued before this column.
alter table display_ticket add column session_hash text;
