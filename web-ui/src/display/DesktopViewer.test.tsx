import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, fakeClient } from "../test/fakeClient";
import { desktop } from "../test/fixtures";
import { renderWithProviders } from "../test/render";
import { DesktopViewer } from "./DesktopViewer";
import type { DisplayClose } from "./novnc";
import { formatEndTime } from "./sessionLimits";

/** Stands in for noVNC's RFB object: the one boundary these tests replace. */
class FakeRfb extends EventTarget {
  scaleViewport = false;
  resizeSession = false;
  clipViewport = false;
  focusOnClick = false;
  background = "";
  disconnected = false;
  pasted: string[] = [];
  constructor(
    readonly url: string,
    private readonly onClose: (c: DisplayClose) => void,
  ) {
    super();
  }
  disconnect() {
    this.disconnected = true;
  }
  focus() {}
  sendCtrlAltDel() {}
  clipboardPasteFrom(text: string) {
    this.pasted.push(text);
  }
  /** The gateway accepted the ticket and the desktop greeted. */
  connected() {
    act(() => void this.dispatchEvent(new CustomEvent("connect")));
  }
  /** The WebSocket closed with `code`, then noVNC reports the disconnect. */
  closed(code: number) {
    act(() => {
      this.onClose({ code, reason: "" });
      this.dispatchEvent(new CustomEvent("disconnect", { detail: { clean: code === 1000 } }));
    });
  }
}

const sessions: FakeRfb[] = [];
const preloads = vi.fn(async () => ({}));
vi.mock("./novnc", () => ({
  preloadRfb: () => preloads(),
  openRfb: vi.fn(async (_target: HTMLElement, url: string, onClose: (c: DisplayClose) => void) => {
    const rfb = new FakeRfb(url, onClose);
    sessions.push(rfb);
    return rfb;
  }),
}));

let tickets = 0;
function api(state: "RUNNING" | "STOPPED", over: Record<string, () => unknown> = {}) {
  return fakeClient({
    Desktop: ({ id }) => ({ desktop: desktop(String(id), { name: "dev-box", state }) }),
    ConnectDesktop: ({ id }) => ({
      connectDesktop: {
        url: `ws://gw/display/v1/dt_${++tickets}`,
        expiresAt: "2026-11-28T10:00:30Z",
        desktopId: id,
        idleTimeoutMinutes: null,
        sessionEndsAt: null,
      },
    }),
    StartDesktop: ({ id }) => ({ startDesktop: { id, state: "PENDING", power: "ON" } }),
    ...over,
  });
}

const event = (state: string) => ({
  desktopEvents: {
    previousState: null,
    at: "2026-11-28T10:00:00Z",
    desktop: { id: "d1", name: "dev-box", state, statusReason: null, cluster: { name: "local" } },
  },
});

const viewer = () => screen.getByTestId("desktop-viewer");

describe("DesktopViewer", () => {
  beforeEach(() => {
    sessions.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  it("connects a running desktop with a fresh ticket, resizing the session to fit", async () => {
    const gql = api("RUNNING");
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await waitFor(() => expect(sessions).toHaveLength(1));
    expect(gql.calls).toContainEqual({ name: "ConnectDesktop", variables: { id: "d1" } });
    expect(sessions[0].url).toMatch(/^ws:\/\/gw\/display\/v1\/dt_\d+$/);
    expect(sessions[0]).toMatchObject({ resizeSession: true, scaleViewport: true });
    expect(viewer()).toHaveAttribute("data-phase", "connecting");
    expect(screen.getByText("Connecting to dev-box…")).toBeInTheDocument();
    sessions[0].connected();
    expect(viewer()).toHaveAttribute("data-phase", "connected");
    expect(screen.queryByText("Connecting to dev-box…")).not.toBeInTheDocument();
  });

  // The viewer's own Desktop query stays unanswered in these two: what the page knows is enough.
  const ticketsOnly = () =>
    fakeClient({
      ConnectDesktop: ({ id }) => ({
        connectDesktop: {
          url: "ws://gw/display/v1/dt_k",
          expiresAt: "2026-11-28T10:00:30Z",
          desktopId: id,
          idleTimeoutMinutes: null,
          sessionEndsAt: null,
        },
      }),
    });

  it("connects at once to a desktop the page knows is running, before its own query answers", async () => {
    const gql = ticketsOnly();
    preloads.mockClear();
    renderWithProviders(
      <DesktopViewer desktopId="d1" known={{ name: "dev-box", state: "RUNNING" }} />,
      gql.client,
    );
    expect(screen.getByText("Connecting to dev-box…")).toBeInTheDocument();
    await waitFor(() => expect(sessions).toHaveLength(1));
    expect(sessions[0].url).toBe("ws://gw/display/v1/dt_k");
    // noVNC is loaded while the ticket is asked for, not after it.
    expect(preloads).toHaveBeenCalled();
  });

  it("opened on a desktop the page knows is starting, shows the progress and connects once it runs", async () => {
    const gql = ticketsOnly();
    renderWithProviders(
      <DesktopViewer desktopId="d1" known={{ name: "dev-box", state: "PENDING" }} />,
      gql.client,
    );
    expect(screen.getByText("dev-box is not running")).toBeInTheDocument();
    expect(screen.getByText(/the viewer connects when it is running/)).toBeInTheDocument();
    act(() => gql.push("DesktopEvents", event("STARTING")));
    expect(gql.calls.some((c) => c.name === "ConnectDesktop")).toBe(false);
    act(() => gql.push("DesktopEvents", event("RUNNING")));
    await waitFor(() => expect(sessions).toHaveLength(1));
  });

  it("reads a starting desktop again until an event comes, so a start finished before the subscription began still connects", async () => {
    vi.useFakeTimers();
    let reads = 0;
    const gql = fakeClient({
      // The first read still sees STARTING; the RUNNING event went out before the subscription
      // began and never comes.
      Desktop: ({ id }) => ({
        desktop: desktop(String(id), {
          name: "dev-box",
          state: ++reads === 1 ? "STARTING" : "RUNNING",
        }),
      }),
      ConnectDesktop: ({ id }) => ({
        connectDesktop: {
          url: "ws://gw/display/v1/dt_r",
          expiresAt: "2026-11-28T10:00:30Z",
          desktopId: id,
          idleTimeoutMinutes: null,
          sessionEndsAt: null,
        },
      }),
    });
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await act(() => vi.advanceTimersByTimeAsync(50));
    expect(screen.getByText("dev-box is not running")).toBeInTheDocument();
    expect(reads).toBe(1);

    await act(() => vi.advanceTimersByTimeAsync(3_000));
    for (let i = 0; i < 20 && sessions.length === 0; i++) {
      await act(() => vi.advanceTimersByTimeAsync(10));
    }
    expect(reads).toBe(2);
    expect(sessions).toHaveLength(1);
    // Running: nothing more is read.
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(reads).toBe(2);
  });

  it("stops reading the desktop again once an event came", async () => {
    vi.useFakeTimers();
    let reads = 0;
    const gql = fakeClient({
      Desktop: ({ id }) => {
        reads++;
        return { desktop: desktop(String(id), { name: "dev-box", state: "STARTING" }) };
      },
    });
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await act(() => vi.advanceTimersByTimeAsync(50));
    act(() => gql.push("DesktopEvents", event("STARTING")));
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(reads).toBe(1);
  });

  it("says a stopped desktop is not running, powers it on, and connects once it runs", async () => {
    const gql = api("STOPPED");
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    expect(await screen.findByText("dev-box is not running")).toBeInTheDocument();
    expect(gql.calls.some((c) => c.name === "ConnectDesktop")).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Power on" }));
    await waitFor(() =>
      expect(gql.calls).toContainEqual({ name: "StartDesktop", variables: { id: "d1" } }),
    );
    act(() => gql.push("DesktopEvents", event("STARTING")));
    expect(screen.getByText(/Starting \(3 of 4\)/)).toBeInTheDocument();
    expect(sessions).toHaveLength(0);
    act(() => gql.push("DesktopEvents", event("RUNNING")));
    await waitFor(() => expect(sessions).toHaveLength(1));
  });

  it("shows the API's reason when the ticket is refused", async () => {
    const gql = api("RUNNING", {
      ConnectDesktop: () => apiError("DESKTOP_NOT_RUNNING", "desktop d1 is STOPPING"),
    });
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("desktop d1 is STOPPING");
    expect(alert).toHaveTextContent("DESKTOP_NOT_RUNNING");
    expect(viewer()).toHaveAttribute("data-phase", "refused");
    expect(sessions).toHaveLength(0);
  });

  it("explains a refused ticket and reconnects with a new one when asked", async () => {
    const gql = api("RUNNING");
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await waitFor(() => expect(sessions).toHaveLength(1));
    sessions[0].closed(4401);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveAttribute("data-close-code", "4401");
    expect(alert).toHaveTextContent("did not recognise the connection ticket");
    expect(sessions).toHaveLength(1); // no automatic retry for an unknown ticket
    const reconnect = screen.getAllByRole("button", { name: "Reconnect" });
    await userEvent.click(reconnect[reconnect.length - 1]);
    await waitFor(() => expect(sessions).toHaveLength(2));
    expect(sessions[1].url).not.toBe(sessions[0].url);
    sessions[1].connected();
    expect(viewer()).toHaveAttribute("data-phase", "connected");
  });

  it("reconnects by itself when the cluster was briefly unreachable", async () => {
    const gql = api("RUNNING");
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await waitFor(() => expect(sessions).toHaveLength(1));
    sessions[0].connected();
    sessions[0].closed(4503);
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "not connected to the gateway at the moment. Reconnecting…",
    );
    await waitFor(() => expect(sessions).toHaveLength(2), { timeout: 3000 });
    sessions[1].connected();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("shows that the desktop was powered off instead of a bare disconnect", async () => {
    const gql = api("RUNNING");
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await waitFor(() => expect(sessions).toHaveLength(1));
    sessions[0].connected();
    act(() => gql.push("DesktopEvents", event("STOPPING")));
    sessions[0].closed(1000);
    expect(await screen.findByText("dev-box is not running")).toBeInTheDocument();
    act(() => gql.push("DesktopEvents", event("STOPPED")));
    expect(screen.getByRole("button", { name: "Power on" })).toBeInTheDocument();
  });

  it("relays clipboard text both ways", async () => {
    const gql = api("RUNNING");
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await waitFor(() => expect(sessions).toHaveLength(1));
    sessions[0].connected();
    await userEvent.click(screen.getByRole("button", { name: "Clipboard" }));
    act(
      () =>
        void sessions[0].dispatchEvent(
          new CustomEvent("clipboard", { detail: { text: "copied inside" } }),
        ),
    );
    expect(screen.getByLabelText("From the desktop")).toHaveValue("copied inside");
    await userEvent.type(screen.getByLabelText("To the desktop"), "pasted outside");
    await userEvent.click(screen.getByRole("button", { name: "Send to the desktop" }));
    expect(sessions[0].pasted).toEqual(["pasted outside"]);
  });

  it("disconnects when it goes away", async () => {
    const gql = api("RUNNING");
    const view = renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    await waitFor(() => expect(sessions).toHaveLength(1));
    sessions[0].connected();
    view.unmount();
    expect(sessions[0].disconnected).toBe(true);
  });
});

describe("DesktopViewer's time limits", () => {
  const MIN = 60_000;
  // Local time, so that the end shown in the toolbar is the time written here.
  const start = new Date(2026, 10, 28, 14, 0).getTime();

  beforeEach(() => {
    sessions.length = 0;
    vi.useFakeTimers();
    vi.setSystemTime(start);
  });
  afterEach(() => vi.useRealTimers());

  /** Lets `ms` of fake time pass, running the timers and promises due meanwhile. */
  const pass = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
  /** Lets fake time pass until `at` (epoch ms). */
  const until = (at: number) => pass(at - Date.now());

  /** Connects with a ticket announcing `limits`; answers when the display connected. */
  async function connectWith(limits: {
    sessionEndsAt?: string | null;
    idleTimeoutMinutes?: number | null;
  }) {
    const gql = api("RUNNING", {
      ConnectDesktop: () => ({
        connectDesktop: {
          url: `ws://gw/display/v1/dt_${++tickets}`,
          expiresAt: new Date(start + 30_000).toISOString(),
          desktopId: "d1",
          idleTimeoutMinutes: null,
          sessionEndsAt: null,
          ...limits,
        },
      }),
    });
    renderWithProviders(<DesktopViewer desktopId="d1" />, gql.client);
    // The desktop's query, then the ticket, each answered a moment later; then noVNC opens.
    for (let i = 0; i < 20 && sessions.length === 0; i++) await pass(10);
    expect(sessions).toHaveLength(1);
    sessions[0].connected();
    expect(viewer()).toHaveAttribute("data-phase", "connected");
    return Date.now();
  }

  const endWarning = () => screen.queryByTestId("session-end-warning");
  const idleWarning = () => screen.queryByTestId("idle-warning");

  it("shows when the session ends and counts down its last five minutes", async () => {
    const end = start + 30 * MIN;
    await connectWith({ sessionEndsAt: new Date(end).toISOString() });
    expect(screen.getByTestId("session-ends-at")).toHaveTextContent(
      `Session ends at ${formatEndTime(end, start)}`,
    );
    expect(screen.getByTestId("session-ends-at")).toHaveTextContent(/(14|02):30/);
    expect(endWarning()).not.toBeInTheDocument();

    await until(end - 5 * MIN - 1000);
    expect(endWarning()).not.toBeInTheDocument();
    await pass(1000);
    expect(endWarning()).toHaveTextContent("Session ends in 5:00 — save your work");
    await pass(1000);
    expect(endWarning()).toHaveTextContent("Session ends in 4:59 — save your work");
    await until(end - 7000);
    expect(endWarning()).toHaveTextContent("Session ends in 0:07");
    // Input does not postpone the end.
    fireEvent.pointerMove(screen.getByTestId("display-screen"));
    await pass(0);
    expect(endWarning()).toHaveTextContent("Session ends in 0:07");

    // The broker closes the display at the end; the viewer explains it and the countdown goes.
    sessions[0].closed(4003);
    expect(screen.getByRole("alert")).toHaveTextContent("Session time limit reached");
    expect(endWarning()).not.toBeInTheDocument();
    expect(screen.queryByTestId("session-ends-at")).not.toBeInTheDocument();
  });

  it("warns a minute before the idle limit and hides the warning on input", async () => {
    const connectedAt = await connectWith({ idleTimeoutMinutes: 15 });
    expect(screen.queryByTestId("session-ends-at")).not.toBeInTheDocument();

    await until(connectedAt + 14 * MIN - 1000);
    expect(idleWarning()).not.toBeInTheDocument();
    await pass(1000);
    expect(idleWarning()).toHaveTextContent(
      "No input for a while: you will be disconnected in 1:00 — move the mouse or press a key to stay",
    );
    await pass(1000);
    expect(idleWarning()).toHaveTextContent("you will be disconnected in 0:59");

    // The mouse moves over the screen: the warning goes, and comes back 14 minutes later.
    const display = screen.getByTestId("display-screen");
    fireEvent.pointerMove(display);
    const moved = Date.now();
    await pass(0);
    expect(idleWarning()).not.toBeInTheDocument();
    await until(moved + 14 * MIN - 1000);
    expect(idleWarning()).not.toBeInTheDocument();
    await pass(1000);
    expect(idleWarning()).toHaveTextContent("you will be disconnected in 1:00");

    // A key pressed on noVNC's canvas, which keeps the event to itself, counts too.
    const canvas = document.createElement("canvas");
    canvas.addEventListener("keydown", (e) => e.stopPropagation());
    display.appendChild(canvas);
    fireEvent.keyDown(canvas, { key: "a" });
    await pass(0);
    expect(idleWarning()).not.toBeInTheDocument();

    // Without input the countdown runs out, but only the broker closes the display.
    await pass(15 * MIN + 5000);
    expect(idleWarning()).toHaveTextContent("you will be disconnected in 0:00");
    expect(sessions[0].disconnected).toBe(false);
    expect(viewer()).toHaveAttribute("data-phase", "connected");
    sessions[0].closed(4002);
    expect(screen.getByRole("alert")).toHaveTextContent("Disconnected for inactivity");
    expect(idleWarning()).not.toBeInTheDocument();
  });

  it("counts text sent to the desktop's clipboard as input", async () => {
    const connectedAt = await connectWith({ idleTimeoutMinutes: 10 });
    await until(connectedAt + 9 * MIN + 30_000);
    expect(idleWarning()).toHaveTextContent("you will be disconnected in 0:30");
    fireEvent.click(screen.getByRole("button", { name: "Clipboard" }));
    fireEvent.change(screen.getByLabelText("To the desktop"), { target: { value: "notes" } });
    fireEvent.click(screen.getByRole("button", { name: "Send to the desktop" }));
    await pass(0);
    expect(sessions[0].pasted).toEqual(["notes"]);
    expect(idleWarning()).not.toBeInTheDocument();
  });

  it("shows no limits for a ticket without them, however long the connection", async () => {
    await connectWith({});
    fireEvent.pointerMove(screen.getByTestId("display-screen"));
    await pass(10 * 60 * MIN);
    expect(screen.queryByTestId("session-ends-at")).not.toBeInTheDocument();
    expect(endWarning()).not.toBeInTheDocument();
    expect(idleWarning()).not.toBeInTheDocument();
    expect(screen.queryByText(/Session ends|No input for a while/)).not.toBeInTheDocument();
  });
});
