import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { appLayer, XFCE } from "../test/fixtures";
import { renderWithProviders } from "../test/render";
import { LaunchDesktopModal } from "./LaunchDesktopModal";

const FONTS = appLayer("a1", "fonts", "3");
const GIMP = appLayer("a2", "gimp", "2.10");
const GIMP_OLD = appLayer("a3", "gimp", "2.8");
const INKSCAPE = appLayer("a4", "inkscape", "1.3");

const answers = {
  Templates: () => ({
    templates: [
      { ...XFCE, apps: [FONTS] },
      { ...XFCE, id: "t2", name: "kde", apps: [] },
    ],
  }),
  Clusters: () => ({ clusters: [] }),
  AppLayers: () => ({ appLayers: [FONTS, GIMP, GIMP_OLD, INKSCAPE] }),
  CreateDesktop: () => ({ createDesktop: { __typename: "Desktop", id: "d1" } }),
};

/** Picks `option` in the Mantine select or multi-select labelled `label` inside `container`. */
async function choose(container: HTMLElement, label: RegExp, option: string | RegExp) {
  await userEvent.click(within(container).getByRole("textbox", { name: label }));
  await userEvent.click(await screen.findByRole("option", { name: option, hidden: true }));
}

describe("Launch dialog: Add apps", () => {
  it(
    "lists the template's own apps as included, offers the others and sends the chosen",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient(answers);
      renderWithProviders(<LaunchDesktopModal opened onClose={() => {}} />, api.client);
      const dialog = await screen.findByRole("dialog", { name: "Launch a desktop" });
      await choose(dialog, /^Template/, /^xfce/);
      const apps = within(dialog).getByRole("textbox", { name: /^Add apps/ });
      expect(apps).toHaveAccessibleDescription("Included: fonts 3");
      await userEvent.click(apps);
      await userEvent.click(await screen.findByRole("option", { name: "gimp 2.10", hidden: true }));
      // The template's own layer is not offered again; the other gimp cannot join the chosen one.
      expect(screen.queryByRole("option", { name: "fonts 3", hidden: true })).toBeNull();
      expect(screen.getByRole("option", { name: "gimp 2.8", hidden: true })).toHaveAttribute(
        "data-combobox-disabled",
        "true",
      );
      await userEvent.click(screen.getByRole("option", { name: "inkscape 1.3", hidden: true }));
      expect(apps).toHaveAccessibleDescription(
        "Included: fonts 3. With added apps the desktop starts fresh, not from a warm pool",
      );
      await userEvent.click(within(dialog).getByRole("button", { name: "Launch" }));
      await waitFor(() =>
        expect(api.calls.find((c) => c.name === "CreateDesktop")?.variables.input).toMatchObject({
          templateId: "t1",
          apps: ["a2", "a4"],
        }),
      );
    },
  );

  it(
    "sends no apps when none are added, and drops those the next template includes",
    { timeout: 30_000 },
    async () => {
      const api = fakeClient({
        ...answers,
        Templates: () => ({
          templates: [
            { ...XFCE, id: "t2", name: "kde", apps: [] },
            { ...XFCE, id: "t3", name: "gimp-desk", apps: [GIMP_OLD] },
          ],
        }),
      });
      renderWithProviders(<LaunchDesktopModal opened onClose={() => {}} />, api.client);
      const dialog = await screen.findByRole("dialog", { name: "Launch a desktop" });
      await choose(dialog, /^Template/, /^kde/);
      const apps = within(dialog).getByRole("textbox", { name: /^Add apps/ });
      expect(apps).toHaveAccessibleDescription("The template includes no apps");
      await choose(dialog, /^Add apps/, "gimp 2.10");
      // gimp-desk includes gimp 2.8: gimp 2.10 can no longer be added and is dropped.
      await choose(dialog, /^Template/, /^gimp-desk/);
      await waitFor(() => expect(apps).toHaveAccessibleDescription("Included: gimp 2.8"));
      await choose(dialog, /^Template/, /^kde/);
      await userEvent.click(within(dialog).getByRole("button", { name: "Launch" }));
      await waitFor(() => expect(api.calls.some((c) => c.name === "CreateDesktop")).toBe(true));
      const input = api.calls.find((c) => c.name === "CreateDesktop")?.variables.input as
        Record<string, unknown> | undefined;
      expect(input).toMatchObject({ templateId: "t2" });
      expect(input?.apps).toBeUndefined();
    },
  );
});
