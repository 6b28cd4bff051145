import { Anchor, Checkbox, Group, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import { formatCpu, formatMemory, formatTime } from "../common/format";
import type { DesktopFieldsFragment } from "../gql/graphql";
import { AppBadges } from "./AppBadges";
import { FromPoolBadge } from "./FromPoolBadge";
import { HealthBadge } from "./HealthBadge";
import { StateBadge } from "./StateBadge";

/** Desktops as table rows with selection for bulk actions. */
export function DesktopsTable({
  desktops,
  selected,
  onSelectedChange,
  showCluster = true,
}: {
  desktops: DesktopFieldsFragment[];
  selected: ReadonlySet<string>;
  onSelectedChange: (next: Set<string>) => void;
  showCluster?: boolean;
}) {
  const allSelected = desktops.length > 0 && desktops.every((d) => selected.has(d.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelectedChange(next);
  };
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table striped highlightOnHover verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <Checkbox
                aria-label="Select all desktops on this page"
                checked={allSelected}
                indeterminate={!allSelected && desktops.some((d) => selected.has(d.id))}
                onChange={() =>
                  onSelectedChange(allSelected ? new Set() : new Set(desktops.map((d) => d.id)))
                }
              />
            </Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Owner</Table.Th>
            <Table.Th>Template</Table.Th>
            {showCluster && <Table.Th>Cluster</Table.Th>}
            <Table.Th>Resources</Table.Th>
            <Table.Th>Created</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {desktops.map((d) => (
            <Table.Tr key={d.id} data-testid="desktop-row" data-desktop={d.name}>
              <Table.Td>
                <Checkbox
                  aria-label={`Select ${d.name}`}
                  checked={selected.has(d.id)}
                  onChange={() => toggle(d.id)}
                />
              </Table.Td>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {d.name}
                </Text>
                {d.statusReason && (
                  <Text size="xs" c="dimmed" lineClamp={1} title={d.statusReason}>
                    {d.statusReason}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <StateBadge state={d.state} />
                  <HealthBadge health={d.health} reason={d.healthReason} />
                  <FromPoolBadge fromPool={d.fromPool} />
                </Group>
              </Table.Td>
              <Table.Td>{d.owner.username}</Table.Td>
              <Table.Td>
                <Text size="sm">{d.template.name}</Text>
                <AppBadges apps={d.apps} desktopName={d.name} max={1} />
              </Table.Td>
              {showCluster && (
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Anchor component={Link} to={`/admin/clusters/${d.cluster.id}`} size="sm">
                      {d.cluster.name}
                    </Anchor>
                    {d.nodeGroup && (
                      <Text size="xs" c="dimmed">
                        / {d.nodeGroup}
                      </Text>
                    )}
                  </Group>
                </Table.Td>
              )}
              <Table.Td>
                <Text size="sm">
                  {formatCpu(d.cpuMillis)}, {formatMemory(d.memoryMiB)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatTime(d.createdAt)}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
