import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { renderWithProviders } from "../test/render";
import { UsersPage } from "./UsersPage";

const quota = {
  maxDesktops: 10,
  maxCpuMillis: 32000,
  maxMemoryMiB: 65536,
  maxSnapshots: 50,
  custom: false,
};

describe("UsersPage", () => {
  it("shows each user's desktops and running desktops from the one users request", async () => {
    const api = fakeClient({
      UsersWithQuotas: () => ({
        users: [
          {
            id: "u1",
            username: "admin",
            role: "ADMIN",
            ownedDesktops: 0,
            runningDesktops: 0,
            quota,
          },
          {
            id: "u2",
            username: "alice",
            role: "USER",
            ownedDesktops: 3,
            runningDesktops: 1,
            quota: { ...quota, maxDesktops: 5, custom: true },
          },
          {
            id: "u3",
            username: "bob",
            role: "USER",
            ownedDesktops: null,
            runningDesktops: null,
            quota: null,
          },
        ],
      }),
    });
    renderWithProviders(<UsersPage />, api.client);
    const rows = await screen.findAllByTestId("user-row");
    expect(rows.map((r) => r.getAttribute("data-user"))).toEqual(["admin", "alice", "bob"]);

    const alice = within(rows[1]).getAllByRole("cell");
    expect(alice.map((c) => c.textContent)).toEqual([
      "alice",
      "user",
      "3",
      "1",
      "5 desktops, 32 CPU, 64 GiB, 50 snapshots",
    ]);
    expect(within(rows[0]).getAllByRole("cell")[2]).toHaveTextContent("0");
    expect(within(rows[0]).getAllByRole("cell")[4]).toHaveTextContent("(default)");
    // A count that could not be read shows as unknown, not as zero.
    expect(
      within(rows[2])
        .getAllByRole("cell")
        .slice(2)
        .map((c) => c.textContent),
    ).toEqual(["—", "—", "—"]);

    // One request for the whole table: no request per user.
    expect(api.calls.map((c) => c.name)).toEqual(["UsersWithQuotas"]);
  });
});
