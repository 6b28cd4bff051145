-- The agent that serves display, file and audio tunnels, live queries and snapshots for a cluster
-- Karmada reports (ADR 0048). Such a cluster has no owning agent (agent_id is null): Karmada
-- carries its desktops' commands and reports its capacity. The tunnel agent joins once, with the
-- cluster's join token, and never moves to another agent.
alter table cluster add column tunnel_agent_id uuid references agent (id);
