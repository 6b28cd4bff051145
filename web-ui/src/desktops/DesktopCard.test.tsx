import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeClient } from "../test/fakeClient";
import { renderWithProviders } from "../test/render";
import { DesktopCard } from "./DesktopCard";
import { desktop } from "../test/fixtures";

describe("DesktopCard", () => {
  it("shows launch progress while the desktop starts and offers no power on", () => {
    const api = fakeClient({});
    renderWithProviders(<DesktopCard desktop={desktop("1", { state: "STARTING" })} />, api.client);
    expect(screen.getByTestId("desktop-state")).toHaveTextContent("STARTING");
    expect(screen.getByLabelText("Progress: Starting (3 of 4)")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Power on desk-1" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Power off desk-1" })).toBeInTheDocument();
  });

  it("marks a degraded desktop with its agent's reason, and a healthy one not at all", () => {
    const api = fakeClient({});
    const reason = "processes reached the limit of 2048 (2048 running, 9 forks refused)";
    renderWithProviders(
      <DesktopCard desktop={desktop("3", { health: "DEGRADED", healthReason: reason })} />,
      api.client,
    );
    expect(screen.getByTestId("desktop-state")).toHaveTextContent("RUNNING");
    expect(screen.getByTestId("desktop-health")).toHaveAccessibleName(`Degraded: ${reason}`);
    renderWithProviders(<DesktopCard desktop={desktop("4")} />, api.client);
    expect(screen.getAllByTestId("desktop-health")).toHaveLength(1);
  });

  it("says why a desktop was powered off, and nothing for one the user powered off", () => {
    const api = fakeClient({});
    const reason = "powered off after 30 minutes without a viewer";
    renderWithProviders(
      <DesktopCard
        desktop={desktop("5", { state: "STOPPED", power: "OFF", statusReason: reason })}
      />,
      api.client,
    );
    expect(screen.getByTestId("stopped-reason")).toHaveTextContent(reason);
    renderWithProviders(
      <DesktopCard
        desktop={desktop("6", { state: "STOPPED", power: "OFF", statusReason: null })}
      />,
      api.client,
    );
    expect(screen.getAllByTestId("stopped-reason")).toHaveLength(1);
  });

  it("marks a desktop handed over from a warm pool, and a cold one not at all", () => {
    const api = fakeClient({});
    renderWithProviders(<DesktopCard desktop={desktop("8", { fromPool: true })} />, api.client);
    expect(screen.getByTestId("desktop-from-pool")).toHaveTextContent("from pool");
    renderWithProviders(<DesktopCard desktop={desktop("9")} />, api.client);
    expect(screen.getAllByTestId("desktop-from-pool")).toHaveLength(1);
  });

  it("shows a desktop's apps: two as badges, more as a count that names the rest", () => {
    const api = fakeClient({});
    const layer = (id: string, name: string, version: string) => ({ id, name, version });
    renderWithProviders(
      <DesktopCard
        desktop={desktop("10", {
          apps: [layer("a1", "fonts", "3"), layer("a2", "gimp", "2.10")],
        })}
      />,
      api.client,
    );
    const few = screen.getByRole("list", { name: "Apps of desk-10" });
    expect(
      within(few)
        .getAllByRole("listitem")
        .map((i) => i.textContent),
    ).toEqual(["fonts 3", "gimp 2.10"]);
    renderWithProviders(
      <DesktopCard
        desktop={desktop("11", {
          apps: [
            layer("a1", "fonts", "3"),
            layer("a2", "gimp", "2.10"),
            layer("a4", "inkscape", "1.3"),
            layer("a5", "vscode", "1.95"),
          ],
        })}
      />,
      api.client,
    );
    const many = within(screen.getByRole("list", { name: "Apps of desk-11" })).getAllByRole(
      "listitem",
    );
    expect(many).toHaveLength(3);
    expect(many[2]).toHaveTextContent("+2 apps: inkscape 1.3, vscode 1.95");
    expect(many[2]).toHaveAttribute("title", "inkscape 1.3, vscode 1.95");
    // A desktop without apps shows no list at all.
    renderWithProviders(<DesktopCard desktop={desktop("12")} />, api.client);
    expect(screen.getAllByTestId("desktop-apps")).toHaveLength(2);
  });

  it("powers a running desktop off", async () => {
    const api = fakeClient({
      StopDesktop: ({ id }) => ({
        stopDesktop: { __typename: "Desktop", id, state: "STOPPING", power: "OFF" },
      }),
    });
    renderWithProviders(<DesktopCard desktop={desktop("7")} />, api.client);
    await userEvent.click(screen.getByRole("button", { name: "Power off desk-7" }));
    await waitFor(() =>
      expect(api.calls).toContainEqual({ name: "StopDesktop", variables: { id: "7" } }),
    );
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("shows the API's reason where the action failed", async () => {
    const api = fakeClient({
      StartDesktop: () => apiError("UNSCHEDULABLE", "no cluster has room: fra: cordoned"),
    });
    renderWithProviders(<DesktopCard desktop={desktop("5", { state: "STOPPED" })} />, api.client);
    await userEvent.click(screen.getByRole("button", { name: "Power on desk-5" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("no cluster has room: fra: cordoned");
    expect(alert).toHaveTextContent("UNSCHEDULABLE");
  });

  it("deletes only after confirmation", async () => {
    const api = fakeClient({
      DeleteDesktop: ({ id }) => ({
        deleteDesktop: { __typename: "Desktop", id, state: "DELETED", power: "OFF" },
      }),
    });
    renderWithProviders(<DesktopCard desktop={desktop("8")} />, api.client);
    await userEvent.click(screen.getByRole("button", { name: "Delete desk-8" }));
    expect(api.calls.some((c) => c.name === "DeleteDesktop")).toBe(false);
    await userEvent.click(await screen.findByRole("button", { name: "Delete desktop and data" }));
    await waitFor(() =>
      expect(api.calls).toContainEqual({ name: "DeleteDesktop", variables: { id: "8" } }),
    );
  });

  it("names every action after its desktop, so cards side by side stay apart", () => {
    const api = fakeClient({});
    renderWithProviders(
      <>
        <DesktopCard desktop={desktop("1")} onConnect={() => {}} />
        <DesktopCard desktop={desktop("2", { state: "STOPPED" })} onConnect={() => {}} />
      </>,
      api.client,
    );
    for (const name of [
      "Connect to desk-1",
      "Power off desk-1",
      "Snapshots of desk-1",
      "Delete desk-1",
      "Power on desk-2",
      "Snapshots of desk-2",
      "Delete desk-2",
    ]) {
      expect(screen.getByRole("button", { name })).toBeInTheDocument();
    }
    // A name too long for the card is still readable whole, as the heading's title.
    expect(screen.getByRole("heading", { name: "desk-1" })).toHaveAttribute("title", "desk-1");
    // A stopped desktop cannot be connected to.
    expect(screen.queryByRole("button", { name: "Connect to desk-2" })).not.toBeInTheDocument();
  });
});
