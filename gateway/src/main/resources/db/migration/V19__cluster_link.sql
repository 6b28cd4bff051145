-- The agent link whose Hello last announced the cluster. When a link closes, its clusters are
-- marked not ready only if no later link announced them: an agent that reconnected before the
-- gateway noticed its old link was gone (a half-open connection, or a close handled late on a busy
-- replica) keeps the readiness it reports on its new link. Null for clusters without an agent.
alter table cluster add column link_id uuid;
