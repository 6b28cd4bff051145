import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { apiError, fakeClient } from "../../test/fakeClient";
import { restoredDesktop, snapshot as snapshotOf } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import { SnapshotsButton, SnapshotsModal } from "./SnapshotsModal";
import { formatBytes } from "./snapshots";

const DESKTOP = { id: "d1", name: "dev", state: "RUNNING" };

function snapshot(id: string, over: Record<string, unknown> = {}) {
  return snapshotOf(id, "d1", over);
}

function listing(...snapshots: unknown[]) {
  return () => ({
    desktop: { __typename: "Desktop", id: "d1", name: "dev", state: "RUNNING", snapshots },
  });
}

/** The dialog listing snapshot s1, with s1's restore form open. */
async function openRestoreForm(onClose: () => void = () => {}) {
  const api = fakeClient({
    DesktopSnapshots: listing(snapshot("s1")),
    RestoreDesktop: (variables) => restoredDesktop(variables),
  });
  renderWithProviders(<SnapshotsModal desktop={DESKTOP} opened onClose={onClose} />, api.client);
  await userEvent.click(
    await screen.findByRole("button", { name: "Restore snap-s1 as a new desktop" }),
  );
  const form = await screen.findByRole("form", { name: "Restore snap-s1 as a new desktop" });
  return { api, form };
}

describe("SnapshotsModal", () => {
  it("lists the desktop's snapshots with state and size", async () => {
    const api = fakeClient({
      DesktopSnapshots: listing(
        snapshot("s1"),
        snapshot("s2", { state: "FAILED", sizeBytes: null, statusReason: "no snapshot class" }),
      ),
    });
    renderWithProviders(<SnapshotsModal desktop={DESKTOP} opened onClose={() => {}} />, api.client);
    const rows = await screen.findAllByTestId("snapshot-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("snap-s1");
    expect(rows[0]).toHaveTextContent("READY");
    expect(rows[0]).toHaveTextContent("10 GiB");
    expect(rows[1]).toHaveTextContent("no snapshot class");
    // Only a READY snapshot can be restored.
    expect(screen.getByRole("button", { name: "Restore snap-s1 as a new desktop" })).toBeEnabled();
    expect(screen.getByRole("button", { name: "Restore snap-s2 as a new desktop" })).toBeDisabled();
    expect(api.calls).toContainEqual({ name: "DesktopSnapshots", variables: { id: "d1" } });
  });

  it("takes a snapshot with the typed name and refuses a bad name at the field", async () => {
    const api = fakeClient({
      DesktopSnapshots: listing(),
      SnapshotDesktop: ({ id, name }) => ({
        snapshotDesktop: snapshot("s9", { desktopId: id, name, state: "PENDING", sizeBytes: null }),
      }),
    });
    renderWithProviders(<SnapshotsModal desktop={DESKTOP} opened onClose={() => {}} />, api.client);
    await screen.findByText(/No snapshots yet/);
    const name = screen.getByLabelText("Snapshot name");
    await userEvent.type(name, "-bad");
    await userEvent.click(screen.getByRole("button", { name: "Take snapshot" }));
    expect(await screen.findByText(/starting with a letter or digit/)).toBeInTheDocument();
    expect(api.calls.some((c) => c.name === "SnapshotDesktop")).toBe(false);

    await userEvent.clear(name);
    await userEvent.type(name, "before upgrade");
    await userEvent.click(screen.getByRole("button", { name: "Take snapshot" }));
    await waitFor(() =>
      expect(api.calls).toContainEqual({
        name: "SnapshotDesktop",
        variables: { id: "d1", name: "before upgrade" },
      }),
    );
  });

  it("restores a snapshot as a new desktop and says where it runs", async () => {
    // The restore asks for an optional name first, starting on that field.
    const { api, form } = await openRestoreForm();
    await waitFor(() =>
      expect(within(form).getByLabelText(/Name of the new desktop/)).toHaveFocus(),
    );
    expect(api.calls.some((c) => c.name === "RestoreDesktop")).toBe(false);
    await userEvent.click(
      await within(form).findByRole("button", { name: "Restore as a new desktop" }),
    );
    expect(await screen.findByRole("status")).toHaveTextContent(
      'Restored as the new desktop "copy of s1" on fra.',
    );
    expect(api.calls).toContainEqual({
      name: "RestoreDesktop",
      variables: { snapshotId: "s1", name: null },
    });
  });

  it("restores under a typed name, and refuses a bad one at the field", async () => {
    const { api, form } = await openRestoreForm();
    const name = within(form).getByLabelText(/Name of the new desktop/);
    await userEvent.type(name, "-bad{Enter}");
    expect(await within(form).findByText(/starting with a letter or digit/)).toBeInTheDocument();
    expect(api.calls.some((c) => c.name === "RestoreDesktop")).toBe(false);
    await userEvent.clear(name);
    await userEvent.type(name, "  dev again {Enter}");
    expect(await screen.findByRole("status")).toHaveTextContent(
      'Restored as the new desktop "dev again" on fra.',
    );
    expect(api.calls).toContainEqual({
      name: "RestoreDesktop",
      variables: { snapshotId: "s1", name: "dev again" },
    });
  });

  it("closes only the restore form on Escape, not the dialog around it", async () => {
    const onClose = vi.fn();
    const { api, form } = await openRestoreForm(onClose);
    await waitFor(() =>
      expect(within(form).getByLabelText(/Name of the new desktop/)).toHaveFocus(),
    );
    await userEvent.keyboard("{Escape}");
    await waitFor(() =>
      expect(
        screen.queryByRole("form", { name: "Restore snap-s1 as a new desktop" }),
      ).not.toBeInTheDocument(),
    );
    expect(onClose).not.toHaveBeenCalled();
    expect(api.calls.some((c) => c.name === "RestoreDesktop")).toBe(false);
  });

  it("shows the API's reason where a restore failed", async () => {
    const api = fakeClient({
      DesktopSnapshots: listing(snapshot("s1")),
      RestoreDesktop: () => apiError("UNSCHEDULABLE", "fra: no node with room"),
    });
    renderWithProviders(<SnapshotsModal desktop={DESKTOP} opened onClose={() => {}} />, api.client);
    await userEvent.click(
      await screen.findByRole("button", { name: "Restore snap-s1 as a new desktop" }),
    );
    await userEvent.click(await screen.findByRole("button", { name: "Restore as a new desktop" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("fra: no node with room");
    expect(alert).toHaveTextContent("UNSCHEDULABLE");
  });

  it("deletes a snapshot only after confirmation", async () => {
    const api = fakeClient({
      DesktopSnapshots: listing(snapshot("s1")),
      DeleteSnapshot: ({ id }) => ({ deleteSnapshot: snapshot(String(id), { state: "DELETING" }) }),
    });
    renderWithProviders(<SnapshotsModal desktop={DESKTOP} opened onClose={() => {}} />, api.client);
    await userEvent.click(await screen.findByRole("button", { name: "Delete snapshot snap-s1" }));
    expect(api.calls.some((c) => c.name === "DeleteSnapshot")).toBe(false);
    await userEvent.click(await screen.findByRole("button", { name: "Delete snapshot" }));
    await waitFor(() =>
      expect(api.calls).toContainEqual({ name: "DeleteSnapshot", variables: { id: "s1" } }),
    );
  });

  it("opens from the desktop's Snapshots button and asks for nothing before", async () => {
    const api = fakeClient({ DesktopSnapshots: listing() });
    renderWithProviders(<SnapshotsButton desktop={DESKTOP} />, api.client);
    expect(api.calls).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Snapshots of dev" }));
    expect(await screen.findByRole("dialog", { name: "Snapshots of dev" })).toBeInTheDocument();
    expect(api.calls.map((c) => c.name)).toContain("DesktopSnapshots");
  });

  it("starts on the name field and has a named close button", async () => {
    const api = fakeClient({ DesktopSnapshots: listing() });
    renderWithProviders(<SnapshotsButton desktop={DESKTOP} />, api.client);
    await userEvent.click(screen.getByRole("button", { name: "Snapshots of dev" }));
    const dialog = await screen.findByRole("dialog", { name: "Snapshots of dev" });
    await waitFor(() => expect(screen.getByLabelText("Snapshot name")).toHaveFocus());
    await userEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });
});

describe("formatBytes", () => {
  it("picks a readable unit", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(3 * 1024 ** 2 + 512 * 1024)).toBe("3.5 MiB");
    expect(formatBytes(20 * 1024 ** 3)).toBe("20 GiB");
  });
});
