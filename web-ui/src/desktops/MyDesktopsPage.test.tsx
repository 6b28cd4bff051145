import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { XFCE, desktop } from "../test/fixtures";
import { renderSignedIn } from "../test/render";
import { MyDesktopsPage } from "./MyDesktopsPage";

// The viewer's noVNC is not loaded here; its tickets stay unanswered.
vi.mock("../display/novnc", () => ({
  preloadRfb: async () => ({}),
  openRfb: () => new Promise(() => {}),
}));

const alice = { id: "u-alice", username: "alice", role: "USER" } as const;
const list = (...nodes: ReturnType<typeof desktop>[]) => ({
  desktops: {
    totalCount: nodes.length,
    pageInfo: { hasNextPage: false, endCursor: null },
    edges: nodes.map((node) => ({ cursor: node.id, node })),
  },
});

describe("MyDesktopsPage", () => {
  afterEach(() => sessionStorage.clear());

  it("opens the viewer in a dialog named after the desktop", async () => {
    // The viewer's own queries stay unanswered: only the dialog around it is under test here;
    // the viewer starts from what the card knew (running), connecting at once.
    const api = fakeClient({
      Desktops: () => ({
        desktops: {
          totalCount: 2,
          pageInfo: { hasNextPage: false, endCursor: null },
          edges: [desktop("d1", { name: "alice-dev" }), desktop("d2", { name: "alice-web" })].map(
            (node) => ({ cursor: node.id, node }),
          ),
        },
      }),
    });
    renderSignedIn(<MyDesktopsPage />, api.client, alice);
    await userEvent.click(await screen.findByRole("button", { name: "Connect to alice-web" }));
    const dialog = await screen.findByRole("dialog", { name: "Viewer of alice-web" });
    expect(within(dialog).getByRole("button", { name: "Close" })).toBeInTheDocument();
    expect(within(dialog).getByText("Connecting to alice-web…")).toBeInTheDocument();
  });

  it("opens the viewer of a launched desktop at once, or not when the user turned that off", async () => {
    const created = desktop("d9", { name: "from-pool", state: "RUNNING", fromPool: true });
    const api = fakeClient({
      Desktops: () => list(),
      Templates: () => ({ templates: [XFCE] }),
      Clusters: () => ({ clusters: [] }),
      CreateDesktop: () => ({ createDesktop: created }),
    });
    renderSignedIn(<MyDesktopsPage />, api.client, alice);
    const launch = async (openWhenReady: boolean) => {
      await userEvent.click(await screen.findByRole("button", { name: "Launch desktop" }));
      const form = await screen.findByRole("dialog", { name: "Launch a desktop" });
      if (openWhenReady) {
        // The first time only: the dialog keeps its template for the next launch.
        await screen.findByRole("option", { name: /^xfce/, hidden: true });
        await userEvent.keyboard("xf{ArrowDown}{Enter}");
      } else {
        await userEvent.click(within(form).getByRole("checkbox", { name: "Open when ready" }));
      }
      await userEvent.click(within(form).getByRole("button", { name: "Launch" }));
    };
    await launch(true);
    const viewer = await screen.findByRole("dialog", { name: "Viewer of from-pool" });
    expect(within(viewer).getByText("Connecting to from-pool…")).toBeInTheDocument();
    expect(api.calls).toContainEqual({ name: "ConnectDesktop", variables: { id: "d9" } });
    await userEvent.click(within(viewer).getByRole("button", { name: "Close" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());

    await launch(false);
    await waitFor(() =>
      expect(api.calls.filter((c) => c.name === "CreateDesktop")).toHaveLength(2),
    );
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });
});
