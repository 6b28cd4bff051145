import { Alert, Button, Group, Loader, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { IconPlayerStop, IconRefresh, IconTrash } from "../common/icons";
import { useMemo, useState } from "react";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { useDebouncedValue } from "@mantine/hooks";
import {
  ClustersDocument,
  TemplatesDocument,
  type DesktopFilter,
  type DesktopHealth,
  type DesktopState,
} from "../gql/graphql";
import { DesktopsTable } from "./DesktopsTable";
import { ALL_STATES } from "./states";
import { useBulkActions } from "./useBulkActions";
import { useLiveDesktops } from "./useLiveDesktops";

const PAGE_SIZE = 50;

/** Admin: every desktop, live, filtered and paged by cursor, with bulk power off and delete. */
export function DesktopsPage({ clusterId }: { clusterId?: string }) {
  const [state, setState] = useState<string | null>(null);
  const [health, setHealth] = useState<string | null>(null);
  const [cluster, setCluster] = useState<string | null>(clusterId ?? null);
  const [template, setTemplate] = useState<string | null>(null);
  const [ownerInput, setOwnerInput] = useState("");
  const [owner] = useDebouncedValue(ownerInput.trim(), 300);
  // Cursors of the pages before the current one, to go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const after = cursors[cursors.length - 1];

  const filter = useMemo<DesktopFilter>(
    () => ({
      state: (state as DesktopState | null) ?? undefined,
      health: (health as DesktopHealth | null) ?? undefined,
      clusterId: cluster ?? undefined,
      templateId: template ?? undefined,
      owner: owner || undefined,
    }),
    [state, health, cluster, template, owner],
  );
  const filterKey = JSON.stringify(filter);
  const [seenFilter, setSeenFilter] = useState(filterKey);
  if (seenFilter !== filterKey) {
    // A new filter starts again at the first page.
    setSeenFilter(filterKey);
    setCursors([null]);
    setSelected(new Set());
  }

  const { desktops, totalCount, pageInfo, fetching, error, liveError, refetch } = useLiveDesktops({
    filter,
    first: PAGE_SIZE,
    after,
  });
  const [clusters] = useQuery({ query: ClustersDocument });
  const [templates] = useQuery({ query: TemplatesDocument });
  const bulk = useBulkActions();

  const confirm = (action: "stop" | "delete") => {
    const ids = [...selected];
    modals.openConfirmModal({
      title:
        action === "stop" ? `Power off ${ids.length} desktops?` : `Delete ${ids.length} desktops?`,
      children: (
        <Text size="sm">
          {action === "stop"
            ? "Their home volumes are kept; users can power them on again."
            : "The desktops and their home volumes are deleted. This cannot be undone."}
        </Text>
      ),
      labels: { confirm: action === "stop" ? "Power off" : "Delete", cancel: "Cancel" },
      confirmProps: { color: action === "stop" ? "orange" : "red" },
      onConfirm: async () => {
        await bulk.run(action, ids);
        setSelected(new Set());
      },
    });
  };

  const page = cursors.length;
  return (
    <Stack>
      {!clusterId && <Title order={2}>Desktops</Title>}
      <Group align="flex-end" gap="sm">
        <Select
          label="State"
          placeholder="Any"
          clearable
          data={ALL_STATES}
          value={state}
          onChange={setState}
          w={150}
        />
        <Select
          label="Health"
          placeholder="Any"
          clearable
          data={[
            { value: "DEGRADED", label: "Degraded" },
            { value: "OK", label: "OK" },
          ]}
          value={health}
          onChange={setHealth}
          w={130}
        />
        {!clusterId && (
          <Select
            label="Cluster"
            placeholder="Any"
            clearable
            searchable
            data={(clusters.data?.clusters ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={cluster}
            onChange={setCluster}
            w={200}
          />
        )}
        <Select
          label="Template"
          placeholder="Any"
          clearable
          searchable
          data={(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: t.name }))}
          value={template}
          onChange={setTemplate}
          w={200}
        />
        <TextInput
          label="Owner"
          placeholder="User name"
          value={ownerInput}
          onChange={(e) => setOwnerInput(e.currentTarget.value)}
          w={160}
        />
        <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={refetch}>
          Refresh
        </Button>
      </Group>
      <Group justify="space-between">
        <Text size="sm" c="dimmed" aria-live="polite">
          {totalCount} desktops · page {page}
          {selected.size > 0 && ` · ${selected.size} selected`}
        </Text>
        <Group gap="xs">
          <Button
            size="xs"
            color="orange"
            variant="light"
            leftSection={<IconPlayerStop size={16} />}
            disabled={selected.size === 0}
            loading={bulk.running}
            onClick={() => confirm("stop")}
          >
            Power off
          </Button>
          <Button
            size="xs"
            color="red"
            variant="light"
            leftSection={<IconTrash size={16} />}
            disabled={selected.size === 0}
            loading={bulk.running}
            onClick={() => confirm("delete")}
          >
            Delete
          </Button>
        </Group>
      </Group>
      {bulk.outcome && (
        <Alert
          color={bulk.outcome.failures.length ? "orange" : "green"}
          withCloseButton
          onClose={bulk.clear}
          title={`${bulk.outcome.done} done, ${bulk.outcome.failures.length} failed`}
        >
          {bulk.outcome.failures.slice(0, 5).map((f) => (
            <div key={f.id}>
              {f.id}: {f.problem.message} ({f.problem.code})
            </div>
          ))}
        </Alert>
      )}
      <ErrorAlert error={error} title="Desktops could not be loaded" />
      <ErrorAlert error={liveError} title="Live updates are interrupted" />
      {fetching ? (
        <Loader aria-label="Loading desktops" />
      ) : desktops.length === 0 ? (
        <Text c="dimmed">No desktops match.</Text>
      ) : (
        <DesktopsTable
          desktops={desktops}
          selected={selected}
          onSelectedChange={setSelected}
          showCluster={!clusterId}
        />
      )}
      <Group justify="flex-end">
        <Button
          variant="default"
          size="xs"
          disabled={page === 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Previous
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!pageInfo?.hasNextPage}
          onClick={() => pageInfo?.endCursor && setCursors((c) => [...c, pageInfo.endCursor!])}
        >
          Next
        </Button>
      </Group>
    </Stack>
  );
}
