import { screen, waitFor } from "@testing-library/react";
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
    expect(screen.queryByRole("button", { name: "Power on" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Power off" })).toBeInTheDocument();
  });

  it("powers a running desktop off", async () => {
    const api = fakeClient({
      StopDesktop: ({ id }) => ({
        stopDesktop: { __typename: "Desktop", id, state: "STOPPING", power: "OFF" },
      }),
    });
    renderWithProviders(<DesktopCard desktop={desktop("7")} />, api.client);
    await userEvent.click(screen.getByRole("button", { name: "Power off" }));
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
    await userEvent.click(screen.getByRole("button", { name: "Power on" }));
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
    await userEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(api.calls.some((c) => c.name === "DeleteDesktop")).toBe(false);
    await userEvent.click(await screen.findByRole("button", { name: "Delete desktop and data" }));
    await waitFor(() =>
      expect(api.calls).toContainEqual({ name: "DeleteDesktop", variables: { id: "8" } }),
    );
  });
});
