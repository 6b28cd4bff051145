import { Group, Progress, Text } from "@mantine/core";
import { percent } from "../common/format";

/** Used of total, as a labelled bar that turns orange then red as it fills. */
export function CapacityBar({
  label,
  used,
  total,
  format = String,
}: {
  label: string;
  used: number;
  total: number;
  format?: (n: number) => string;
}) {
  const p = percent(used, total);
  const color = p >= 90 ? "red" : p >= 70 ? "orange" : "teal";
  return (
    <div>
      <Group justify="space-between" gap={4}>
        <Text size="xs" fw={500}>
          {label}
        </Text>
        <Text size="xs" c="dimmed">
          {format(used)} / {format(total)}
        </Text>
      </Group>
      <Progress value={p} color={color} size="sm" aria-label={`${label}: ${Math.round(p)}% used`} />
    </div>
  );
}
