import {
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { modals } from "@mantine/modals";
import { useEffect, useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { IconPlus, IconTrash } from "../common/icons";
import {
  ClustersDocument,
  CreatePoolDocument,
  DeletePoolDocument,
  PoolsDocument,
  TemplatesDocument,
  UpdatePoolDocument,
  type PoolFieldsFragment,
} from "../gql/graphql";

/** How often the list is read again, so ready and starting counts move while the keeper works. */
export const POOLS_REFRESH_MS = 3000;
const MAX_SIZE = 1000;

/** A pool's name in labels and dialogs: "xfce in eu-west/eu-west-1a" or "xfce in eu-west/any". */
export const poolName = (p: PoolFieldsFragment) =>
  `${p.template.name} in ${p.region}/${p.zone ?? "any"}`;

/** Admin: warm pools, each keeping desktops of a template running in a region ahead of demand. */
export function PoolsPage() {
  const [result, reexecute] = useQuery({ query: PoolsDocument });
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    const timer = setInterval(() => reexecute({ requestPolicy: "network-only" }), POOLS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reexecute]);
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  const pools = result.data?.pools ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Warm pools</Title>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
          New pool
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        A pool keeps desktops of a template running in a region. A user who launches that template
        there with its own size gets one at once, and the pool starts a replacement.
      </Text>
      <ErrorAlert error={result.error} title="Pools could not be loaded" />
      {result.fetching && !result.data ? (
        <Loader aria-label="Loading pools" />
      ) : pools.length === 0 ? (
        <Text c="dimmed">No warm pools yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped aria-label="Warm pools">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Template</Table.Th>
                <Table.Th>Region</Table.Th>
                <Table.Th>Zone</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>Ready</Table.Th>
                <Table.Th>Starting</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pools.map((p) => (
                <PoolRow key={p.id} pool={p} onChanged={refresh} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CreatePoolModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          refresh();
        }}
      />
    </Stack>
  );
}

/** One pool: its counts, its size changed in place, and its removal after a confirmation. */
function PoolRow({ pool, onChanged }: { pool: PoolFieldsFragment; onChanged: () => void }) {
  // null while untouched: the field then follows the server's size (another admin may change it).
  const [draft, setDraft] = useState<number | string | null>(null);
  const [update, updatePool] = useMutation(UpdatePoolDocument);
  const [del, deletePool] = useMutation(DeletePoolDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const name = poolName(pool);
  const size = draft ?? pool.size;
  const wanted = typeof size === "number" ? size : Number.NaN;
  const valid = Number.isInteger(wanted) && wanted >= 0 && wanted <= MAX_SIZE;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    setError(null);
    const r = await updatePool({ id: pool.id, size: wanted });
    if (r.error) setError(r.error);
    else {
      setDraft(null);
      onChanged();
    }
  };

  const confirmDelete = () =>
    modals.openConfirmModal({
      title: `Delete pool ${name}?`,
      children: (
        <Text size="sm">
          Its unclaimed desktops are deleted. Desktops users already got from it stay theirs.
        </Text>
      ),
      labels: { confirm: "Delete pool", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        void (async () => {
          setError(null);
          const r = await deletePool({ id: pool.id });
          if (r.error) setError(r.error);
          else onChanged();
        })(),
    });

  return (
    <>
      <Table.Tr data-testid="pool-row" data-pool={name}>
        <Table.Td>
          <Text size="sm" fw={500}>
            {pool.template.name}
          </Text>
        </Table.Td>
        <Table.Td>{pool.region}</Table.Td>
        <Table.Td>{pool.zone ?? <Text c="dimmed">any</Text>}</Table.Td>
        <Table.Td>
          <form onSubmit={save}>
            <Group gap={4} wrap="nowrap">
              <NumberInput
                aria-label={`Size of pool ${name}`}
                size="xs"
                w={90}
                min={0}
                max={MAX_SIZE}
                allowDecimal={false}
                allowNegative={false}
                value={size}
                onChange={setDraft}
                error={!valid}
              />
              {draft !== null && wanted !== pool.size && (
                <Button
                  type="submit"
                  size="xs"
                  variant="light"
                  disabled={!valid}
                  loading={update.fetching}
                  aria-label={`Save size of pool ${name}`}
                >
                  Save
                </Button>
              )}
            </Group>
          </form>
        </Table.Td>
        <Table.Td data-testid="pool-ready">
          <Badge color={pool.ready >= pool.size ? "teal" : "yellow"} variant="light">
            {pool.ready} ready
          </Badge>
        </Table.Td>
        <Table.Td data-testid="pool-starting">{pool.starting} starting</Table.Td>
        <Table.Td>
          {pool.statusReason ? (
            <Text size="sm" c="orange">
              {pool.statusReason}
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              —
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          <Button
            size="xs"
            variant="subtle"
            color="red"
            leftSection={<IconTrash size={14} />}
            loading={del.fetching}
            aria-label={`Delete pool ${name}`}
            onClick={confirmDelete}
          >
            Delete
          </Button>
        </Table.Td>
      </Table.Tr>
      {error && (
        <Table.Tr>
          <Table.Td colSpan={8}>
            <ErrorAlert
              error={error}
              title={`Pool ${name} could not be changed`}
              onClose={() => setError(null)}
            />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

/** The dialog that creates a pool: a template, a region of the fleet, optionally a zone, a size. */
export function CreatePoolModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [templates] = useQuery({ query: TemplatesDocument, pause: !opened });
  const [clusters] = useQuery({ query: ClustersDocument, pause: !opened });
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [region, setRegion] = useState<string | null>(null);
  const [zone, setZone] = useState<string | null>(null);
  const [size, setSize] = useState<number | string>(1);
  const [result, create] = useMutation(CreatePoolDocument);

  const regions = useMemo(
    () => [...new Set(clusters.data?.clusters.map((c) => c.region) ?? [])].sort(),
    [clusters.data],
  );
  const zones = useMemo(
    () =>
      [
        ...new Set(
          (clusters.data?.clusters ?? [])
            .filter((c) => c.region === region && c.zone)
            .map((c) => c.zone as string),
        ),
      ].sort(),
    [clusters.data, region],
  );
  const wanted = typeof size === "number" ? size : Number.NaN;
  const validSize = Number.isInteger(wanted) && wanted >= 0 && wanted <= MAX_SIZE;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!templateId || !region || !validSize) return;
    const r = await create({ input: { templateId, region, zone, size: wanted } });
    if (!r.error) {
      setTemplateId(null);
      setRegion(null);
      setZone(null);
      setSize(1);
      onCreated();
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="New warm pool">
      <form onSubmit={submit}>
        <Stack>
          <ErrorAlert error={templates.error} title="Templates could not be loaded" />
          <ErrorAlert error={clusters.error} title="Regions could not be loaded" />
          <Select
            data-autofocus
            label="Template"
            placeholder={templates.fetching ? "Loading…" : "Choose a template"}
            required
            searchable
            data={(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: t.name }))}
            value={templateId}
            onChange={setTemplateId}
            nothingFoundMessage="No templates yet"
          />
          <Select
            label="Region"
            placeholder="Choose a region"
            required
            data={regions}
            value={region}
            onChange={(r) => {
              setRegion(r);
              setZone(null);
            }}
          />
          <Select
            label="Zone"
            description="Leave empty to serve launches in any zone of the region"
            placeholder="Any zone"
            clearable
            disabled={!region}
            data={zones}
            value={zone}
            onChange={setZone}
          />
          <NumberInput
            label="Size"
            description="Desktops kept ready, 0 to 1000"
            required
            min={0}
            max={MAX_SIZE}
            allowDecimal={false}
            allowNegative={false}
            value={size}
            onChange={setSize}
            error={validSize ? undefined : "Between 0 and 1000"}
          />
          <ErrorAlert error={result.error} title="The pool could not be created" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={result.fetching}
              disabled={!templateId || !region || !validSize}
            >
              Create pool
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
