import { Badge, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory } from "../common/format";
import { DesktopCountDocument, UsersWithQuotasDocument } from "../gql/graphql";

/** Admin: users, their roles and quotas, and how many desktops each has and runs. */
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
                  <Table.Td>
                    <Count owner={u.username} />
                  </Table.Td>
                  <Table.Td>
                    <Count owner={u.username} state="RUNNING" />
                  </Table.Td>
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

function Count({ owner, state }: { owner: string; state?: "RUNNING" }) {
  const [r] = useQuery({ query: DesktopCountDocument, variables: { filter: { owner, state } } });
  if (r.error)
    return (
      <Text c="red" size="sm">
        error
      </Text>
    );
  return <>{r.data ? r.data.desktops.totalCount : "…"}</>;
}
