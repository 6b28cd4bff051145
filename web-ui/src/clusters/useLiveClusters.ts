import { useMemo } from "react";
import { useQuery, useSubscription } from "urql";
import { mergeLive } from "../common/live";
import {
  ClusterUpdatesDocument,
  ClustersDocument,
  type ClusterFieldsFragment,
  type ClusterUpdatesSubscription,
} from "../gql/graphql";

type Updates = ReadonlyMap<string, ClusterFieldsFragment>;

/** All clusters, kept live by `clusterEvents` (capacity, health, cordon, newly registered). */
export function useLiveClusters() {
  const [result, refetch] = useQuery({ query: ClustersDocument });
  const [subscription] = useSubscription<ClusterUpdatesSubscription, Updates>(
    { query: ClusterUpdatesDocument },
    (previous, event) =>
      new Map(previous).set(event.clusterEvents.cluster.id, event.clusterEvents.cluster),
  );
  const clusters = useMemo(
    () =>
      mergeLive(result.data?.clusters ?? [], subscription.data ?? new Map(), {
        includeNew: () => true,
      }),
    [result.data, subscription.data],
  );
  return {
    clusters,
    fetching: result.fetching && !result.data,
    error: result.error,
    liveError: subscription.error,
    refetch: () => refetch({ requestPolicy: "network-only" }),
  };
}

/** Region → zone → clusters, each level sorted by name. */
export function groupByRegionAndZone<T extends { region: string; zone: string; name: string }>(
  clusters: readonly T[],
): { region: string; zones: { zone: string; clusters: T[] }[] }[] {
  const regions = new Map<string, Map<string, T[]>>();
  for (const c of clusters) {
    const zones = regions.get(c.region) ?? new Map<string, T[]>();
    regions.set(c.region, zones);
    zones.set(c.zone, [...(zones.get(c.zone) ?? []), c]);
  }
  return [...regions.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, zones]) => ({
      region,
      zones: [...zones.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([zone, cs]) => ({
          zone,
          clusters: [...cs].sort((a, b) => a.name.localeCompare(b.name)),
        })),
    }));
}

export interface FleetUsage {
  cpu: number;
  memory: number;
  desktops: number;
}

/** Fleet-wide utilisation in percent of allocatable capacity. */
export function fleetUsage(clusters: readonly ClusterFieldsFragment[]): FleetUsage {
  let cpu = 0,
    cpuMax = 0,
    mem = 0,
    memMax = 0,
    d = 0,
    dMax = 0;
  for (const { capacity: c } of clusters) {
    cpu += c.allocatedCpuMillis;
    cpuMax += c.allocatableCpuMillis;
    mem += c.allocatedMemoryMiB;
    memMax += c.allocatableMemoryMiB;
    d += c.allocatedDesktops;
    dMax += c.allocatableDesktops;
  }
  const pct = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : 0);
  return { cpu: pct(cpu, cpuMax), memory: pct(mem, memMax), desktops: pct(d, dMax) };
}
