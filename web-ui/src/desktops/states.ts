import type { DesktopState } from "../gql/graphql";

/** The way up to RUNNING, in order; the launch progress walks through it. */
export const LAUNCH_STEPS: DesktopState[] = ["PENDING", "SCHEDULED", "STARTING", "RUNNING"];

export const ALL_STATES: DesktopState[] = [
  "PENDING",
  "SCHEDULED",
  "STARTING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "FAILED",
  "DELETED",
];

export function stateColor(state: DesktopState): string {
  switch (state) {
    case "RUNNING":
      return "green";
    case "PENDING":
    case "SCHEDULED":
    case "STARTING":
      return "blue";
    case "STOPPING":
      return "orange";
    case "FAILED":
      return "red";
    case "DELETED":
      return "dark";
    default:
      return "gray";
  }
}

/** A state the desktop passes through on its own, with how far along it is (0–100). */
export function transition(state: DesktopState): { label: string; progress: number } | null {
  const step = LAUNCH_STEPS.indexOf(state);
  if (step >= 0 && state !== "RUNNING") {
    return {
      label: `${state.charAt(0)}${state.slice(1).toLowerCase()} (${step + 1} of ${LAUNCH_STEPS.length})`,
      progress: ((step + 1) / LAUNCH_STEPS.length) * 100,
    };
  }
  if (state === "STOPPING") return { label: "Stopping", progress: 50 };
  return null;
}

/** Which power actions the API accepts in a state. */
export function canStart(state: DesktopState): boolean {
  return state === "STOPPED" || state === "FAILED";
}

export function canStop(state: DesktopState): boolean {
  return state === "RUNNING" || state === "STARTING" || state === "SCHEDULED";
}

export function canDelete(state: DesktopState): boolean {
  return state !== "DELETED";
}
