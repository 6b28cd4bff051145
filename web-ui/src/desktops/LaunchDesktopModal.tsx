import { Button, Group, Modal, Select, Stack, TextInput } from "@mantine/core";
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory } from "../common/format";
import { ClustersDocument, CreateDesktopDocument, TemplatesDocument } from "../gql/graphql";
import { AppLayerPicker } from "./AppLayerPicker";

/** Launches a desktop from a template; placement picks the cluster (a region is a preference). */
export function LaunchDesktopModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [templates] = useQuery({ query: TemplatesDocument, pause: !opened });
  const [clusters] = useQuery({ query: ClustersDocument, pause: !opened });
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [region, setRegion] = useState<string | null>(null);
  const [apps, setApps] = useState<string[]>([]);
  const [result, create] = useMutation(CreateDesktopDocument);

  const regions = useMemo(
    () => [...new Set(clusters.data?.clusters.map((c) => c.region) ?? [])].sort(),
    [clusters.data],
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!templateId) return;
    const r = await create({
      input: {
        templateId,
        name: name.trim() || undefined,
        region: region ?? undefined,
        apps: apps.length > 0 ? apps : undefined,
        // Idempotency: a double click or a retry yields the same desktop.
        requestId: crypto.randomUUID(),
      },
    });
    if (!r.error) {
      setName("");
      onClose();
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Launch a desktop">
      <form onSubmit={submit}>
        <Stack>
          <ErrorAlert error={templates.error} title="Templates could not be loaded" />
          <Select
            // Opened from the keyboard, the dialog starts on its first field, not on "Close".
            data-autofocus
            label="Template"
            placeholder={templates.fetching ? "Loading…" : "Choose a template"}
            required
            searchable
            data={(templates.data?.templates ?? []).map((t) => ({
              value: t.id,
              label: `${t.name} — ${formatCpu(t.cpuMillis)}, ${formatMemory(t.memoryMiB)}`,
            }))}
            value={templateId}
            onChange={setTemplateId}
            nothingFoundMessage="No templates yet"
          />
          <TextInput
            label="Name"
            description="Defaults to the template's name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <AppLayerPicker
            opened={opened}
            included={templates.data?.templates.find((t) => t.id === templateId)?.apps}
            value={apps}
            onChange={setApps}
          />
          <Select
            label="Preferred region"
            placeholder="Nearest available"
            clearable
            data={regions}
            value={region}
            onChange={setRegion}
          />
          <ErrorAlert error={result.error} title="The desktop could not be launched" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={result.fetching} disabled={!templateId}>
              Launch
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
