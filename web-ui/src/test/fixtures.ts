import type { DesktopFieldsFragment } from "../gql/graphql";

/** A template as the API returns it: XFCE, 2 cores, 4 GiB, a 10 GiB home. */
export const XFCE = {
  __typename: "Template",
  id: "t1",
  name: "xfce",
  description: "XFCE desktop",
  image: "opencdi/desktop-xfce:0.1",
  cpuMillis: 2000,
  memoryMiB: 4096,
  runtimeClass: "runc",
  storageClass: "longhorn",
  homeVolumeGiB: 10,
  arch: null,
  clipboard: "BOTH",
  clipboardMaxBytes: 1048576,
  watermark: null,
  fileTransfer: "BOTH",
  fileTransferMaxMiB: 100,
  printing: false,
  audio: false,
  microphone: false,
  idleTimeoutMinutes: null,
  autoPowerOffMinutes: null,
  maxSessionMinutes: null,
  apps: [],
};

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
    updatedAt: "2026-11-28T10:00:00Z",
    fromPool: false,
    apps: [],
    health: "OK",
    healthReason: null,
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

/** A snapshot's desktop as the snapshot fields name it. */
export function snapshotSource(
  id: string,
  over: { name?: string; state?: string; ownerId?: string } = {},
) {
  return {
    __typename: "Desktop",
    id,
    name: over.name ?? `desk-${id}`,
    state: over.state ?? "RUNNING",
    owner: { __typename: "User", id: over.ownerId ?? "u-alice" },
  };
}

/** A snapshot as the API returns it (READY, 10 GiB, of alice's running desktop), overridable. */
export function snapshot(id: string, desktopId: string, over: Record<string, unknown> = {}) {
  return {
    __typename: "DesktopSnapshot",
    id,
    name: `snap-${id}`,
    desktopId,
    desktop: snapshotSource(desktopId),
    state: "READY",
    sizeBytes: 10 * 1024 ** 3,
    statusReason: null,
    createdAt: "2026-11-28T10:00:00Z",
    updatedAt: "2026-11-28T10:00:05Z",
    ...over,
  };
}

/** The `RestoreDesktop` answer: a new PENDING desktop on fra, named as asked or after the snapshot. */
export function restoredDesktop({ snapshotId, name }: Record<string, unknown>, id = "d2") {
  return {
    restoreDesktop: {
      __typename: "Desktop",
      id,
      name: name ?? `copy of ${String(snapshotId)}`,
      state: "PENDING",
      power: "ON",
      cpuMillis: 2000,
      memoryMiB: 4096,
      runtimeClass: "runc",
      createdAt: "2026-11-28T10:01:00Z",
      cluster: { __typename: "Cluster", id: "c1", name: "fra" },
    },
  };
}

/** An application layer as the API lists it (image apps/<name>:<version>), overridable. */
export function appLayer(
  id: string,
  name: string,
  version: string,
  over: Record<string, unknown> = {},
) {
  return {
    __typename: "AppLayer",
    id,
    name,
    version,
    image: `apps/${name}:${version}`,
    createdAt: "2026-12-06T10:00:00Z",
    ...over,
  };
}
