import { Badge, Button, Group, Loader, Modal, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { modals } from "@mantine/modals";
import IconCamera from "@tabler/icons-react/icons/IconCamera";
import IconRestore from "@tabler/icons-react/icons/IconRestore";
import { useEffect, useState } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { ErrorAlert } from "../../api/ErrorAlert";
import { formatTime } from "../../common/format";
import { IconTrash } from "../../common/icons";
import {
  DeleteSnapshotDocument,
  DesktopSnapshotsDocument,
  RestoreDesktopDocument,
  SnapshotDesktopDocument,
  type SnapshotFieldsFragment,
  type SnapshotState,
} from "../../gql/graphql";

/** The gateway's rule for snapshot (and desktop) names. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,62}$/u;

/** How often the list is re-read while a snapshot is still being taken or deleted. */
export const SNAPSHOT_REFRESH_MS = 2000;

const STATE_COLOR: Record<SnapshotState, string> = {
  PENDING: "blue",
  READY: "green",
  FAILED: "red",
  DELETING: "gray",
};

/** 10737418240 → "10 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export function validateSnapshotName(value: string): string | null {
  return NAME.test(value.trim())
    ? null
    : "1–63 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit";
}

/**
 * A desktop's snapshots: take one, restore one as a new desktop (it runs in the snapshot's
 * cluster), delete one after confirmation.
 */
export function SnapshotsModal({
  desktop,
  opened,
  onClose,
}: {
  desktop: { id: string; name: string; state: string };
  opened: boolean;
  onClose: () => void;
}) {
  const [result, reexecute] = useQuery({
    query: DesktopSnapshotsDocument,
    variables: { id: desktop.id },
    pause: !opened,
    requestPolicy: "network-only",
  });
  const [taking, snapshotDesktop] = useMutation(SnapshotDesktopDocument);
  const [restoring, restoreDesktop] = useMutation(RestoreDesktopDocument);
  const [, deleteSnapshot] = useMutation(DeleteSnapshotDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const form = useForm({
    mode: "controlled",
    initialValues: { name: "" },
    validate: { name: validateSnapshotName },
  });

  const snapshots: SnapshotFieldsFragment[] = result.data?.desktop?.snapshots ?? [];
  const settling = snapshots.some((s) => s.state === "PENDING" || s.state === "DELETING");
  useEffect(() => {
    if (!opened || !settling) return;
    const timer = setInterval(
      () => reexecute({ requestPolicy: "network-only" }),
      SNAPSHOT_REFRESH_MS,
    );
    return () => clearInterval(timer);
  }, [opened, settling, reexecute]);

  const act = async (
    action: () => Promise<{ error?: CombinedError; data?: unknown }>,
    done?: (data: unknown) => void,
  ) => {
    setError(null);
    setNotice(null);
    const r = await action();
    if (r.error) {
      setError(r.error);
      return;
    }
    done?.(r.data);
    reexecute({ requestPolicy: "network-only" });
  };

  const take = form.onSubmit((values) =>
    act(
      () => snapshotDesktop({ id: desktop.id, name: values.name.trim() }),
      () => form.reset(),
    ),
  );

  const restore = (s: SnapshotFieldsFragment) =>
    act(
      () => restoreDesktop({ snapshotId: s.id, name: null }),
      (data) => {
        const d = (data as { restoreDesktop?: { name: string; cluster: { name: string } } })
          .restoreDesktop;
        if (d) setNotice(`Restored as the new desktop "${d.name}" on ${d.cluster.name}.`);
      },
    );

  const confirmDelete = (s: SnapshotFieldsFragment) =>
    modals.openConfirmModal({
      title: `Delete snapshot ${s.name}?`,
      children: (
        <Text size="sm">
          The copy is deleted in its cluster. Desktops, also those restored from it, are not
          touched.
        </Text>
      ),
      labels: { confirm: "Delete snapshot", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () => void act(() => deleteSnapshot({ id: s.id })),
    });

  return (
    <Modal opened={opened} onClose={onClose} title={`Snapshots of ${desktop.name}`} size="xl">
      <Stack>
        <form onSubmit={take} aria-label="Take a snapshot">
          <Group align="flex-end">
            <TextInput
              label="Snapshot name"
              data-autofocus
              placeholder="before upgrade"
              style={{ flex: 1 }}
              {...form.getInputProps("name")}
            />
            <Button
              type="submit"
              leftSection={<IconCamera size={16} />}
              loading={taking.fetching}
              disabled={desktop.state === "DELETED"}
            >
              Take snapshot
            </Button>
          </Group>
        </form>
        <ErrorAlert error={error} title="The action failed" onClose={() => setError(null)} />
        {notice && (
          <Text size="sm" c="green" role="status">
            {notice}
          </Text>
        )}
        <ErrorAlert error={result.error} title="Snapshots could not be loaded" />
        {result.fetching && !result.data ? (
          <Loader aria-label="Loading snapshots" />
        ) : snapshots.length === 0 ? (
          <Text c="dimmed" size="sm">
            No snapshots yet. A snapshot copies the desktop&apos;s home volume; restoring one
            creates a new desktop with that copy.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Taken</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {snapshots.map((s) => (
                  <Table.Tr key={s.id} data-testid="snapshot-row" data-snapshot={s.name}>
                    <Table.Td>
                      <Text size="sm">{s.name}</Text>
                      {s.statusReason && (
                        <Text size="xs" c="red">
                          {s.statusReason}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATE_COLOR[s.state]} variant="light">
                        {s.state}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{formatBytes(s.sizeBytes)}</Table.Td>
                    <Table.Td>{formatTime(s.createdAt)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="light"
                          leftSection={<IconRestore size={14} />}
                          disabled={s.state !== "READY"}
                          loading={restoring.fetching}
                          aria-label={`Restore ${s.name} as a new desktop`}
                          onClick={() => void restore(s)}
                        >
                          Restore
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          leftSection={<IconTrash size={14} />}
                          disabled={s.state === "DELETING"}
                          aria-label={`Delete snapshot ${s.name}`}
                          onClick={() => confirmDelete(s)}
                        >
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Modal>
  );
}

/** The button on a desktop that opens its snapshots. */
export function SnapshotsButton({
  desktop,
}: {
  desktop: { id: string; name: string; state: string };
}) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button
        size="xs"
        variant="light"
        color="grape"
        leftSection={<IconCamera size={16} />}
        aria-label={`Snapshots of ${desktop.name}`}
        onClick={() => setOpened(true)}
      >
        Snapshots
      </Button>
      {opened && (
        <SnapshotsModal desktop={desktop} opened={opened} onClose={() => setOpened(false)} />
      )}
    </>
  );
}
