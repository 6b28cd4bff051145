import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { failingClient } from "../test/failingClient";
import { renderWithProviders } from "../test/render";
import { ClusterNodes } from "./ClusterNodes";

const node = (name: string, used: number | null, ready = true) => ({
  __typename: "ClusterNode",
  name,
  arch: "amd64",
  ready,
  cpuMillis: 16000,
  memoryMiB: 65536,
  usedCpuMillis: used,
  usedMemoryMiB: used == null ? null : 2048,
  desktops: 3,
});

describe("ClusterNodes", () => {
  it("lists the nodes with their use and reads them again on refresh", async () => {
    const api = fakeClient({
      ClusterNodes: ({ id }) => ({
        cluster: {
          __typename: "Cluster",
          id,
          name: "bj-1",
          nodes: [node("n1", 2500), node("n2", null, false)],
        },
      }),
    });
    renderWithProviders(<ClusterNodes clusterId="c1" />, api.client);
    const rows = await screen.findAllByRole("row");
    expect(rows[1]).toHaveTextContent("n1amd64ready2.5 CPU / 16 CPU2 GiB / 64 GiB3");
    expect(rows[2]).toHaveTextContent("not taking desktops");
    expect(rows[2]).toHaveTextContent("no metrics / 16 CPU");

    await userEvent.click(screen.getByRole("button", { name: "Refresh" }));
    expect(api.calls.filter((c) => c.name === "ClusterNodes").length).toBeGreaterThanOrEqual(2);
  });

  it("shows why the nodes are missing", async () => {
    const client = failingClient("CLUSTER_UNAVAILABLE", "the agent of cluster bj-1 is away");
    renderWithProviders(<ClusterNodes clusterId="c1" />, client);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("CLUSTER_UNAVAILABLE");
  });
});
