import { Text } from "@mantine/core";
import { modals } from "@mantine/modals";
import { useEffect, useState } from "react";
import { useMutation, type CombinedError } from "urql";
import {
  DeleteSnapshotDocument,
  RestoreDesktopDocument,
  type SnapshotFieldsFragment,
} from "../../gql/graphql";
import { SNAPSHOT_REFRESH_MS } from "./snapshots";

/**
 * What can be done to a listed snapshot, shared by a desktop's snapshots dialog and the Snapshots
 * page: restore it as a new desktop, delete it after confirmation. One error (the API's, with its
 * code) and one notice at a time, shown where the list is; `refresh` re-reads the list after each
 * action.
 */
export function useSnapshotActions(refresh: () => void) {
  const [restoring, restoreDesktop] = useMutation(RestoreDesktopDocument);
  const [, deleteSnapshot] = useMutation(DeleteSnapshotDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const act = async <T,>(
    action: () => Promise<{ error?: CombinedError; data?: T }>,
    done?: (data: T | undefined) => void,
  ) => {
    setError(null);
    setNotice(null);
    const r = await action();
    if (r.error) {
      setError(r.error);
      return;
    }
    done?.(r.data);
    refresh();
  };

  /** Restores `s` as a new desktop named `name`, or after the snapshot when `name` is null. */
  const restore = (s: SnapshotFieldsFragment, name: string | null) =>
    act(
      () => restoreDesktop({ snapshotId: s.id, name }),
      (data) => {
        const d = data?.restoreDesktop;
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

  return {
    act,
    error,
    clearError: () => setError(null),
    notice,
    restore,
    restoring: restoring.fetching,
    confirmDelete,
  };
}

export type SnapshotActions = ReturnType<typeof useSnapshotActions>;

/**
 * Re-reads a list every few seconds while one of its snapshots is PENDING or DELETING, so it
 * turns READY (or disappears) on screen; quiet once every snapshot has settled. Snapshot changes
 * have no subscription: they are rare and settle within seconds.
 */
export function useRefreshWhileSettling(
  snapshots: readonly SnapshotFieldsFragment[],
  refresh: () => void,
  enabled = true,
) {
  const settling = snapshots.some((s) => s.state === "PENDING" || s.state === "DELETING");
  useEffect(() => {
    if (!enabled || !settling) return;
    const timer = setInterval(refresh, SNAPSHOT_REFRESH_MS);
    return () => clearInterval(timer);
  }, [enabled, settling, refresh]);
}
