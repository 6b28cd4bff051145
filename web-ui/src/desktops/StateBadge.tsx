import { Badge } from "@mantine/core";
import type { DesktopState } from "../gql/graphql";
import { stateColor } from "./states";

export function StateBadge({ state }: { state: DesktopState }) {
  return (
    <Badge color={stateColor(state)} variant="light" data-testid="desktop-state">
      {state}
    </Badge>
  );
}
