import { Badge } from "@mantine/core";
import type { DesktopState } from "../gql/graphql";
import { stateColor } from "./states";

export function StateBadge({ state }: { state: DesktopState }) {
  return (
    // Beside a long name in a flex row, a shrinking badge would cut the state to "RUNNI…".
    <Badge
      color={stateColor(state)}
      variant="light"
      data-testid="desktop-state"
      style={{ flexShrink: 0 }}
    >
      {state}
    </Badge>
  );
}
