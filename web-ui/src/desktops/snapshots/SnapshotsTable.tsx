import { Badge, Button, Group, Popover, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState, type ReactNode } from "react";
import { formatTime } from "../../common/format";
import { IconRestore, IconTrash } from "../../common/icons";
import type { SnapshotFieldsFragment, SnapshotState } from "../../gql/graphql";
import { formatBytes, validateOptionalName } from "./snapshots";
import type { SnapshotActions } from "./useSnapshotActions";

const STATE_COLOR: Record<SnapshotState, string> = {
  PENDING: "blue",
  READY: "green",
  FAILED: "red",
  DELETING: "gray",
};

export function SnapshotStateBadge({ state }: { state: SnapshotState }) {
  return (
    <Badge
      color={STATE_COLOR[state]}
      variant="light"
      data-testid="snapshot-state"
      // In a table whose other cells wrap, the state column would shrink the badge to "REA…".
      style={{ flexShrink: 0, minWidth: "max-content" }}
    >
      {state}
    </Badge>
  );
}

/**
 * Restore as a new desktop: the button opens a small form for the new desktop's name, which may
 * stay empty (the gateway then names it after the snapshot). Enter restores, Escape cancels.
 */
export function RestoreSnapshotButton({
  snapshot,
  actions,
}: {
  snapshot: SnapshotFieldsFragment;
  actions: SnapshotActions;
}) {
  const [opened, setOpened] = useState(false);
  const form = useForm({
    mode: "controlled",
    initialValues: { name: "" },
    validate: { name: validateOptionalName },
  });
  const close = () => {
    setOpened(false);
    form.reset();
  };
  const submit = form.onSubmit((values) => {
    close();
    void actions.restore(snapshot, values.name.trim() || null);
  });
  const label = `Restore ${snapshot.name} as a new desktop`;
  return (
    <Popover
      opened={opened}
      onChange={(o) => (o ? setOpened(true) : close())}
      trapFocus
      returnFocus
      // The form holds the focus: it stays shown when the table scrolls its button out of view
      // (hidden, the typed name and the focus would be lost).
      hideDetached={false}
      position="bottom-end"
      withArrow
      shadow="md"
    >
      <Popover.Target>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconRestore size={14} />}
          disabled={snapshot.state !== "READY"}
          loading={actions.restoring}
          aria-label={label}
          onClick={() => (opened ? close() : setOpened(true))}
        >
          Restore
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        {/* The popover closes itself on Escape; a dialog around it (the snapshots dialog) skips an
            Escape whose target carries data-mantine-stop-propagation, so it stays open. */}
        <form onSubmit={submit} aria-label={label}>
          <Stack gap="xs" w={300}>
            <TextInput
              size="xs"
              label="Name of the new desktop"
              description="Optional: without one it is named after the snapshot."
              placeholder={snapshot.name}
              data-autofocus
              data-mantine-stop-propagation
              {...form.getInputProps("name")}
            />
            <Group justify="flex-end" gap="xs" wrap="nowrap">
              <Button size="xs" variant="default" onClick={close} data-mantine-stop-propagation>
                Cancel
              </Button>
              <Button size="xs" type="submit" data-mantine-stop-propagation>
                Restore as a new desktop
              </Button>
            </Group>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}

/**
 * Snapshots as a table: name (and why one FAILED), state, size, when it was taken and, where the
 * list mixes desktops, the desktop it copies; restore and delete per row, each named with the
 * snapshot.
 */
export function SnapshotsTable({
  snapshots,
  actions,
  desktopColumn,
}: {
  snapshots: readonly SnapshotFieldsFragment[];
  actions: SnapshotActions;
  /** Adds a "Desktop" column with what this returns for each snapshot. */
  desktopColumn?: (s: SnapshotFieldsFragment) => ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={desktopColumn ? 760 : 600}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            {desktopColumn && <Table.Th>Desktop</Table.Th>}
            <Table.Th>State</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Taken</Table.Th>
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {snapshots.map((s) => (
            <Table.Tr key={s.id} data-testid="snapshot-row" data-snapshot={s.name}>
              <Table.Td style={{ overflowWrap: "anywhere" }}>
                <Text size="sm">{s.name}</Text>
                {s.statusReason && (
                  <Text size="xs" c="red">
                    {s.statusReason}
                  </Text>
                )}
              </Table.Td>
              {desktopColumn && (
                <Table.Td style={{ overflowWrap: "anywhere" }}>{desktopColumn(s)}</Table.Td>
              )}
              <Table.Td>
                <SnapshotStateBadge state={s.state} />
              </Table.Td>
              <Table.Td style={{ whiteSpace: "nowrap" }}>{formatBytes(s.sizeBytes)}</Table.Td>
              <Table.Td>{formatTime(s.createdAt)}</Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <RestoreSnapshotButton snapshot={s} actions={actions} />
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    leftSection={<IconTrash size={14} />}
                    disabled={s.state === "DELETING"}
                    aria-label={`Delete snapshot ${s.name}`}
                    onClick={() => actions.confirmDelete(s)}
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
  );
}
