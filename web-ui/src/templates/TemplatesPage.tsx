import {
  Button,
  Group,
  Loader,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { IconPlus } from "../common/icons";
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory } from "../common/format";
import { CreateTemplateDocument, TemplatesDocument, type TemplateInput } from "../gql/graphql";

/** Admin: desktop templates (the API offers list and create; there is no update yet). */
export function TemplatesPage() {
  const [result] = useQuery({ query: TemplatesDocument });
  const [creating, setCreating] = useState(false);
  const templates = result.data?.templates ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Templates</Title>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
          New template
        </Button>
      </Group>
      <ErrorAlert error={result.error} title="Templates could not be loaded" />
      {result.fetching && !result.data ? (
        <Loader aria-label="Loading templates" />
      ) : templates.length === 0 ? (
        <Text c="dimmed">No templates yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Image</Table.Th>
                <Table.Th>Resources</Table.Th>
                <Table.Th>Isolation</Table.Th>
                <Table.Th>Storage</Table.Th>
                <Table.Th>Arch</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {templates.map((t) => (
                <Table.Tr key={t.id} data-testid="template-row" data-template={t.name}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {t.name}
                    </Text>
                    {t.description && (
                      <Text size="xs" c="dimmed">
                        {t.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <code>{t.image}</code>
                  </Table.Td>
                  <Table.Td>
                    {formatCpu(t.cpuMillis)}, {formatMemory(t.memoryMiB)}
                  </Table.Td>
                  <Table.Td>{t.runtimeClass}</Table.Td>
                  <Table.Td>
                    {t.storageClass}, {t.homeVolumeGiB} GiB
                  </Table.Td>
                  <Table.Td>{t.arch ?? "any"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CreateTemplateModal opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}

const EMPTY: TemplateInput = {
  name: "",
  image: "",
  cpuMillis: 2000,
  memoryMiB: 4096,
  homeVolumeGiB: 10,
  runtimeClass: "runc",
  storageClass: "longhorn",
  description: "",
  arch: null,
};

export function CreateTemplateModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [input, setInput] = useState<TemplateInput>(EMPTY);
  const [result, create] = useMutation(CreateTemplateDocument);
  const set = <K extends keyof TemplateInput>(key: K, value: TemplateInput[K]) =>
    setInput((i) => ({ ...i, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create({
      input: { ...input, description: input.description || null, arch: input.arch || null },
    });
    if (!r.error) {
      setInput(EMPTY);
      onClose();
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="New template" size="lg">
      <form onSubmit={submit}>
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Name"
              required
              value={input.name}
              onChange={(e) => set("name", e.currentTarget.value)}
            />
            <TextInput
              label="Image"
              required
              placeholder="opencdi/desktop-xfce:1"
              value={input.image}
              onChange={(e) => set("image", e.currentTarget.value)}
            />
            <NumberInput
              label="CPU (millicores)"
              required
              min={1}
              step={250}
              value={input.cpuMillis}
              onChange={(v) => set("cpuMillis", Number(v))}
            />
            <NumberInput
              label="Memory (MiB)"
              required
              min={1}
              step={256}
              value={input.memoryMiB}
              onChange={(v) => set("memoryMiB", Number(v))}
            />
            <NumberInput
              label="Home volume (GiB)"
              min={1}
              value={input.homeVolumeGiB ?? undefined}
              onChange={(v) => set("homeVolumeGiB", Number(v))}
            />
            <Select
              label="Isolation runtime"
              data={["runc", "gvisor", "kata"]}
              allowDeselect={false}
              value={input.runtimeClass ?? "runc"}
              onChange={(v) => set("runtimeClass", v)}
            />
            <TextInput
              label="Storage class"
              value={input.storageClass ?? ""}
              onChange={(e) => set("storageClass", e.currentTarget.value)}
            />
            <Select
              label="CPU architecture"
              placeholder="Any"
              clearable
              data={["amd64", "arm64"]}
              value={input.arch ?? null}
              onChange={(v) => set("arch", v)}
            />
          </SimpleGrid>
          <Textarea
            label="Description"
            value={input.description ?? ""}
            onChange={(e) => set("description", e.currentTarget.value)}
          />
          <ErrorAlert error={result.error} title="The template could not be created" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={result.fetching}>
              Create template
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
