import { Button, Card, Group, Progress, Stack, Text, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { IconPlayerPlay, IconPlayerStop, IconTrash, IconScreenShare } from "../common/icons";
import { useState } from "react";
import { useMutation, type CombinedError } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory } from "../common/format";
import {
  DeleteDesktopDocument,
  StartDesktopDocument,
  StopDesktopDocument,
  type DesktopFieldsFragment,
} from "../gql/graphql";
import { FilesButton, type FileTransferAccess } from "../files/FilesModal";
import { PrintsButton } from "../files/PrintsModal";
import { LiveUsage } from "./LiveUsage";
import { SnapshotsButton } from "./snapshots/SnapshotsModal";
import { AppBadges } from "./AppBadges";
import { FromPoolBadge } from "./FromPoolBadge";
import { HealthBadge } from "./HealthBadge";
import { StateBadge } from "./StateBadge";
import { canDelete, canStart, canStop, transition } from "./states";

/**
 * One of the user's desktops with its live state and power actions. Each action's accessible name
 * carries the desktop's name: a page of cards otherwise reads as a list of identical "Power off"
 * buttons to a screen reader.
 */
export function DesktopCard({
  desktop,
  onConnect,
  fileTransfer,
  printing = false,
}: {
  desktop: DesktopFieldsFragment;
  onConnect?: (d: DesktopFieldsFragment) => void;
  /** The template's file transfer policy; without it (not known yet) no Files button. */
  fileTransfer?: FileTransferAccess;
  /** Whether the template gives the desktop a virtual PDF printer; false until known. */
  printing?: boolean;
}) {
  const [start, startDesktop] = useMutation(StartDesktopDocument);
  const [stop, stopDesktop] = useMutation(StopDesktopDocument);
  const [del, deleteDesktop] = useMutation(DeleteDesktopDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const moving = transition(desktop.state);

  const run = async (action: () => Promise<{ error?: CombinedError }>) => {
    setError(null);
    const r = await action();
    if (r.error) setError(r.error);
  };

  const confirmDelete = () =>
    modals.openConfirmModal({
      title: `Delete ${desktop.name}?`,
      children: (
        <Text size="sm">
          The desktop and its home volume are deleted. This cannot be undone; powering off keeps the
          data instead.
        </Text>
      ),
      labels: { confirm: "Delete desktop and data", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () => void run(() => deleteDesktop({ id: desktop.id })),
    });

  return (
    <Card
      withBorder
      radius="md"
      padding="lg"
      data-testid="desktop-card"
      data-desktop={desktop.name}
    >
      <Stack gap="xs">
        {/* Three cards share a laptop's width: the name wraps (a name is one word, so it may
            break anywhere) and the state badge keeps its size; only names past two lines end
            in an ellipsis, with the whole name as the title. */}
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Title order={4} lineClamp={2} title={desktop.name} style={{ overflowWrap: "anywhere" }}>
            {desktop.name}
          </Title>
          <StateBadge state={desktop.state} />
          <HealthBadge health={desktop.health} reason={desktop.healthReason} />
        </Group>
        {(desktop.fromPool || desktop.apps.length > 0) && (
          <Group gap="xs">
            <FromPoolBadge fromPool={desktop.fromPool} />
            <AppBadges apps={desktop.apps} desktopName={desktop.name} />
          </Group>
        )}
        <Text size="sm" c="dimmed">
          {desktop.template.name} · {formatCpu(desktop.cpuMillis)} ·{" "}
          {formatMemory(desktop.memoryMiB)} · {desktop.cluster.name} ({desktop.cluster.region})
        </Text>
        {moving && (
          <div>
            <Progress
              value={moving.progress}
              striped
              animated
              aria-label={`Progress: ${moving.label}`}
            />
            <Text size="xs" c="dimmed" mt={4}>
              {moving.label}
            </Text>
          </div>
        )}
        {desktop.statusReason && desktop.state === "FAILED" && (
          <Text size="sm" c="red">
            {desktop.statusReason}
          </Text>
        )}
        {desktop.statusReason && desktop.state === "STOPPED" && (
          <Text size="sm" c="dimmed" data-testid="stopped-reason">
            {desktop.statusReason}
          </Text>
        )}
        {desktop.state === "RUNNING" && (
          <LiveUsage desktopId={desktop.id} desktopName={desktop.name} />
        )}
        <ErrorAlert error={error} title="The action failed" onClose={() => setError(null)} />
        <Group gap="xs">
          {onConnect && desktop.state === "RUNNING" && (
            <Button
              size="xs"
              leftSection={<IconScreenShare size={16} />}
              aria-label={`Connect to ${desktop.name}`}
              onClick={() => onConnect(desktop)}
            >
              Connect
            </Button>
          )}
          {fileTransfer && desktop.state === "RUNNING" && (
            <FilesButton desktop={desktop} access={fileTransfer} />
          )}
          {printing && desktop.state === "RUNNING" && <PrintsButton desktop={desktop} />}
          {canStart(desktop.state) && (
            <Button
              size="xs"
              variant="light"
              leftSection={<IconPlayerPlay size={16} />}
              loading={start.fetching}
              aria-label={`Power on ${desktop.name}`}
              onClick={() => run(() => startDesktop({ id: desktop.id }))}
            >
              Power on
            </Button>
          )}
          {canStop(desktop.state) && (
            <Button
              size="xs"
              variant="light"
              color="orange"
              leftSection={<IconPlayerStop size={16} />}
              loading={stop.fetching}
              aria-label={`Power off ${desktop.name}`}
              onClick={() => run(() => stopDesktop({ id: desktop.id }))}
            >
              Power off
            </Button>
          )}
          {desktop.state !== "DELETED" && <SnapshotsButton desktop={desktop} />}
          {canDelete(desktop.state) && (
            <Button
              size="xs"
              variant="subtle"
              color="red"
              leftSection={<IconTrash size={16} />}
              loading={del.fetching}
              aria-label={`Delete ${desktop.name}`}
              onClick={confirmDelete}
            >
              Delete
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
