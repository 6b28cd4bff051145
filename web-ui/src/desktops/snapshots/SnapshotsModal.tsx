import { Button, Group, Loader, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useCallback, useState } from "react";
import { useMutation, useQuery } from "urql";
import { ErrorAlert } from "../../api/ErrorAlert";
import { IconCamera } from "../../common/icons";
import {
  DesktopSnapshotsDocument,
  SnapshotDesktopDocument,
  type SnapshotFieldsFragment,
} from "../../gql/graphql";
import { validateSnapshotName } from "./snapshots";
import { SnapshotsTable } from "./SnapshotsTable";
import { useRefreshWhileSettling, useSnapshotActions } from "./useSnapshotActions";

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
  const refresh = useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]);
  const [taking, snapshotDesktop] = useMutation(SnapshotDesktopDocument);
  const actions = useSnapshotActions(refresh);
  const form = useForm({
    mode: "controlled",
    initialValues: { name: "" },
    validate: { name: validateSnapshotName },
  });

  const snapshots: SnapshotFieldsFragment[] = result.data?.desktop?.snapshots ?? [];
  useRefreshWhileSettling(snapshots, refresh, opened);

  const take = form.onSubmit((values) =>
    actions.act(
      () => snapshotDesktop({ id: desktop.id, name: values.name.trim() }),
      () => form.reset(),
    ),
  );

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
        <ErrorAlert error={actions.error} title="The action failed" onClose={actions.clearError} />
        {actions.notice && (
          <Text size="sm" c="green" role="status">
            {actions.notice}
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
          <SnapshotsTable snapshots={snapshots} actions={actions} />
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
