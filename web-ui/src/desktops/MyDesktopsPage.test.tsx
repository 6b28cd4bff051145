import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { desktop } from "../test/fixtures";
import { renderSignedIn } from "../test/render";
import { MyDesktopsPage } from "./MyDesktopsPage";

describe("MyDesktopsPage", () => {
  afterEach(() => sessionStorage.clear());

  it("opens the viewer in a dialog named after the desktop", async () => {
    // The viewer's own queries stay unanswered: only the dialog around it is under test here.
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
    renderSignedIn(<MyDesktopsPage />, api.client, {
      id: "u-alice",
      username: "alice",
      role: "USER",
    });
    await userEvent.click(await screen.findByRole("button", { name: "Connect to alice-web" }));
    const dialog = await screen.findByRole("dialog", { name: "Viewer of alice-web" });
    expect(within(dialog).getByRole("button", { name: "Close" })).toBeInTheDocument();
    expect(within(dialog).getByLabelText("Loading the desktop")).toBeInTheDocument();
  });
});
