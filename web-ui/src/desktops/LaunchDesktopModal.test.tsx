import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { apiError, fakeClient } from "../test/fakeClient";
import { XFCE, desktop } from "../test/fixtures";
import { renderWithProviders } from "../test/render";
import { LaunchDesktopModal } from "./LaunchDesktopModal";

const preloads = vi.fn(async () => ({}));
vi.mock("../display/novnc", () => ({ preloadRfb: () => preloads() }));

const answers = {
  Templates: () => ({ templates: [XFCE] }),
  Clusters: () => ({ clusters: [] }),
};

describe("LaunchDesktopModal", () => {
  it("launches with the keyboard alone: it starts on the template, Enter submits", async () => {
    const api = fakeClient({
      ...answers,
      CreateDesktop: () => ({ createDesktop: { __typename: "Desktop", id: "d1" } }),
    });
    let closed = false;
    renderWithProviders(<LaunchDesktopModal opened onClose={() => (closed = true)} />, api.client);
    const template = await screen.findByRole("textbox", { name: "Template" });
    await waitFor(() => expect(template).toHaveFocus());
    await screen.findByRole("option", { name: /^xfce/, hidden: true });
    await userEvent.keyboard("xf{ArrowDown}{Enter}");
    await waitFor(() => expect(template).toHaveValue("xfce — 2 CPU, 4 GiB"));
    await userEvent.tab();
    expect(screen.getByRole("textbox", { name: "Name" })).toHaveFocus();
    await userEvent.keyboard("kb-desk{Enter}");
    await waitFor(() => expect(closed).toBe(true));
    const call = api.calls.find((c) => c.name === "CreateDesktop");
    expect(call?.variables.input).toMatchObject({ templateId: "t1", name: "kb-desk" });
  });

  it("opens the new desktop when ready (on by default), loading the viewer while it is filled in", async () => {
    const created = desktop("d7", { name: "warm-one", state: "RUNNING", fromPool: true });
    const api = fakeClient({ ...answers, CreateDesktop: () => ({ createDesktop: created }) });
    const opened: unknown[] = [];
    preloads.mockClear();
    renderWithProviders(
      <LaunchDesktopModal opened onClose={() => {}} onOpen={(d) => opened.push(d)} />,
      api.client,
    );
    const dialog = await screen.findByRole("dialog", { name: "Launch a desktop" });
    expect(within(dialog).getByRole("checkbox", { name: "Open when ready" })).toBeChecked();
    expect(preloads).toHaveBeenCalled();
    await screen.findByRole("option", { name: /^xfce/, hidden: true });
    await userEvent.keyboard("xf{ArrowDown}{Enter}");
    await userEvent.click(within(dialog).getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(opened).toEqual([created]));
    expect(performance.getEntriesByName("opencdi:launch")).not.toHaveLength(0);
    expect(performance.getEntriesByName("opencdi:launch-created")).not.toHaveLength(0);
  });

  it("launches without opening the desktop when the user turns that off", async () => {
    const api = fakeClient({
      ...answers,
      CreateDesktop: () => ({ createDesktop: desktop("d8", { name: "many" }) }),
    });
    const opened: unknown[] = [];
    let closed = false;
    renderWithProviders(
      <LaunchDesktopModal opened onClose={() => (closed = true)} onOpen={(d) => opened.push(d)} />,
      api.client,
    );
    const dialog = await screen.findByRole("dialog", { name: "Launch a desktop" });
    await screen.findByRole("option", { name: /^xfce/, hidden: true });
    await userEvent.keyboard("xf{ArrowDown}{Enter}");
    await userEvent.click(within(dialog).getByRole("checkbox", { name: "Open when ready" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(closed).toBe(true));
    expect(opened).toEqual([]);
  });

  it("names its close button and shows the API's refusal in the dialog", async () => {
    const api = fakeClient({
      ...answers,
      CreateDesktop: () => apiError("QUOTA_EXCEEDED", "alice may run 2 desktops"),
    });
    renderWithProviders(<LaunchDesktopModal opened onClose={() => {}} />, api.client);
    const dialog = await screen.findByRole("dialog", { name: "Launch a desktop" });
    expect(within(dialog).getByRole("button", { name: "Close" })).toBeInTheDocument();
    await screen.findByRole("option", { name: /^xfce/, hidden: true });
    await userEvent.keyboard("xf{ArrowDown}{Enter}");
    await userEvent.click(within(dialog).getByRole("button", { name: "Launch" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("alice may run 2 desktops");
    expect(alert).toHaveTextContent("QUOTA_EXCEEDED");
  });
});
