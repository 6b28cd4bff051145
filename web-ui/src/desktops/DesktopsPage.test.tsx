import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { desktop } from "../test/fixtures";
import { renderSignedIn } from "../test/render";
import { DesktopsPage } from "./DesktopsPage";

const reason = "log volume of 12 MiB in the last minute (cap 8 MiB)";

describe("DesktopsPage", () => {
  afterEach(() => sessionStorage.clear());

  it("lists only degraded desktops when asked, each with its agent's reason", async () => {
    const api = fakeClient({
      Desktops: ({ filter }) => {
        const degradedOnly = (filter as { health?: string } | undefined)?.health === "DEGRADED";
        const nodes = degradedOnly
          ? [desktop("d2", { name: "bob-loud", health: "DEGRADED", healthReason: reason })]
          : [
              desktop("d1", { name: "alice-calm" }),
              desktop("d2", { name: "bob-loud", health: "DEGRADED", healthReason: reason }),
            ];
        return {
          desktops: {
            totalCount: nodes.length,
            pageInfo: { hasNextPage: false, endCursor: null },
            edges: nodes.map((node) => ({ cursor: node.id, node })),
          },
        };
      },
      Clusters: () => ({ clusters: [] }),
      Templates: () => ({ templates: [] }),
    });
    renderSignedIn(<DesktopsPage />, api.client, {
      id: "u-admin",
      username: "admin",
      role: "ADMIN",
    });
    expect(await screen.findByText("alice-calm")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("textbox", { name: "Health" }));
    await userEvent.click(await screen.findByRole("option", { name: "Degraded", hidden: true }));

    await waitFor(() => expect(screen.queryByText("alice-calm")).not.toBeInTheDocument());
    const row = screen.getByText("bob-loud").closest("tr");
    expect(row).not.toBeNull();
    expect(within(row as HTMLElement).getByTestId("desktop-health")).toHaveAccessibleName(
      `Degraded: ${reason}`,
    );
    expect(
      api.calls.some(
        (c) =>
          c.name === "Desktops" &&
          (c.variables.filter as { health?: string } | undefined)?.health === "DEGRADED",
      ),
    ).toBe(true);
  });
});
