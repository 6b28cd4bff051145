import { Badge, Tooltip } from "@mantine/core";
import type { DesktopHealth } from "../gql/graphql";

/**
 * Marks a desktop its agent judged DEGRADED (it still runs: fork limit reached, log flood, session
 * restarts), with the agent's reason on hover and for screen readers. Nothing for a healthy one.
 */
export function HealthBadge({
  health,
  reason,
}: {
  health: DesktopHealth | null | undefined;
  reason: string | null | undefined;
}) {
  if (health !== "DEGRADED") {
    return null;
  }
  const label = reason ? `Degraded: ${reason}` : "Degraded";
  return (
    <Tooltip label={label} multiline maw={360} withArrow>
      <Badge
        color="orange"
        variant="outline"
        data-testid="desktop-health"
        aria-label={label}
        style={{ flexShrink: 0 }}
      >
        DEGRADED
      </Badge>
    </Tooltip>
  );
}
