import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { failingClient } from "../test/failingClient";
import { renderWithProviders } from "../test/render";
import { formatBytes, LiveUsage } from "./LiveUsage";

const MIB = 1024 * 1024;

function answer(live: unknown) {
  return () => ({
    desktop: { __typename: "Desktop", id: "d1", state: "RUNNING", live },
  });
}

describe("LiveUsage", () => {
  it("reads nothing until asked, then shows use and the busiest processes", async () => {
    const api = fakeClient({
      DesktopLive: answer({
        __typename: "DesktopLive",
        cpuMillis: 750,
        memoryBytes: 1536 * MIB,
        observedAt: "2026-11-28T20:00:00Z",
        processes: [
          {
            __typename: "DesktopProcess",
            pid: 41,
            command: "firefox-esr",
            cpuSeconds: 12,
            cpuPercent: 55.25,
            rssBytes: 900 * MIB,
          },
          {
            __typename: "DesktopProcess",
            pid: 7,
            command: "Xvnc :1",
            cpuSeconds: 3,
            cpuPercent: 20,
            rssBytes: 300 * MIB,
          },
        ],
      }),
    });
    renderWithProviders(<LiveUsage desktopId="d1" desktopName="dev" />, api.client);
    expect(api.calls.some((c) => c.name === "DesktopLive")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Show usage of dev" }));
    expect(await screen.findByTestId("live-totals")).toHaveTextContent(
      "CPU 0.8 CPU · memory 1.5 GiB",
    );
    expect(api.calls).toContainEqual({ name: "DesktopLive", variables: { id: "d1" } });
    const rows = screen.getAllByRole("row");
    expect(rows[1]).toHaveTextContent("41firefox-esr55.3 %900 MiB");
    expect(rows[2]).toHaveTextContent("Xvnc :1");

    // Closed again by its own button, which names the desktop too.
    await userEvent.click(screen.getByRole("button", { name: "Hide usage of dev" }));
    expect(screen.queryByTestId("live-usage")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Show usage of dev" })).toBeInTheDocument();
  });

  it("says so when the cluster lists no processes", async () => {
    const api = fakeClient({
      DesktopLive: answer({
        __typename: "DesktopLive",
        cpuMillis: 100,
        memoryBytes: 200 * MIB,
        observedAt: "2026-11-28T20:00:00Z",
        processes: null,
      }),
    });
    renderWithProviders(<LiveUsage desktopId="d1" desktopName="dev" />, api.client);
    await userEvent.click(screen.getByRole("button", { name: "Show usage of dev" }));
    expect(await screen.findByText(/does not list a desktop.s processes/)).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("shows the gateway's code when the cluster did not answer in time", async () => {
    const client = failingClient("CLUSTER_TIMEOUT", "cluster bj-1 did not report in time");
    renderWithProviders(<LiveUsage desktopId="d1" desktopName="dev" />, client);
    await userEvent.click(screen.getByRole("button", { name: "Show usage of dev" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("cluster bj-1 did not report in time");
    expect(alert).toHaveTextContent("CLUSTER_TIMEOUT");
  });

  it("formats bytes in MiB and GiB", () => {
    expect(formatBytes(512 * MIB)).toBe("512 MiB");
    expect(formatBytes(3 * 1024 * MIB)).toBe("3.0 GiB");
  });
});
