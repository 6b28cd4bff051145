import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeClient } from "../test/fakeClient";
import { appLayer, XFCE } from "../test/fixtures";
import { renderWithProviders } from "../test/render";
import { TemplatesPage } from "./TemplatesPage";

describe("TemplatesPage", () => {
  // Several dialogs with many fields: slow to render on a busy machine.
  it(
    "edits a template: the form starts from it and sends every field",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({
        Templates: () => ({ templates: [XFCE] }),
        UpdateTemplate: ({ id, input }) => ({
          updateTemplate: { ...XFCE, ...(input as object), id },
        }),
      });
      renderWithProviders(<TemplatesPage />, api.client);
      await userEvent.click(await screen.findByRole("button", { name: "Edit template xfce" }));
      const dialog = await screen.findByRole("dialog", { name: "Edit template xfce" });
      const image = within(dialog).getByLabelText(/^Image/);
      expect(image).toHaveValue("opencdi/desktop-xfce:0.1");
      await userEvent.clear(image);
      await userEvent.click(image);
      await userEvent.paste("opencdi/desktop-xfce:0.2");
      const cpu = within(dialog).getByLabelText(/CPU \(millicores\)/);
      await userEvent.clear(cpu);
      await userEvent.click(cpu);
      await userEvent.paste("3000");
      const storage = within(dialog).getByLabelText("Storage class");
      await userEvent.clear(storage);
      await userEvent.click(storage);
      await userEvent.paste("fast-ssd");
      await userEvent.click(within(dialog).getByRole("button", { name: "Save changes" }));
      await waitFor(() =>
        expect(api.calls).toContainEqual({
          name: "UpdateTemplate",
          variables: {
            id: "t1",
            input: {
              name: "xfce",
              description: "XFCE desktop",
              image: "opencdi/desktop-xfce:0.2",
              cpuMillis: 3000,
              memoryMiB: 4096,
              homeVolumeGiB: 10,
              runtimeClass: "runc",
              storageClass: "fast-ssd",
              arch: null,
              // The template's policies go back as they were: an edit does not loosen them.
              clipboard: "BOTH",
              clipboardMaxBytes: 1048576,
              watermark: null,
              fileTransfer: "BOTH",
              fileTransferMaxMiB: 100,
              printing: false,
              audio: false,
              microphone: false,
              idleTimeoutMinutes: null,
              autoPowerOffMinutes: null,
              maxSessionMinutes: null,
              apps: [],
            },
          },
        }),
      );
      await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    },
  );

  it("refuses bad values at the field and sends nothing", { timeout: 30_000 }, async () => {
    const api = fakeClient({ Templates: () => ({ templates: [XFCE] }) });
    renderWithProviders(<TemplatesPage />, api.client);
    await userEvent.click(await screen.findByRole("button", { name: "Edit template xfce" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit template xfce" });
    const cpu = within(dialog).getByLabelText(/CPU \(millicores\)/);
    await userEvent.clear(cpu);
    await userEvent.click(cpu);
    await userEvent.paste("200000");
    const storage = within(dialog).getByLabelText("Storage class");
    await userEvent.clear(storage);
    await userEvent.click(storage);
    await userEvent.paste("Not A Class");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save changes" }));
    expect(await within(dialog).findByText("Between 100 and 128000 millicores")).toBeVisible();
    expect(within(dialog).getByText(/A Kubernetes name/)).toBeVisible();
    expect(api.calls.some((c) => c.name === "UpdateTemplate")).toBe(false);
  });

  it(
    "keeps the dialog open with the API's reason when the gateway refuses",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({
        Templates: () => ({ templates: [XFCE] }),
        UpdateTemplate: () => apiError("FORBIDDEN", "this operation needs the admin role"),
      });
      renderWithProviders(<TemplatesPage />, api.client);
      await userEvent.click(await screen.findByRole("button", { name: "Edit template xfce" }));
      const dialog = await screen.findByRole("dialog", { name: "Edit template xfce" });
      await userEvent.click(within(dialog).getByRole("button", { name: "Save changes" }));
      const alert = await within(dialog).findByRole("alert");
      expect(alert).toHaveTextContent("this operation needs the admin role");
      expect(alert).toHaveTextContent("FORBIDDEN");
    },
  );

  it(
    "shows a template's default apps and sends the ones chosen, one version of each program",
    { timeout: 30_000 },
    async () => {
      const fonts = appLayer("a1", "fonts", "3");
      const api = fakeClient({
        Templates: () => ({ templates: [{ ...XFCE, apps: [fonts] }] }),
        AppLayers: () => ({
          appLayers: [fonts, appLayer("a2", "gimp", "2.10"), appLayer("a3", "gimp", "2.8")],
        }),
        UpdateTemplate: ({ id }) => ({
          updateTemplate: { ...XFCE, id, apps: [fonts] },
        }),
      });
      renderWithProviders(<TemplatesPage />, api.client);
      expect(await screen.findByTestId("template-apps")).toHaveTextContent("fonts 3");
      await userEvent.click(screen.getByRole("button", { name: "Edit template xfce" }));
      const dialog = await screen.findByRole("dialog", { name: "Edit template xfce" });
      const apps = within(dialog).getByRole("textbox", { name: /^Default apps/ });
      await userEvent.click(apps);
      await userEvent.click(await screen.findByRole("option", { name: "gimp 2.10", hidden: true }));
      // A desktop runs one version of a program: the other gimp cannot be chosen beside it.
      expect(screen.getByRole("option", { name: "gimp 2.8", hidden: true })).toHaveAttribute(
        "data-combobox-disabled",
        "true",
      );
      await userEvent.click(within(dialog).getByRole("button", { name: "Save changes" }));
      await waitFor(() =>
        expect(api.calls.find((c) => c.name === "UpdateTemplate")?.variables).toMatchObject({
          id: "t1",
          input: { name: "xfce", apps: ["a1", "a2"] },
        }),
      );
    },
  );

  it("creates a template with default apps", { timeout: 30_000 }, async () => {
    const api = fakeClient({
      Templates: () => ({ templates: [] }),
      AppLayers: () => ({ appLayers: [appLayer("a2", "gimp", "2.10")] }),
      CreateTemplate: ({ input }) => ({ createTemplate: { ...XFCE, ...(input as object) } }),
    });
    renderWithProviders(<TemplatesPage />, api.client);
    await userEvent.click(await screen.findByRole("button", { name: "New template" }));
    const dialog = await screen.findByRole("dialog", { name: "New template" });
    await userEvent.type(within(dialog).getByLabelText(/^Name/), "gimp-desk");
    await userEvent.click(within(dialog).getByLabelText(/^Image/));
    await userEvent.paste("opencdi/desktop-xfce:1");
    await userEvent.click(within(dialog).getByRole("textbox", { name: /^Default apps/ }));
    await userEvent.click(await screen.findByRole("option", { name: "gimp 2.10", hidden: true }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Create template" }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.name === "CreateTemplate")?.variables).toMatchObject({
        input: { name: "gimp-desk", image: "opencdi/desktop-xfce:1", apps: ["a2"] },
      }),
    );
  });
});
