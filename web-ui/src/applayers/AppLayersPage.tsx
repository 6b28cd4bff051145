import { Button, Group, Loader, Modal, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatTime } from "../common/format";
import { IconPlus } from "../common/icons";
import { AppLayersDocument, CreateAppLayerDocument } from "../gql/graphql";
import { appLayerRules, layerLabel } from "./layers";

/** Admin: the catalogue of application layers templates and launches may add to a desktop. */
export function AppLayersPage() {
  const [result, reexecute] = useQuery({ query: AppLayersDocument });
  const [creating, setCreating] = useState(false);
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
        their desktops start with, and users may add more at launch. Layers never change and are
        never deleted; a new version of a program is a new layer.
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
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {layers.map((l) => (
                <Table.Tr key={l.id} data-testid="app-layer-row" data-layer={layerLabel(l)}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {l.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>{l.version}</Table.Td>
                  <Table.Td style={{ overflowWrap: "anywhere" }}>
                    <code>{l.image}</code>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatTime(l.createdAt)}</Text>
                  </Table.Td>
                </Table.Tr>
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
          reexecute({ requestPolicy: "network-only" });
        }}
      />
    </Stack>
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
