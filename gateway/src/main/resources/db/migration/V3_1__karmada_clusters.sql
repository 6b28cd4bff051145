-- Clusters that Karmada feeds (runtime 'karmada') have no agent: the gateway reads them from the
-- Karmada API server's Cluster objects. An agent can never take over such a cluster's name.
alter table cluster alter column agent_id drop not null;
