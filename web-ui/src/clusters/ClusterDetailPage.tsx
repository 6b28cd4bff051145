import {
  Anchor,
  Badge,
  Card,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useMemo } from "react";
import { Link, useParams } from "react-router";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory, formatTime } from "../common/format";
import { DesktopsPage } from "../desktops/DesktopsPage";
import { ClusterDetailDocument } from "../gql/graphql";
import { CapacityBar } from "./CapacityBar";
import { ClusterNodes } from "./ClusterNodes";
import { CordonButton, HealthBadges } from "./ClusterCard";
import { useLiveClusters } from "./useLiveClusters";

/** Admin: one cluster's node groups and free room, its desktops, cordon and uncordon. */
export function ClusterDetailPage() {
  const { id = "" } = useParams();
  const [result] = useQuery({ query: ClusterDetailDocument, variables: { id } });
  // Health, cordon and capacity stay live through the fleet's cluster events.
  const live = useLiveClusters();
  const detail = result.data?.cluster;
  const cluster = useMemo(
    () => live.clusters.find((c) => c.id === id) ?? detail,
    [live.clusters, id, detail],
  );

  if (result.fetching && !detail) return <Loader aria-label="Loading cluster" />;
  if (result.error)
    return <ErrorAlert error={result.error} title="The cluster could not be loaded" />;
  if (!cluster || !detail) return <Text>No such cluster.</Text>;
  const c = cluster.capacity;
  return (
    <Stack>
      <Anchor component={Link} to="/admin/fleet" size="sm">
        ← Fleet
      </Anchor>
      <Group justify="space-between">
        <Group>
          <Title order={2}>{cluster.name}</Title>
          <HealthBadges cluster={cluster} />
        </Group>
        <CordonButton cluster={cluster} />
      </Group>
      <Text c="dimmed" size="sm">
        {cluster.region} / {cluster.zone} · runtime {cluster.runtime} · heartbeat{" "}
        {formatTime(cluster.heartbeatAt)}
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Stack gap="xs">
            <CapacityBar
              label="CPU"
              used={c.allocatedCpuMillis}
              total={c.allocatableCpuMillis}
              format={formatCpu}
            />
            <CapacityBar
              label="Memory"
              used={c.allocatedMemoryMiB}
              total={c.allocatableMemoryMiB}
              format={formatMemory}
            />
            <CapacityBar
              label="Desktops"
              used={c.allocatedDesktops}
              total={c.allocatableDesktops}
            />
            <Text size="sm">
              Largest desktop that fits on one node: {formatCpu(c.largestFreeCpuMillis)},{" "}
              {formatMemory(c.largestFreeMemoryMiB)}
            </Text>
          </Stack>
        </Card>
        <Card withBorder>
          <Stack gap={6}>
            <Row label="Architectures" values={cluster.architectures} />
            <Row label="Runtime classes" values={cluster.runtimeClasses} />
            <Row label="Storage classes" values={cluster.storageClasses} />
          </Stack>
        </Card>
      </SimpleGrid>
      <Title order={3}>Node groups</Title>
      <Table.ScrollContainer minWidth={700}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Arch</Table.Th>
              <Table.Th>Free CPU</Table.Th>
              <Table.Th>Free memory</Table.Th>
              <Table.Th>Free desktop slots</Table.Th>
              <Table.Th w="25%">CPU used</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {detail.nodeGroups.map((g) => (
              <Table.Tr key={g.name}>
                <Table.Td>{g.name}</Table.Td>
                <Table.Td>{g.arch}</Table.Td>
                <Table.Td>{formatCpu(g.allocatableCpuMillis - g.allocatedCpuMillis)}</Table.Td>
                <Table.Td>{formatMemory(g.allocatableMemoryMiB - g.allocatedMemoryMiB)}</Table.Td>
                <Table.Td>{g.allocatableDesktops - g.allocatedDesktops}</Table.Td>
                <Table.Td>
                  <CapacityBar
                    label=""
                    used={g.allocatedCpuMillis}
                    total={g.allocatableCpuMillis}
                    format={formatCpu}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <ClusterNodes clusterId={cluster.id} />
      <Title order={3}>Desktops on {cluster.name}</Title>
      <DesktopsPage clusterId={cluster.id} />
    </Stack>
  );
}

function Row({ label, values }: { label: string; values: string[] }) {
  return (
    <Group gap={6}>
      <Text size="sm" w={130} c="dimmed">
        {label}
      </Text>
      {values.map((v) => (
        <Badge key={v} variant="outline" size="sm">
          {v}
        </Badge>
      ))}
    </Group>
  );
}
