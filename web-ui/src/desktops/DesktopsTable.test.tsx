import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { desktop } from "../test/fixtures";
import { renderWithProviders } from "../test/render";
import { DesktopsTable } from "./DesktopsTable";

describe("DesktopsTable", () => {
  it("shows each desktop's apps under its template, compactly", () => {
    const layer = (id: string, name: string, version: string) => ({ id, name, version });
    renderWithProviders(
      <DesktopsTable
        desktops={[
          desktop("d1", { name: "alice-plain" }),
          desktop("d2", { name: "bob-gimp", apps: [layer("a2", "gimp", "2.10")] }),
          desktop("d3", {
            name: "carol-many",
            apps: [
              layer("a1", "fonts", "3"),
              layer("a2", "gimp", "2.10"),
              layer("a4", "inkscape", "1.3"),
            ],
          }),
        ]}
        selected={new Set()}
        onSelectedChange={() => {}}
      />,
      fakeClient({}).client,
    );
    expect(screen.queryByRole("list", { name: "Apps of alice-plain" })).not.toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Apps of bob-gimp" })).toHaveTextContent("gimp 2.10");
    const many = within(screen.getByRole("list", { name: "Apps of carol-many" })).getAllByRole(
      "listitem",
    );
    expect(many.map((i) => i.textContent)).toEqual(["fonts 3", "+2 apps: gimp 2.10, inkscape 1.3"]);
  });
});
