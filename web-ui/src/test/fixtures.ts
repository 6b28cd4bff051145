import type { DesktopFieldsFragment } from "../gql/graphql";

/** A desktop as the API returns it, with fields overridden per test. */
export function desktop(
  id: string,
  over: Partial<DesktopFieldsFragment> = {},
): DesktopFieldsFragment {
  return {
    id,
    name: `desk-${id}`,
    state: "RUNNING",
    power: "ON",
    cpuMillis: 2000,
    memoryMiB: 4096,
    runtimeClass: "runc",
    nodeGroup: "ng-1",
    statusReason: null,
    placementSummary: null,
    createdAt: "2026-11-28T10:00:00Z",
    owner: { id: "u-alice", username: "alice" },
    template: { id: "t1", name: "Ubuntu" },
    cluster: {
      id: "c1",
      name: "fra",
      region: "eu-west",
      zone: "eu-west-1a",
    },
    ...over,
  };
}
