import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { Session } from "../../auth/session";
import { apiError, fakeClient } from "../../test/fakeClient";
import { restoredDesktop, snapshot, snapshotSource } from "../../test/fixtures";
import { renderSignedIn } from "../../test/render";
import { SNAPSHOT_REFRESH_MS } from "./snapshots";
import { SnapshotsPage } from "./SnapshotsPage";

const ALICE: Session["user"] = { id: "u-alice", username: "alice", role: "USER" };

const restored = (variables: Record<string, unknown>) => restoredDesktop(variables, "d9");

/** The page as the app shows it, signed in as `user`. */
function renderPage(api: ReturnType<typeof fakeClient>, user: Session["user"] = ALICE) {
  return renderSignedIn(<SnapshotsPage />, api.client, user);
}

const row = async (name: string) =>
  (await screen.findAllByTestId("snapshot-row")).find((r) => r.dataset.snapshot === name)!;

describe("SnapshotsPage", () => {
  afterEach(() => sessionStorage.clear());

  it("names each snapshot's desktop and marks those whose desktop was deleted", async () => {
    const api = fakeClient({
      Snapshots: () => ({
        snapshots: [
          snapshot("s1", "d1", { desktop: snapshotSource("d1", { name: "dev" }) }),
          snapshot("s2", "d2", {
            state: "FAILED",
            sizeBytes: null,
            statusReason: "no class",
            desktop: snapshotSource("d2", { name: "old-dev", state: "DELETED" }),
          }),
          snapshot("s3", "d-gone", { desktop: null }),
        ],
      }),
    });
    renderPage(api);
    const live = within(await row("snap-s1"));
    expect(live.getByTestId("snapshot-desktop")).toHaveTextContent("dev");
    expect(live.getByTestId("snapshot-desktop")).not.toHaveAttribute("data-deleted");
    expect(live.getByTestId("snapshot-state")).toHaveTextContent("READY");
    expect(live.getByRole("cell", { name: "10 GiB" })).toBeInTheDocument();

    // A DELETED desktop is marked, with the name it had; one the API does not name is marked too.
    const deleted = within(await row("snap-s2")).getByTestId("snapshot-desktop");
    expect(deleted).toHaveAttribute("data-deleted", "true");
    expect(deleted).toHaveTextContent("deleted desktop");
    expect(deleted).toHaveTextContent("was old-dev");
    expect(within(await row("snap-s2")).getByText("no class")).toBeInTheDocument();
    const gone = within(await row("snap-s3")).getByTestId("snapshot-desktop");
    expect(gone).toHaveAttribute("data-deleted", "true");
    expect(gone).toHaveTextContent(/^deleted desktop$/);
    // One read names every snapshot's desktop: no list of desktops is needed.
    expect(api.calls.map((c) => c.name)).not.toContain("Desktops");
  });

  it("marks a snapshot's desktop as deleted when its deletion arrives live", async () => {
    let source = snapshotSource("d1", { name: "dev" });
    const api = fakeClient({
      Snapshots: () => ({ snapshots: [snapshot("s1", "d1", { desktop: source })] }),
    });
    renderPage(api);
    const cell = within(await row("snap-s1")).getByTestId("snapshot-desktop");
    expect(cell).not.toHaveAttribute("data-deleted");
    source = { ...source, state: "DELETED" };
    act(() =>
      api.push("DesktopEvents", {
        desktopEvents: {
          previousState: "STOPPING",
          at: "2026-11-28T11:00:00Z",
          desktop: {
            id: "d1",
            name: "dev",
            state: "DELETED",
            statusReason: null,
            cluster: { name: "fra" },
          },
        },
      }),
    );
    await waitFor(() =>
      expect(
        within(screen.getByTestId("snapshot-row")).getByTestId("snapshot-desktop"),
      ).toHaveAttribute("data-deleted", "true"),
    );
  });

  it("offers restore and delete per snapshot, each named with it", async () => {
    const api = fakeClient({
      Snapshots: () => ({
        snapshots: [
          snapshot("s1", "d-gone", { name: "before-upgrade" }),
          snapshot("s2", "d-gone", { state: "PENDING", sizeBytes: null }),
        ],
      }),
      RestoreDesktop: restored,
      DeleteSnapshot: ({ id }) => ({
        deleteSnapshot: snapshot(String(id), "d-gone", { state: "DELETING" }),
      }),
    });
    renderPage(api);
    await row("before-upgrade");
    expect(
      screen.getByRole("button", { name: "Restore before-upgrade as a new desktop" }),
    ).toBeEnabled();
    // Only a READY snapshot can be restored.
    expect(screen.getByRole("button", { name: "Restore snap-s2 as a new desktop" })).toBeDisabled();

    // Restored under the typed name; the new desktop's name and cluster are said.
    await userEvent.click(
      screen.getByRole("button", { name: "Restore before-upgrade as a new desktop" }),
    );
    const form = await screen.findByRole("form", {
      name: "Restore before-upgrade as a new desktop",
    });
    await userEvent.type(
      within(form).getByLabelText(/Name of the new desktop/),
      "dev again{Enter}",
    );
    expect(await screen.findByRole("status")).toHaveTextContent(
      'Restored as the new desktop "dev again" on fra.',
    );
    expect(api.calls).toContainEqual({
      name: "RestoreDesktop",
      variables: { snapshotId: "s1", name: "dev again" },
    });

    // Deleted only once confirmed; the list is read again after it.
    const reads = api.calls.filter((c) => c.name === "Snapshots").length;
    await userEvent.click(screen.getByRole("button", { name: "Delete snapshot before-upgrade" }));
    // The dialog fades in: visible once its transition is done, however slow the machine.
    await waitFor(() =>
      expect(screen.getByRole("dialog", { name: "Delete snapshot before-upgrade?" })).toBeVisible(),
    );
    expect(api.calls.some((c) => c.name === "DeleteSnapshot")).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Delete snapshot" }));
    await waitFor(() =>
      expect(api.calls).toContainEqual({ name: "DeleteSnapshot", variables: { id: "s1" } }),
    );
    await waitFor(() =>
      expect(api.calls.filter((c) => c.name === "Snapshots").length).toBeGreaterThan(reads),
    );
  });

  it("shows the API's refusal of a restore with its code", async () => {
    const api = fakeClient({
      Snapshots: () => ({ snapshots: [snapshot("s1", "d-gone")] }),
      RestoreDesktop: () => apiError("UNSCHEDULABLE", "fra: cordoned"),
    });
    renderPage(api);
    await userEvent.click(
      await screen.findByRole("button", { name: "Restore snap-s1 as a new desktop" }),
    );
    await userEvent.click(await screen.findByRole("button", { name: "Restore as a new desktop" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("UNSCHEDULABLE");
    expect(alert).toHaveTextContent("fra: cordoned");
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  it("says so when there are no snapshots", async () => {
    const api = fakeClient({
      Snapshots: () => ({ snapshots: [] }),
    });
    renderPage(api);
    expect(await screen.findByText(/You have no snapshots/)).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("shows an admin the snapshots of their own desktops, not every user's", async () => {
    const api = fakeClient({
      Snapshots: () => ({
        snapshots: [
          snapshot("s1", "d-admin", {
            desktop: snapshotSource("d-admin", { state: "DELETED", ownerId: "u-admin" }),
          }),
          snapshot("s2", "d-alice"),
        ],
      }),
    });
    renderPage(api, { id: "u-admin", username: "admin", role: "ADMIN" });
    await row("snap-s1");
    expect(screen.getAllByTestId("snapshot-row")).toHaveLength(1);
  });

  it("reads the list again while a snapshot is PENDING, until it is READY", async () => {
    let reads = 0;
    const api = fakeClient({
      Snapshots: () => {
        reads++;
        return {
          snapshots: [snapshot("s1", "d1", { state: reads < 2 ? "PENDING" : "READY" })],
        };
      },
    });
    renderPage(api);
    expect(within(await row("snap-s1")).getByTestId("snapshot-state")).toHaveTextContent("PENDING");
    await waitFor(
      () =>
        expect(
          within(screen.getByTestId("snapshot-row")).getByTestId("snapshot-state"),
        ).toHaveTextContent("READY"),
      { timeout: SNAPSHOT_REFRESH_MS * 2 },
    );
    // Settled: no further reads.
    const settled = reads;
    await new Promise((r) => setTimeout(r, SNAPSHOT_REFRESH_MS + 200));
    expect(reads).toBe(settled);
  });
});
