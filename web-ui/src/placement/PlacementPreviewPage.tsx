import {
  Accordion,
  Alert,
  Badge,
  Button,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import type { FormEvent } from "react";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import {
  PlacementPreviewDocument,
  TemplatesDocument,
  UsersDocument,
  type PlacementPreviewInput,
} from "../gql/graphql";

/** Admin: "why did my desktop land there?" — every cluster's filters and scores for a request. */
export function PlacementPreviewPage() {
  const [templates] = useQuery({ query: TemplatesDocument });
  const [users] = useQuery({ query: UsersDocument });
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [owner, setOwner] = useState<string | null>(null);
  const [region, setRegion] = useState("");
  const [zone, setZone] = useState("");
  const [input, setInput] = useState<PlacementPreviewInput | null>(null);
  const [preview] = useQuery({
    query: PlacementPreviewDocument,
    variables: { input: input! },
    pause: !input,
    requestPolicy: "network-only",
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!templateId) return;
    setInput({
      templateId,
      owner: owner ?? undefined,
      region: region.trim() || undefined,
      zone: zone.trim() || undefined,
    });
  };

  const p = preview.data?.placementPreview;
  const verdicts = [...(p?.clusters ?? [])].sort(
    (a, b) => Number(b.feasible) - Number(a.feasible) || (b.totalScore ?? 0) - (a.totalScore ?? 0),
  );

  return (
    <Stack>
      <Title order={2}>Placement preview</Title>
      <Text size="sm" c="dimmed">
        Explains where a desktop would land and why, for every cluster. Nothing is reserved.
      </Text>
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm">
          <Select
            label="Template"
            required
            searchable
            data={(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: t.name }))}
            value={templateId}
            onChange={setTemplateId}
            w={220}
          />
          <Select
            label="User"
            placeholder="Me"
            clearable
            searchable
            data={(users.data?.users ?? []).map((u) => u.username)}
            value={owner}
            onChange={setOwner}
            w={180}
          />
          <TextInput
            label="Region"
            value={region}
            onChange={(e) => setRegion(e.currentTarget.value)}
            w={140}
          />
          <TextInput
            label="Zone"
            value={zone}
            onChange={(e) => setZone(e.currentTarget.value)}
            w={140}
          />
          <Button type="submit" disabled={!templateId} loading={preview.fetching}>
            Explain
          </Button>
        </Group>
      </form>
      <ErrorAlert error={preview.error} title="Placement could not be previewed" />
      {p && (
        <>
          <Alert
            color={p.schedulable ? "green" : "red"}
            title={
              p.schedulable
                ? `Would land on ${p.clusterName} / ${p.nodeGroup} (score ${p.score})`
                : "Unschedulable"
            }
            data-testid="placement-summary"
          >
            {p.summary}
          </Alert>
          <Accordion multiple variant="separated">
            {verdicts.map((v) => (
              <Accordion.Item key={v.clusterId} value={v.clusterId} data-testid="verdict">
                <Accordion.Control>
                  <Group justify="space-between" pr="md">
                    <Group gap="xs">
                      <Text fw={500}>{v.clusterName}</Text>
                      {v.clusterId === p.clusterId && <Badge color="green">chosen</Badge>}
                    </Group>
                    <Group gap="xs">
                      <Badge color={v.feasible ? "teal" : "red"} variant="light">
                        {v.feasible ? "feasible" : "filtered out"}
                      </Badge>
                      {v.totalScore != null && (
                        <Badge variant="outline">score {v.totalScore}</Badge>
                      )}
                    </Group>
                  </Group>
                </Accordion.Control>
                <Accordion.Panel>
                  <Table>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Filter</Table.Th>
                        <Table.Th>Result</Table.Th>
                        <Table.Th>Reason</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {v.filters.map((f) => (
                        <Table.Tr key={f.plugin}>
                          <Table.Td>{f.plugin}</Table.Td>
                          <Table.Td>
                            <Badge color={f.passed ? "teal" : "red"} variant="light" size="sm">
                              {f.passed ? "passed" : "failed"}
                            </Badge>
                          </Table.Td>
                          <Table.Td>{f.reason ?? ""}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                  {v.scores.length > 0 && (
                    <Table mt="sm">
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Score plugin</Table.Th>
                          <Table.Th>Score (0–100)</Table.Th>
                          <Table.Th>Weight</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {v.scores.map((s) => (
                          <Table.Tr key={s.plugin}>
                            <Table.Td>{s.plugin}</Table.Td>
                            <Table.Td>{s.score}</Table.Td>
                            <Table.Td>{s.weight}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  )}
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        </>
      )}
    </Stack>
  );
}
