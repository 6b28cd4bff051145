import {
  Button,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { modals } from "@mantine/modals";
import { useState } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatTime } from "../common/format";
import { IconPlus, IconTrash } from "../common/icons";
import {
  AppLayersDocument,
  CreateAppLayerDocument,
  DeleteAppLayerDocument,
  type AppLayerFieldsFragment,
} from "../gql/graphql";
import { appLayerRules, layerLabel } from "./layers";

/** Admin: the catalogue of application layers templates and launches may add to a desktop. */
export function AppLayersPage() {
  const [result, reexecute] = useQuery({ query: AppLayersDocument });
  const [creating, setCreating] = useState(false);
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  const layers = result.data?.appLayers ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>App layers</Title>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
          New app layer
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        A layer adds programs to a desktop without a new desktop image: templates name the layers
        their desktops start with, and users may add more at launch. Layers never change; a new
        version of a program is a new layer. A layer no template names can be deleted: launches can
        no longer add it, and desktops that have it keep it.
      </Text>
      <ErrorAlert error={result.error} title="App layers could not be loaded" />
      {result.fetching && !result.data ? (
        <Loader aria-label="Loading app layers" />
      ) : layers.length === 0 ? (
        <Text c="dimmed">No app layers yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={700}>
          <Table striped aria-label="App layers">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Version</Table.Th>
                <Table.Th>Image</Table.Th>
                <Table.Th>Added</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {layers.map((l) => (
                <AppLayerRow key={l.id} layer={l} onDeleted={refresh} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CreateAppLayerModal
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

/**
 * One layer, and its removal from the catalogue after a confirmation. A refusal (CONFLICT while a
 * template names the layer) shows under the row with the gateway's reason; the row stays.
 */
function AppLayerRow({
  layer,
  onDeleted,
}: {
  layer: AppLayerFieldsFragment;
  onDeleted: () => void;
}) {
  const [del, deleteLayer] = useMutation(DeleteAppLayerDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const label = layerLabel(layer);

  const confirmDelete = () =>
    modals.openConfirmModal({
      title: `Delete app layer ${label}?`,
      children: (
        <Text size="sm">
          Templates and launches can no longer add {label}. Desktops that have it keep it.
        </Text>
      ),
      labels: { confirm: "Delete app layer", cancel: "Cancel" },
      confirmProps: { color: "red" },
      onConfirm: () =>
        void (async () => {
          setError(null);
          const r = await deleteLayer({ id: layer.id });
          if (r.error) setError(r.error);
          else onDeleted();
        })(),
    });

  return (
    <>
      <Table.Tr data-testid="app-layer-row" data-layer={label}>
        <Table.Td>
          <Text size="sm" fw={500}>
            {layer.name}
          </Text>
        </Table.Td>
        <Table.Td>{layer.version}</Table.Td>
        <Table.Td style={{ overflowWrap: "anywhere" }}>
          <code>{layer.image}</code>
        </Table.Td>
        <Table.Td>
          <Text size="sm">{formatTime(layer.createdAt)}</Text>
        </Table.Td>
        <Table.Td>
          <Button
            size="xs"
            variant="subtle"
            color="red"
            leftSection={<IconTrash size={14} />}
            loading={del.fetching}
            aria-label={`Delete app layer ${label}`}
            onClick={confirmDelete}
          >
            Delete
          </Button>
        </Table.Td>
      </Table.Tr>
      {error && (
        <Table.Tr>
          <Table.Td colSpan={5}>
            <ErrorAlert
              error={error}
              title={`App layer ${label} could not be deleted`}
              onClose={() => setError(null)}
            />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

interface LayerValues {
  name: string;
  version: string;
  image: string;
}

const EMPTY: LayerValues = { name: "", version: "", image: "" };

/** The dialog that adds a layer, checked as the gateway checks it; a refusal keeps it open. */
export function CreateAppLayerModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [result, create] = useMutation(CreateAppLayerDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const form = useForm<LayerValues>({
    mode: "controlled",
    initialValues: EMPTY,
    validate: appLayerRules,
  });

  const close = () => {
    setError(null);
    onClose();
  };

  const submit = form.onSubmit(async (values) => {
    setError(null);
    const r = await create({
      input: {
        name: values.name.trim(),
        version: values.version.trim(),
        image: values.image.trim(),
      },
    });
    if (r.error) setError(r.error);
    else {
      form.reset();
      onCreated();
    }
  });

  return (
    <Modal opened={opened} onClose={close} title="New app layer">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            data-autofocus
            label="Name"
            description="The program, as a DNS label, such as gimp"
            required
            {...form.getInputProps("name")}
          />
          <TextInput
            label="Version"
            placeholder="2.10.3"
            required
            {...form.getInputProps("version")}
          />
          <TextInput
            label="Image"
            description="An OCI image holding the layer's files at its root"
            placeholder="registry.example.org/apps/gimp:2.10.3"
            required
            {...form.getInputProps("image")}
          />
          <ErrorAlert error={error} title="The app layer could not be added" />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={result.fetching}>
              Add app layer
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
