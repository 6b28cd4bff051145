import { Anchor, Badge, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useCallback, useMemo } from "react";
import { Link } from "react-router";
import { useQuery, useSubscription } from "urql";
import { ErrorAlert } from "../../api/ErrorAlert";
import { useAuth } from "../../auth/AuthContext";
import {
  DesktopEventsDocument,
  SnapshotsDocument,
  type DesktopEventsSubscription,
  type SnapshotFieldsFragment,
} from "../../gql/graphql";
import { SnapshotsTable } from "./SnapshotsTable";
import { useRefreshWhileSettling, useSnapshotActions } from "./useSnapshotActions";

/**
 * The snapshots a page lists: every snapshot the API returns for a user (only their own); for an
 * admin, who gets every user's, those of their own desktops, as My desktops shows their own.
 */
export function ownSnapshots(
  snapshots: readonly SnapshotFieldsFragment[],
  isAdmin: boolean,
  userId: string | undefined,
): SnapshotFieldsFragment[] {
  return isAdmin ? snapshots.filter((s) => s.desktop?.owner.id === userId) : [...snapshots];
}

/** The desktop a snapshot copies: its name, or "deleted desktop" (with the name it had, if known). */
function SourceDesktop({ desktop }: { desktop: SnapshotFieldsFragment["desktop"] }) {
  if (desktop && desktop.state !== "DELETED")
    return (
      <Text size="sm" data-testid="snapshot-desktop">
        {desktop.name}
      </Text>
    );
  return (
    <Stack gap={2} align="flex-start" data-testid="snapshot-desktop" data-deleted="true">
      <Badge color="orange" variant="outline">
        deleted desktop
      </Badge>
      {desktop && (
        <Text size="xs" c="dimmed">
          was {desktop.name}
        </Text>
      )}
    </Stack>
  );
}

/**
 * The signed-in user's snapshots, also those whose desktop was deleted (a snapshot outlives its
 * desktop, ADR 13): restore one as a new desktop or delete it. Each snapshot names its desktop,
 * also a deleted one; a desktop deleted elsewhere is marked here as soon as its event arrives.
 */
export function SnapshotsPage() {
  const { session, isAdmin } = useAuth();
  const userId = session?.user.id;
  const [result, reexecute] = useQuery({ query: SnapshotsDocument, requestPolicy: "network-only" });
  const refresh = useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]);
  const actions = useSnapshotActions(refresh);

  const snapshots = useMemo(
    () => ownSnapshots(result.data?.snapshots ?? [], isAdmin, userId),
    [result.data, isAdmin, userId],
  );
  useRefreshWhileSettling(snapshots, refresh);
  // A listed snapshot's desktop deleted elsewhere is marked as soon as its event arrives.
  const sources = useMemo(() => new Set(snapshots.map((s) => s.desktopId)), [snapshots]);
  useSubscription(
    { query: DesktopEventsDocument, variables: {} },
    (_: unknown, event: DesktopEventsSubscription) => {
      const changed = event.desktopEvents?.desktop;
      if (changed && changed.state === "DELETED" && sources.has(changed.id)) refresh();
      return null;
    },
  );
  const loading = result.fetching && !result.data;

  return (
    <Stack>
      <Title order={2}>Snapshots</Title>
      <Text size="sm" c="dimmed">
        Copies of your desktops&apos; home volumes. A snapshot is kept when its desktop is deleted;
        restoring one creates a new desktop with that copy.
      </Text>
      <ErrorAlert error={actions.error} title="The action failed" onClose={actions.clearError} />
      {actions.notice && (
        <Group gap="xs" role="status">
          <Text size="sm" c="green">
            {actions.notice}
          </Text>
          <Anchor component={Link} to="/" size="sm">
            My desktops
          </Anchor>
        </Group>
      )}
      <ErrorAlert error={result.error} title="Your snapshots could not be loaded" />
      {loading ? (
        <Center p="xl">
          <Loader aria-label="Loading snapshots" />
        </Center>
      ) : snapshots.length === 0 && !result.error ? (
        <Center p="xl">
          <Text c="dimmed">
            You have no snapshots. Take one with a desktop&apos;s Snapshots button in My desktops.
          </Text>
        </Center>
      ) : (
        snapshots.length > 0 && (
          <SnapshotsTable
            snapshots={snapshots}
            actions={actions}
            desktopColumn={(s) => <SourceDesktop desktop={s.desktop} />}
          />
        )
      )}
    </Stack>
  );
}
