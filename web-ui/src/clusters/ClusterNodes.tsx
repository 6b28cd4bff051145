import { Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory } from "../common/format";
import { ClusterNodesDocument } from "../gql/graphql";

/** Admin: a cluster's nodes and what they use now, read live from the cluster on demand. */
export function ClusterNodes({ clusterId }: { clusterId: string }) {
  const [result, reexecute] = useQuery({
    query: ClusterNodesDocument,
    variables: { id: clusterId },
    requestPolicy: "network-only",
  });
  const nodes = result.data?.cluster?.nodes;
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={3}>Nodes now</Title>
        <Button
          size="xs"
          variant="light"
          loading={result.fetching}
          onClick={() => reexecute({ requestPolicy: "network-only" })}
        >
          Refresh
        </Button>
      </Group>
      <ErrorAlert error={result.error} title="The nodes could not be read from the cluster" />
      {result.fetching && !result.data && <Loader size="sm" aria-label="Reading nodes" />}
      {nodes && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped aria-label="Nodes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Arch</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>CPU in use</Table.Th>
                <Table.Th>Memory in use</Table.Th>
                <Table.Th>Desktops</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {nodes.map((n) => (
                <Table.Tr key={n.name}>
                  <Table.Td>{n.name}</Table.Td>
                  <Table.Td>{n.arch}</Table.Td>
                  <Table.Td>
                    <Badge color={n.ready ? "green" : "gray"} variant="light" size="sm">
                      {n.ready ? "ready" : "not taking desktops"}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{usage(n.usedCpuMillis, n.cpuMillis, formatCpu)}</Table.Td>
                  <Table.Td>{usage(n.usedMemoryMiB, n.memoryMiB, formatMemory)}</Table.Td>
                  <Table.Td>{n.desktops}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {nodes && nodes.length === 0 && (
        <Text size="sm" c="dimmed">
          The cluster reports no nodes.
        </Text>
      )}
    </Stack>
  );
}

function usage(
  used: number | null | undefined,
  total: number,
  format: (v: number) => string,
): string {
  return used == null ? `no metrics / ${format(total)}` : `${format(used)} / ${format(total)}`;
}
