import { Button, Group, Loader, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { IconPencil, IconPlus } from "../common/icons";
import { useMemo, useState } from "react";
import { useMutation, useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { layerLabel } from "../applayers/layers";
import { formatCpu, formatMemory } from "../common/format";
import {
  CreateTemplateDocument,
  TemplatesDocument,
  UpdateTemplateDocument,
  type TemplateFieldsFragment,
} from "../gql/graphql";
import { EMPTY_TEMPLATE, TemplateFormModal, valuesOf } from "./TemplateFormModal";

/** Admin: desktop templates: list, create and edit. */
export function TemplatesPage() {
  const [result] = useQuery({ query: TemplatesDocument });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<TemplateFieldsFragment | null>(null);
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
                <Table.Th>Apps</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
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
                  <Table.Td data-testid="template-apps">
                    {t.apps.length > 0 ? (
                      t.apps.map(layerLabel).join(", ")
                    ) : (
                      <Text size="sm" c="dimmed">
                        none
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="subtle"
                      leftSection={<IconPencil size={14} />}
                      aria-label={`Edit template ${t.name}`}
                      onClick={() => setEditing(t)}
                    >
                      Edit
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CreateTemplateModal opened={creating} onClose={() => setCreating(false)} />
      <EditTemplateModal template={editing} onClose={() => setEditing(null)} />
    </Stack>
  );
}

/** Admin: the dialog that creates a template. */
export function CreateTemplateModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [result, create] = useMutation(CreateTemplateDocument);
  return (
    <TemplateFormModal
      opened={opened}
      title="New template"
      submitLabel="Create template"
      initial={EMPTY_TEMPLATE}
      error={result.error}
      submitting={result.fetching}
      onSubmit={async (input) => !(await create({ input })).error}
      onClose={onClose}
    />
  );
}

/** Admin: the dialog that changes a template; desktops created afterwards get the change. */
export function EditTemplateModal({
  template,
  onClose,
}: {
  template: TemplateFieldsFragment | null;
  onClose: () => void;
}) {
  const [result, update] = useMutation(UpdateTemplateDocument);
  const initial = useMemo(() => (template ? valuesOf(template) : EMPTY_TEMPLATE), [template]);
  return (
    <TemplateFormModal
      opened={template !== null}
      title={template ? `Edit template ${template.name}` : "Edit template"}
      submitLabel="Save changes"
      initial={initial}
      error={result.error}
      submitting={result.fetching}
      onSubmit={async (input) =>
        template !== null && !(await update({ id: template.id, input })).error
      }
      onClose={onClose}
    />
  );
}
