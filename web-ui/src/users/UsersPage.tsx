import { Badge, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory } from "../common/format";
import { UsersWithQuotasDocument } from "../gql/graphql";

/**
 * Admin: users, their roles and quotas, and how many desktops each has and runs — one request for
 * the whole table (the counts are batched fields of each user).
 */
export function UsersPage() {
  const [result] = useQuery({ query: UsersWithQuotasDocument });
  const users = result.data?.users ?? [];
  return (
    <Stack>
      <Title order={2}>Users</Title>
      <ErrorAlert error={result.error} title="Users could not be loaded" />
      {result.fetching && !result.data ? (
        <Loader aria-label="Loading users" />
      ) : users.length === 0 ? (
        <Text c="dimmed">No users.</Text>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Desktops</Table.Th>
                <Table.Th>Running</Table.Th>
                <Table.Th>Quota</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.map((u) => (
                <Table.Tr key={u.id} data-testid="user-row" data-user={u.username}>
                  <Table.Td>{u.username}</Table.Td>
                  <Table.Td>
                    <Badge color={u.role === "ADMIN" ? "grape" : "blue"} variant="light">
                      {u.role.toLowerCase()}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{count(u.ownedDesktops)}</Table.Td>
                  <Table.Td>{count(u.runningDesktops)}</Table.Td>
                  <Table.Td>
                    {u.quota ? (
                      <Text size="sm">
                        {`${u.quota.maxDesktops} desktops, ${formatCpu(u.quota.maxCpuMillis)}, ${formatMemory(u.quota.maxMemoryMiB)}, ${u.quota.maxSnapshots} snapshots`}
                        {!u.quota.custom && (
                          <Text span c="dimmed" size="sm">
                            {" "}
                            (default)
                          </Text>
                        )}
                      </Text>
                    ) : (
                      <Text size="sm">—</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** A count of the user's desktops; null only when it could not be read (the alert says why). */
function count(n: number | null | undefined) {
  return n ?? "—";
}
