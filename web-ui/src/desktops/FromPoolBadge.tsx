import { Badge, Tooltip } from "@mantine/core";

const EXPLANATION = "Handed over running from a warm pool";

/** Marks a desktop that came warm from a pool instead of being started for its user. */
export function FromPoolBadge({ fromPool }: { fromPool: boolean }) {
  if (!fromPool) return null;
  return (
    <Tooltip label={EXPLANATION} withArrow>
      <Badge
        color="cyan"
        variant="light"
        data-testid="desktop-from-pool"
        title={EXPLANATION}
        style={{ flexShrink: 0 }}
      >
        from pool
      </Badge>
    </Tooltip>
  );
}
