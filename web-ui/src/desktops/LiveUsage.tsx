import { Button, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu } from "../common/format";
import { DesktopLiveDocument } from "../gql/graphql";

/** How often open usage is read again from the desktop's cluster. */
const REFRESH_MS = 5000;
const TOP_PROCESSES = 8;

/** 1536 MiB in bytes → "1.5 GiB"; small values in MiB. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1024) return `${(mib / 1024).toFixed(1)} GiB`;
  return `${Math.round(mib)} MiB`;
}

/**
 * What a running desktop uses now, read live from its cluster on demand: closed until asked, then
 * refreshed every few seconds while open.
 */
export function LiveUsage({ desktopId, desktopName }: { desktopId: string; desktopName: string }) {
  const [open, setOpen] = useState(false);
  if (!open)
    return (
      // Named with the desktop: a page of cards would otherwise read as identical "Show usage".
      <Button
        size="compact-xs"
        variant="subtle"
        aria-label={`Show usage of ${desktopName}`}
        onClick={() => setOpen(true)}
      >
        Show usage
      </Button>
    );
  return (
    <OpenUsage desktopId={desktopId} desktopName={desktopName} onClose={() => setOpen(false)} />
  );
}

function OpenUsage({
  desktopId,
  desktopName,
  onClose,
}: {
  desktopId: string;
  desktopName: string;
  onClose: () => void;
}) {
  const [result, reexecute] = useQuery({
    query: DesktopLiveDocument,
    variables: { id: desktopId },
    requestPolicy: "network-only",
  });
  useEffect(() => {
    const timer = setInterval(() => reexecute({ requestPolicy: "network-only" }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reexecute]);

  const live = result.data?.desktop?.live;
  return (
    <Stack gap={4} data-testid="live-usage">
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          Usage now
        </Text>
        <Button
          size="compact-xs"
          variant="subtle"
          aria-label={`Hide usage of ${desktopName}`}
          onClick={onClose}
        >
          Hide usage
        </Button>
      </Group>
      <ErrorAlert error={result.error} title="Usage could not be read from the cluster" />
      {result.fetching && !result.data && <Loader size="xs" aria-label="Reading usage" />}
      {result.data && !live && !result.error && (
        <Text size="sm" c="dimmed">
          The desktop is not running.
        </Text>
      )}
      {live && (
        <>
          <Text size="sm" data-testid="live-totals">
            CPU {formatCpu(live.cpuMillis)} · memory {formatBytes(live.memoryBytes)}
          </Text>
          {live.processes ? (
            <Table fz="xs" verticalSpacing={2} aria-label="Processes">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>PID</Table.Th>
                  <Table.Th>Command</Table.Th>
                  <Table.Th>CPU</Table.Th>
                  <Table.Th>Memory</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {live.processes.slice(0, TOP_PROCESSES).map((p) => (
                  <Table.Tr key={p.pid}>
                    <Table.Td>{p.pid}</Table.Td>
                    <Table.Td style={{ wordBreak: "break-all" }}>{p.command}</Table.Td>
                    <Table.Td>{p.cpuPercent.toFixed(1)} %</Table.Td>
                    <Table.Td>{formatBytes(p.rssBytes)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text size="xs" c="dimmed">
              This cluster does not list a desktop&apos;s processes.
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}
