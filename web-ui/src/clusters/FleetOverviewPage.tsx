import {
  Card,
  Center,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Text,
  Title,
  Skeleton,
} from "@mantine/core";
import { lazy, Suspense, useMemo } from "react";
import { ErrorAlert } from "../api/ErrorAlert";
import { ClusterCard } from "./ClusterCard";
import { fleetUsage, groupByRegionAndZone, useLiveClusters } from "./useLiveClusters";
import { useUtilisationHistory } from "./useUtilisationHistory";

const UtilisationChart = lazy(() => import("./UtilisationChart"));

/** Admin: every cluster by region and zone, live, with fleet utilisation over time. */
export function FleetOverviewPage() {
  const { clusters, fetching, error, liveError } = useLiveClusters();
  const usage = useMemo(() => (clusters.length ? fleetUsage(clusters) : null), [clusters]);
  const samples = useUtilisationHistory(usage);
  const groups = useMemo(() => groupByRegionAndZone(clusters), [clusters]);
  const ready = clusters.filter((c) => c.ready).length;
  const cordoned = clusters.filter((c) => c.cordoned).length;

  return (
    <Stack>
      <Title order={2}>Fleet</Title>
      <ErrorAlert error={error} title="Clusters could not be loaded" />
      <ErrorAlert error={liveError} title="Live updates are interrupted" />
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Stat label="Clusters" value={clusters.length} />
        <Stat label="Ready" value={ready} />
        <Stat label="Cordoned" value={cordoned} />
        <Stat label="CPU used" value={usage ? `${usage.cpu}%` : "—"} />
      </SimpleGrid>
      <Card withBorder>
        <Text fw={500} mb="xs">
          Utilisation while this page is open
        </Text>
        <Suspense fallback={<Skeleton h={260} />}>
          <UtilisationChart samples={samples} />
        </Suspense>
      </Card>
      {fetching ? (
        <Center p="xl">
          <Loader aria-label="Loading clusters" />
        </Center>
      ) : clusters.length === 0 ? (
        <Text c="dimmed">No cluster has registered yet. Start a cluster agent to add one.</Text>
      ) : (
        groups.map((g) => (
          <section key={g.region} aria-label={`Region ${g.region}`}>
            <Title order={3} mb="xs">
              {g.region}
            </Title>
            <Stack gap="md">
              {g.zones.map((z) => (
                <div key={z.zone}>
                  <Text size="sm" c="dimmed" mb={4}>
                    Zone {z.zone}
                  </Text>
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 3, xl: 4 }}>
                    {z.clusters.map((c) => (
                      <ClusterCard key={c.id} cluster={c} />
                    ))}
                  </SimpleGrid>
                </div>
              ))}
            </Stack>
          </section>
        ))
      )}
    </Stack>
  );
}

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <Card withBorder padding="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {label}
        </Text>
        <Text fw={700} size="lg">
          {value}
        </Text>
      </Group>
    </Card>
  );
}
