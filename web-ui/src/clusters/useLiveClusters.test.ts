import { describe, expect, it } from "vitest";
import type { ClusterFieldsFragment } from "../gql/graphql";
import { fleetUsage, groupByRegionAndZone } from "./useLiveClusters";

const cluster = (
  name: string,
  region: string,
  zone: string,
  cpuUsed = 0,
): ClusterFieldsFragment => ({
  id: name,
  name,
  region,
  zone,
  runtime: "simulated",
  ready: true,
  cordoned: false,
  heartbeatAt: null,
  architectures: ["amd64"],
  runtimeClasses: ["runc"],
  storageClasses: ["longhorn"],
  capacity: {
    allocatableCpuMillis: 10000,
    allocatedCpuMillis: cpuUsed,
    allocatableMemoryMiB: 1000,
    allocatedMemoryMiB: 250,
    allocatableDesktops: 10,
    allocatedDesktops: 1,
    largestFreeCpuMillis: 0,
    largestFreeMemoryMiB: 0,
  },
});

describe("clusters", () => {
  it("groups by region then zone, sorted", () => {
    const groups = groupByRegionAndZone([
      cluster("b", "eu-west", "eu-west-1b"),
      cluster("a", "eu-west", "eu-west-1a"),
      cluster("z", "cn-north", "cn-north-1a"),
      cluster("c", "eu-west", "eu-west-1a"),
    ]);
    expect(groups.map((g) => g.region)).toEqual(["cn-north", "eu-west"]);
    expect(groups[1].zones.map((z) => [z.zone, z.clusters.map((c) => c.name)])).toEqual([
      ["eu-west-1a", ["a", "c"]],
      ["eu-west-1b", ["b"]],
    ]);
  });

  it("sums fleet usage in percent of allocatable capacity", () => {
    expect(fleetUsage([cluster("a", "r", "z", 2500), cluster("b", "r", "z", 7500)])).toEqual({
      cpu: 50,
      memory: 25,
      desktops: 10,
    });
    expect(fleetUsage([])).toEqual({ cpu: 0, memory: 0, desktops: 0 });
  });
});
