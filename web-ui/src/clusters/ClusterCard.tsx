import { Anchor, Badge, Button, Card, Group, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { useMutation } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { formatCpu, formatMemory } from "../common/format";
import { CordonClusterDocument, type ClusterFieldsFragment } from "../gql/graphql";
import { CapacityBar } from "./CapacityBar";

export function HealthBadges({ cluster }: { cluster: ClusterFieldsFragment }) {
  return (
    <Group gap={4}>
      <Badge color={cluster.ready ? "green" : "red"} variant="light">
        {cluster.ready ? "Ready" : "Not ready"}
      </Badge>
      {cluster.cordoned && (
        <Badge color="orange" variant="filled" data-testid="cordoned">
          Cordoned
        </Badge>
      )}
    </Group>
  );
}

/** Cordon or uncordon, with the API's answer shown next to the button. */
export function CordonButton({ cluster }: { cluster: ClusterFieldsFragment }) {
  const [result, cordon] = useMutation(CordonClusterDocument);
  const [dismissed, setDismissed] = useState(false);
  return (
    <Stack gap={4}>
      <Button
        size="xs"
        variant="light"
        color={cluster.cordoned ? "teal" : "orange"}
        loading={result.fetching}
        aria-label={`${cluster.cordoned ? "Uncordon" : "Cordon"} ${cluster.name}`}
        onClick={() => {
          setDismissed(false);
          void cordon({ id: cluster.id, cordoned: !cluster.cordoned });
        }}
      >
        {cluster.cordoned ? "Uncordon" : "Cordon"}
      </Button>
      {!dismissed && (
        <ErrorAlert error={result.error} title="Cordon failed" onClose={() => setDismissed(true)} />
      )}
    </Stack>
  );
}

export function ClusterCard({ cluster }: { cluster: ClusterFieldsFragment }) {
  const c = cluster.capacity;
  return (
    <Card
      withBorder
      padding="md"
      radius="md"
      data-testid="cluster-card"
      data-cluster={cluster.name}
    >
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Anchor component={Link} to={`/admin/clusters/${cluster.id}`} fw={600}>
            {cluster.name}
          </Anchor>
          <HealthBadges cluster={cluster} />
        </Group>
        <Text size="xs" c="dimmed">
          {cluster.runtime} · {cluster.architectures.join(", ")} ·{" "}
          {cluster.runtimeClasses.join(", ")}
        </Text>
        <CapacityBar
          label="CPU"
          used={c.allocatedCpuMillis}
          total={c.allocatableCpuMillis}
          format={formatCpu}
        />
        <CapacityBar
          label="Memory"
          used={c.allocatedMemoryMiB}
          total={c.allocatableMemoryMiB}
          format={formatMemory}
        />
        <CapacityBar label="Desktops" used={c.allocatedDesktops} total={c.allocatableDesktops} />
        <Group justify="flex-end">
          <CordonButton cluster={cluster} />
        </Group>
      </Stack>
    </Card>
  );
}
