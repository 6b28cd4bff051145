import { Badge, Group, Tooltip, VisuallyHidden } from "@mantine/core";
import { layerLabel, type LayerRef } from "../applayers/layers";

/**
 * A desktop's app layers, compactly: the first `max` as badges ("gimp 2.10"), the rest as one
 * "+2 apps" badge whose tooltip (and, for screen readers, hidden text) names them.
 */
export function AppBadges({
  apps,
  desktopName,
  max = 2,
}: {
  apps: readonly LayerRef[];
  desktopName: string;
  max?: number;
}) {
  if (apps.length === 0) return null;
  // "+1 apps" would take as much room as the one app it hides.
  const shown = apps.length > max + 1 ? apps.slice(0, max) : apps;
  const rest = apps.slice(shown.length).map(layerLabel).join(", ");
  return (
    <Group
      gap={4}
      role="list"
      aria-label={`Apps of ${desktopName}`}
      data-testid="desktop-apps"
      style={{ flexShrink: 0 }}
    >
      {shown.map((a) => (
        <Badge key={a.id} role="listitem" variant="outline" color="gray" tt="none">
          {layerLabel(a)}
        </Badge>
      ))}
      {rest && (
        <Tooltip label={rest} withArrow multiline maw={260}>
          <Badge role="listitem" variant="outline" color="gray" tt="none" title={rest}>
            +{apps.length - shown.length} apps<VisuallyHidden>: {rest}</VisuallyHidden>
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}
