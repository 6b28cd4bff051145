import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeClient } from "../test/fakeClient";
import { XFCE } from "../test/fixtures";
import { renderWithProviders } from "../test/render";
import { PoolsPage } from "./PoolsPage";

function pool(id: string, over: Record<string, unknown> = {}) {
  return {
    __typename: "Pool",
    id,
    region: "eu-west",
    zone: "eu-west-1a",
    size: 3,
    ready: 1,
    starting: 2,
    statusReason: null,
    createdAt: "2026-12-06T10:00:00Z",
    template: { __typename: "Template", id: "t1", name: "xfce" },
    ...over,
  };
}

const CLUSTERS = [
  { id: "c1", region: "eu-west", zone: "eu-west-1a" },
  { id: "c2", region: "eu-west", zone: "eu-west-1b" },
  { id: "c3", region: "cn-north", zone: "cn-north-1a" },
].map((c) => ({
  __typename: "Cluster",
  name: c.id,
  runtime: "simulated",
  ready: true,
  cordoned: false,
  heartbeatAt: null,
  architectures: ["amd64"],
  runtimeClasses: ["runc"],
  storageClasses: ["longhorn"],
  capacity: null,
  ...c,
}));

/** Picks `option` in the Mantine select labelled `label` inside `container`. */
async function choose(container: HTMLElement, label: string | RegExp, option: string) {
  await userEvent.click(within(container).getByRole("textbox", { name: label }));
  await userEvent.click(await screen.findByRole("option", { name: option, hidden: true }));
}

describe("PoolsPage", () => {
  it("lists pools with their size, ready and starting counts, zone or any, and reason", async () => {
    const api = fakeClient({
      Pools: () => ({
        pools: [
          pool("p1"),
          pool("p2", {
            region: "cn-north",
            zone: null,
            size: 2,
            ready: 0,
            starting: 0,
            statusReason: "no cluster has room",
          }),
        ],
      }),
    });
    renderWithProviders(<PoolsPage />, api.client);
    const rows = await screen.findAllByTestId("pool-row");
    expect(rows).toHaveLength(2);
    const [fra, bj] = rows;
    expect(
      within(fra).getByRole("textbox", { name: "Size of pool xfce in eu-west/eu-west-1a" }),
    ).toHaveValue("3");
    expect(within(fra).getByTestId("pool-ready")).toHaveTextContent("1 ready");
    expect(within(fra).getByTestId("pool-starting")).toHaveTextContent("2 starting");
    expect(fra).toHaveTextContent("eu-west-1a");
    expect(bj).toHaveAttribute("data-pool", "xfce in cn-north/any");
    expect(within(bj).getByRole("cell", { name: "any" })).toBeInTheDocument();
    expect(within(bj).getByTestId("pool-ready")).toHaveTextContent("0 ready");
    expect(bj).toHaveTextContent("no cluster has room");
  });

  it(
    "reads the list again so the counts move while the pool fills",
    { timeout: 15_000 },
    async () => {
      let ready = 0;
      const api = fakeClient({
        Pools: () => ({ pools: [pool("p1", { size: 1, ready: ready++, starting: 0 })] }),
      });
      renderWithProviders(<PoolsPage />, api.client);
      const row = await screen.findByTestId("pool-row");
      expect(within(row).getByTestId("pool-ready")).toHaveTextContent("0 ready");
      await waitFor(
        () => expect(within(row).getByTestId("pool-ready")).toHaveTextContent("1 ready"),
        { timeout: 8000 },
      );
    },
  );

  it(
    "creates a pool with the chosen template, region, zone and size",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({
        Pools: () => ({ pools: [] }),
        Templates: () => ({ templates: [XFCE] }),
        Clusters: () => ({ clusters: CLUSTERS }),
        CreatePool: ({ input }) => ({ createPool: pool("p9", input as Record<string, unknown>) }),
      });
      renderWithProviders(<PoolsPage />, api.client);
      await screen.findByText("No warm pools yet.");
      await userEvent.click(screen.getByRole("button", { name: "New pool" }));
      const dialog = await screen.findByRole("dialog", { name: "New warm pool" });
      await choose(dialog, "Template", "xfce");
      await choose(dialog, "Region", "eu-west");
      // Only the zones of the chosen region are offered.
      await userEvent.click(within(dialog).getByRole("textbox", { name: /^Zone/ }));
      expect(
        await screen.findByRole("option", { name: "eu-west-1b", hidden: true }),
      ).toBeInTheDocument();
      expect(
        screen.queryByRole("option", { name: "cn-north-1a", hidden: true }),
      ).not.toBeInTheDocument();
      await userEvent.click(screen.getByRole("option", { name: "eu-west-1b", hidden: true }));
      const size = within(dialog).getByRole("textbox", { name: /^Size/ });
      await userEvent.clear(size);
      await userEvent.type(size, "4");
      await userEvent.click(within(dialog).getByRole("button", { name: "Create pool" }));
      await waitFor(() =>
        expect(api.calls).toContainEqual({
          name: "CreatePool",
          variables: {
            input: { templateId: "t1", region: "eu-west", zone: "eu-west-1b", size: 4 },
          },
        }),
      );
      await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    },
  );

  it(
    "shows a CONFLICT with the API's reason and keeps the dialog open",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({
        Pools: () => ({ pools: [pool("p1")] }),
        Templates: () => ({ templates: [XFCE] }),
        Clusters: () => ({ clusters: CLUSTERS }),
        CreatePool: () =>
          apiError("CONFLICT", "a pool of xfce in eu-west/eu-west-1a already exists"),
      });
      renderWithProviders(<PoolsPage />, api.client);
      await userEvent.click(await screen.findByRole("button", { name: "New pool" }));
      const dialog = await screen.findByRole("dialog", { name: "New warm pool" });
      await choose(dialog, "Template", "xfce");
      await choose(dialog, "Region", "eu-west");
      await userEvent.click(within(dialog).getByRole("button", { name: "Create pool" }));
      const alert = await within(dialog).findByRole("alert");
      expect(alert).toHaveTextContent("a pool of xfce in eu-west/eu-west-1a already exists");
      expect(alert).toHaveTextContent("CONFLICT");
      // No zone chosen: the pool serves any zone.
      expect(api.calls).toContainEqual({
        name: "CreatePool",
        variables: { input: { templateId: "t1", region: "eu-west", zone: null, size: 1 } },
      });
      expect(screen.getByRole("dialog", { name: "New warm pool" })).toBeInTheDocument();
    },
  );

  it("changes a pool's size in place", async () => {
    const api = fakeClient({
      Pools: () => ({ pools: [pool("p1")] }),
      UpdatePool: ({ id, size }) => ({ updatePool: pool(id as string, { size }) }),
    });
    renderWithProviders(<PoolsPage />, api.client);
    const field = await screen.findByRole("textbox", {
      name: "Size of pool xfce in eu-west/eu-west-1a",
    });
    await userEvent.clear(field);
    await userEvent.type(field, "5");
    await userEvent.click(
      screen.getByRole("button", { name: "Save size of pool xfce in eu-west/eu-west-1a" }),
    );
    await waitFor(() =>
      expect(api.calls).toContainEqual({ name: "UpdatePool", variables: { id: "p1", size: 5 } }),
    );
  });

  it("deletes a pool only after confirmation, and shows NOT_FOUND", async () => {
    const api = fakeClient({
      Pools: () => ({ pools: [pool("p1")] }),
      DeletePool: () => apiError("NOT_FOUND", "no pool with id p1"),
    });
    renderWithProviders(<PoolsPage />, api.client);
    await userEvent.click(
      await screen.findByRole("button", { name: "Delete pool xfce in eu-west/eu-west-1a" }),
    );
    const confirm = await screen.findByRole("dialog", {
      name: "Delete pool xfce in eu-west/eu-west-1a?",
    });
    expect(api.calls.some((c) => c.name === "DeletePool")).toBe(false);
    await userEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(api.calls.some((c) => c.name === "DeletePool")).toBe(false);
    await userEvent.click(
      screen.getByRole("button", { name: "Delete pool xfce in eu-west/eu-west-1a" }),
    );
    await userEvent.click(
      within(
        await screen.findByRole("dialog", { name: "Delete pool xfce in eu-west/eu-west-1a?" }),
      ).getByRole("button", { name: "Delete pool" }),
    );
    await waitFor(() =>
      expect(api.calls).toContainEqual({ name: "DeletePool", variables: { id: "p1" } }),
    );
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("no pool with id p1");
    expect(alert).toHaveTextContent("NOT_FOUND");
  });
});
