import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeClient } from "../test/fakeClient";
import { appLayer } from "../test/fixtures";
import { renderWithProviders } from "../test/render";
import { AppLayersPage } from "./AppLayersPage";

/** Fills the "New app layer" dialog's fields and submits it. */
async function fill(dialog: HTMLElement, values: { name: string; version: string; image: string }) {
  for (const [label, value] of [
    [/^Name/, values.name],
    [/^Version/, values.version],
    [/^Image/, values.image],
  ] as const) {
    const field = within(dialog).getByRole("textbox", { name: label });
    await userEvent.clear(field);
    if (value) {
      await userEvent.click(field);
      await userEvent.paste(value);
    }
  }
  await userEvent.click(within(dialog).getByRole("button", { name: "Add app layer" }));
}

describe("AppLayersPage", () => {
  it("lists the catalogue with name, version, image and when each was added", async () => {
    const api = fakeClient({
      AppLayers: () => ({
        appLayers: [
          appLayer("a1", "fonts", "3"),
          appLayer("a2", "gimp", "2.10", { image: "registry.example.org/apps/gimp:2.10.3" }),
        ],
      }),
    });
    renderWithProviders(<AppLayersPage />, api.client);
    const table = await screen.findByRole("table", { name: "App layers" });
    const rows = within(table).getAllByTestId("app-layer-row");
    expect(rows.map((r) => r.getAttribute("data-layer"))).toEqual(["fonts 3", "gimp 2.10"]);
    expect(within(rows[1]).getByRole("cell", { name: "gimp" })).toBeInTheDocument();
    expect(within(rows[1]).getByRole("cell", { name: "2.10" })).toBeInTheDocument();
    expect(rows[1]).toHaveTextContent("registry.example.org/apps/gimp:2.10.3");
    expect(rows[1]).toHaveTextContent(new Date("2026-12-06T10:00:00Z").toLocaleString());
    // Layers are immutable: nothing to edit, only a delete named after each layer.
    expect(
      within(table)
        .getAllByRole("button")
        .map((b) => b.getAttribute("aria-label")),
    ).toEqual(["Delete app layer fonts 3", "Delete app layer gimp 2.10"]);
    expect(screen.getByText(/Layers never change/)).toBeInTheDocument();
  });

  it("says so when there are no layers yet", async () => {
    const api = fakeClient({ AppLayers: () => ({ appLayers: [] }) });
    renderWithProviders(<AppLayersPage />, api.client);
    expect(await screen.findByText("No app layers yet.")).toBeInTheDocument();
  });

  it("adds a layer from the dialog and reads the list again", { timeout: 30_000 }, async () => {
    let created = false;
    const api = fakeClient({
      AppLayers: () => ({
        appLayers: created ? [appLayer("a9", "inkscape", "1.3.2")] : [],
      }),
      CreateAppLayer: ({ input }) => {
        created = true;
        const { name, version, image } = input as Record<string, string>;
        return { createAppLayer: appLayer("a9", name, version, { image }) };
      },
    });
    renderWithProviders(<AppLayersPage />, api.client);
    await screen.findByText("No app layers yet.");
    await userEvent.click(screen.getByRole("button", { name: "New app layer" }));
    const dialog = await screen.findByRole("dialog", { name: "New app layer" });
    await waitFor(() =>
      expect(within(dialog).getByRole("textbox", { name: /^Name/ })).toHaveFocus(),
    );
    await fill(dialog, {
      name: " inkscape ",
      version: "1.3.2",
      image: "registry.example.org/apps/inkscape:1.3.2",
    });
    await waitFor(() =>
      expect(api.calls).toContainEqual({
        name: "CreateAppLayer",
        variables: {
          input: {
            name: "inkscape",
            version: "1.3.2",
            image: "registry.example.org/apps/inkscape:1.3.2",
          },
        },
      }),
    );
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(await screen.findByTestId("app-layer-row")).toHaveAttribute(
      "data-layer",
      "inkscape 1.3.2",
    );
  });

  it(
    "shows a CONFLICT with the API's reason and keeps the dialog and its fields",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({
        AppLayers: () => ({ appLayers: [appLayer("a2", "gimp", "2.10")] }),
        CreateAppLayer: () => apiError("CONFLICT", "app layer gimp 2.10 already exists"),
      });
      renderWithProviders(<AppLayersPage />, api.client);
      await userEvent.click(await screen.findByRole("button", { name: "New app layer" }));
      const dialog = await screen.findByRole("dialog", { name: "New app layer" });
      await fill(dialog, { name: "gimp", version: "2.10", image: "apps/gimp:2.10" });
      const alert = await within(dialog).findByRole("alert");
      expect(alert).toHaveTextContent("app layer gimp 2.10 already exists");
      expect(alert).toHaveTextContent("CONFLICT");
      expect(screen.getByRole("dialog", { name: "New app layer" })).toBeInTheDocument();
      expect(within(dialog).getByRole("textbox", { name: /^Version/ })).toHaveValue("2.10");
    },
  );

  it(
    "refuses bad fields at the field, as the gateway would, and sends nothing",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({ AppLayers: () => ({ appLayers: [] }) });
      renderWithProviders(<AppLayersPage />, api.client);
      await userEvent.click(await screen.findByRole("button", { name: "New app layer" }));
      const dialog = await screen.findByRole("dialog", { name: "New app layer" });
      await fill(dialog, { name: "GIMP_2", version: "2.10 beta", image: "apps/gimp:2.10; rm -rf" });
      expect(await within(dialog).findByText(/^A DNS label/)).toBeVisible();
      expect(within(dialog).getByText(/^1 to 64 letters/)).toBeVisible();
      expect(within(dialog).getByText(/^An image reference/)).toBeVisible();
      expect(within(dialog).getByRole("textbox", { name: /^Name/ })).toHaveAttribute(
        "aria-invalid",
        "true",
      );
      expect(api.calls.some((c) => c.name === "CreateAppLayer")).toBe(false);
    },
  );

  it(
    "deletes a layer after confirming, naming it, and reads the list again without it",
    { timeout: 30_000 },
    async () => {
      let deleted = false;
      const api = fakeClient({
        AppLayers: () => ({
          appLayers: [
            appLayer("a1", "fonts", "3"),
            ...(deleted ? [] : [appLayer("a2", "gimp", "2.10")]),
          ],
        }),
        DeleteAppLayer: () => {
          deleted = true;
          return { deleteAppLayer: true };
        },
      });
      renderWithProviders(<AppLayersPage />, api.client);
      await userEvent.click(
        await screen.findByRole("button", { name: "Delete app layer gimp 2.10" }),
      );
      const confirm = await screen.findByRole("dialog", { name: "Delete app layer gimp 2.10?" });
      expect(confirm).toHaveTextContent("Desktops that have it keep it.");
      expect(api.calls.some((c) => c.name === "DeleteAppLayer")).toBe(false);
      await userEvent.click(within(confirm).getByRole("button", { name: "Delete app layer" }));
      await waitFor(() =>
        expect(api.calls).toContainEqual({ name: "DeleteAppLayer", variables: { id: "a2" } }),
      );
      await waitFor(() =>
        expect(
          screen.getAllByTestId("app-layer-row").map((r) => r.getAttribute("data-layer")),
        ).toEqual(["fonts 3"]),
      );
      await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
      expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    },
  );

  it("sends nothing when the deletion is cancelled", { timeout: 30_000 }, async () => {
    const api = fakeClient({
      AppLayers: () => ({ appLayers: [appLayer("a2", "gimp", "2.10")] }),
      DeleteAppLayer: () => ({ deleteAppLayer: true }),
    });
    renderWithProviders(<AppLayersPage />, api.client);
    await userEvent.click(
      await screen.findByRole("button", { name: "Delete app layer gimp 2.10" }),
    );
    const confirm = await screen.findByRole("dialog", { name: "Delete app layer gimp 2.10?" });
    await userEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(api.calls.some((c) => c.name === "DeleteAppLayer")).toBe(false);
    expect(screen.getByTestId("app-layer-row")).toHaveAttribute("data-layer", "gimp 2.10");
  });

  it(
    "shows a CONFLICT naming the templates that still use the layer, and keeps it",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({
        AppLayers: () => ({ appLayers: [appLayer("a2", "gimp", "2.10")] }),
        DeleteAppLayer: () =>
          apiError(
            "CONFLICT",
            "app layer a2 is a default app of template(s) xfce, design; remove it from them first",
          ),
      });
      renderWithProviders(<AppLayersPage />, api.client);
      await userEvent.click(
        await screen.findByRole("button", { name: "Delete app layer gimp 2.10" }),
      );
      await userEvent.click(
        within(
          await screen.findByRole("dialog", { name: "Delete app layer gimp 2.10?" }),
        ).getByRole("button", { name: "Delete app layer" }),
      );
      const alert = await screen.findByRole("alert");
      expect(alert).toHaveTextContent("App layer gimp 2.10 could not be deleted");
      expect(alert).toHaveTextContent(
        "app layer a2 is a default app of template(s) xfce, design; remove it from them first",
      );
      expect(alert).toHaveTextContent("CONFLICT");
      expect(api.calls).toContainEqual({ name: "DeleteAppLayer", variables: { id: "a2" } });
      expect(screen.getByTestId("app-layer-row")).toHaveAttribute("data-layer", "gimp 2.10");
    },
  );
});
