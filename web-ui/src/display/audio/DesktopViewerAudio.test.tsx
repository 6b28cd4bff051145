import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeClient } from "../../test/fakeClient";
import { desktop } from "../../test/fixtures";
import { renderWithProviders } from "../../test/render";
import { DesktopViewer } from "../DesktopViewer";
import type { DisplayClose } from "../novnc";
import { SOUND_OFF, SOUND_ON } from "./audioLink";
import { SOUND_KEY } from "./useDesktopAudio";

/** Stands in for noVNC's RFB object, as in DesktopViewer.test.tsx. */
class FakeRfb extends EventTarget {
  scaleViewport = false;
  resizeSession = false;
  clipViewport = false;
  focusOnClick = false;
  background = "";
  constructor(private readonly onClose: (c: DisplayClose) => void) {
    super();
  }
  disconnect() {}
  focus() {}
  sendCtrlAltDel() {}
  clipboardPasteFrom() {}
  connected() {
    act(() => void this.dispatchEvent(new CustomEvent("connect")));
  }
  closed(code: number) {
    act(() => {
      this.onClose({ code, reason: "" });
      this.dispatchEvent(new CustomEvent("disconnect", { detail: { clean: code === 1000 } }));
    });
  }
}

const rfbs: FakeRfb[] = [];
vi.mock("../novnc", () => ({
  preloadRfb: async () => ({}),
  openRfb: vi.fn(async (_t: HTMLElement, _url: string, onClose: (c: DisplayClose) => void) => {
    const rfb = new FakeRfb(onClose);
    rfbs.push(rfb);
    return rfb;
  }),
}));

/** The sound's WebSocket: jsdom would dial out, so the tests stand in for the gateway. */
class FakeSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  binaryType = "blob";
  readyState = FakeSocket.CONNECTING;
  bufferedAmount = 0;
  closedWith: number | null = null;
  sent: (ArrayBuffer | string)[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.all.push(this);
  }
  send(data: ArrayBuffer | string) {
    this.sent.push(data);
  }
  close(code = 1005) {
    this.closedWith = code;
    this.readyState = FakeSocket.CLOSED;
  }
  /** The gateway accepted the ticket. */
  opened() {
    act(() => {
      this.readyState = FakeSocket.OPEN;
      this.dispatchEvent(new Event("open"));
    });
  }
  /** One Opus packet from the desktop. */
  packet() {
    act(() => void this.dispatchEvent(new MessageEvent("message", { data: new ArrayBuffer(80) })));
  }
  /** The gateway closed the socket with `code`. */
  closedBy(code: number, reason = "") {
    act(() => {
      this.readyState = FakeSocket.CLOSED;
      this.dispatchEvent(Object.assign(new Event("close"), { code, reason }));
    });
  }
}

let tickets = 0;
function api({ audio = true, microphone = false } = {}) {
  return fakeClient({
    Desktop: ({ id }) => ({ desktop: desktop(String(id), { name: "dev-box", state: "RUNNING" }) }),
    ConnectDesktop: ({ id }) => {
      const n = ++tickets;
      return {
        connectDesktop: {
          url: `ws://gw/display/v1/dt_${n}`,
          expiresAt: "2026-11-28T10:00:30Z",
          desktopId: id,
          idleTimeoutMinutes: null,
          sessionEndsAt: null,
          audioUrl: audio ? `ws://gw/audio/v1/at_${n}` : null,
          microphone,
        },
      };
    },
  });
}

const controls = () => screen.getByTestId("viewer-audio");
const soundButton = () => screen.getByRole("button", { name: "Sound" });

describe("the viewer's sound (jsdom: no WebCodecs, no WebAudio)", () => {
  beforeEach(() => {
    rfbs.length = 0;
    FakeSocket.all = [];
    localStorage.clear();
    vi.stubGlobal("WebSocket", FakeSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("opens the sound's socket with the display's connection and closes it with the display", async () => {
    renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    const [sound] = FakeSocket.all;
    expect(sound.url).toMatch(/^ws:\/\/gw\/audio\/v1\/at_\d+$/);
    expect(sound.binaryType).toBe("arraybuffer");
    rfbs[0].connected();
    expect(soundButton()).toHaveAttribute("aria-pressed", "false");

    // The display drops: the sound goes with it, and the retry opens a new pair of sockets.
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      rfbs[0].closed(1006);
      expect(sound.closedWith).toBe(1000);
      await act(async () => void vi.advanceTimersByTime(600));
      await waitFor(() => expect(FakeSocket.all).toHaveLength(2));
      expect(FakeSocket.all[1].url).not.toBe(sound.url);
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts the packets that arrive", async () => {
    renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    rfbs[0].connected();
    const sound = FakeSocket.all[0];
    sound.opened();
    for (let i = 0; i < 5; i++) sound.packet();
    await waitFor(() => expect(controls()).toHaveAttribute("data-audio-packets", "5"));
    expect(controls()).toHaveAttribute("data-audio-decoded", "0");
    expect(controls()).toHaveAttribute("data-audio-peak", "0.000");
  });

  it("has no sound controls and opens no socket when the template has no audio", async () => {
    renderWithProviders(<DesktopViewer desktopId="d1" />, api({ audio: false }).client);
    await waitFor(() => expect(rfbs).toHaveLength(1));
    rfbs[0].connected();
    expect(screen.queryByRole("button", { name: "Sound" })).not.toBeInTheDocument();
    expect(FakeSocket.all).toHaveLength(0);
  });

  it("turns sound on only when pressed, remembers it, and says when the browser cannot play it", async () => {
    const user = userEvent.setup();
    renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    rfbs[0].connected();
    expect(controls()).toHaveAttribute("data-sound", "off");
    expect(screen.queryByTestId("audio-message")).not.toBeInTheDocument();

    await user.click(soundButton());
    expect(soundButton()).toHaveAttribute("aria-pressed", "true");
    expect(localStorage.getItem(SOUND_KEY)).toBe("on");
    const alert = await screen.findByTestId("audio-message");
    expect(alert).toHaveTextContent("This browser cannot play the desktop's sound");

    await user.click(soundButton());
    expect(soundButton()).toHaveAttribute("aria-pressed", "false");
    expect(localStorage.getItem(SOUND_KEY)).toBe("off");
    expect(screen.queryByTestId("audio-message")).not.toBeInTheDocument();
  });

  it("starts with sound on when the user left it on", async () => {
    localStorage.setItem(SOUND_KEY, "on");
    renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    rfbs[0].connected();
    expect(soundButton()).toHaveAttribute("aria-pressed", "true");
    FakeSocket.all[0].opened();
    expect(FakeSocket.all[0].sent).toEqual([]); // a tunnel starts with sound on
  });

  it("asks for no sound while the user has it off, and for sound once it is on", async () => {
    const user = userEvent.setup();
    renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    rfbs[0].connected();
    const sound = FakeSocket.all[0];
    expect(sound.sent).toEqual([]); // nothing before the socket is open
    sound.opened();
    await waitFor(() => expect(sound.sent).toEqual([SOUND_OFF]));

    await user.click(soundButton());
    await waitFor(() => expect(sound.sent).toEqual([SOUND_OFF, SOUND_ON]));
    await user.click(soundButton());
    await waitFor(() => expect(sound.sent).toEqual([SOUND_OFF, SOUND_ON, SOUND_OFF]));
  });

  it("offers the microphone only when the ticket allows it", async () => {
    const user = userEvent.setup();
    const first = renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    rfbs[0].connected();
    expect(screen.queryByRole("button", { name: "Microphone" })).not.toBeInTheDocument();
    first.unmount();

    renderWithProviders(<DesktopViewer desktopId="d1" />, api({ microphone: true }).client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2));
    rfbs[1].connected();
    const mic = screen.getByRole("button", { name: "Microphone" });
    expect(mic).toHaveAttribute("aria-pressed", "false");
    // Without WebCodecs there is nothing to encode with: said so, nothing sent.
    await user.click(mic);
    expect(await screen.findByTestId("audio-message")).toHaveTextContent(
      "cannot send your microphone",
    );
    expect(mic).toHaveAttribute("aria-pressed", "false");
    expect(FakeSocket.all[1].sent).toHaveLength(0);
  });

  it("explains a close of the sound's socket while the display stays connected", async () => {
    const user = userEvent.setup();
    renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    rfbs[0].connected();
    FakeSocket.all[0].closedBy(4410, "no sound");
    const alert = await screen.findByTestId("audio-message");
    expect(alert).toHaveAttribute("data-close-code", "4410");
    expect(alert).toHaveTextContent("No sound");
    expect(screen.getByTestId("desktop-viewer")).toHaveAttribute("data-phase", "connected");
    await user.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("audio-message")).not.toBeInTheDocument();
  });

  it("disables the microphone once the sound's socket is closed", async () => {
    renderWithProviders(<DesktopViewer desktopId="d1" />, api({ microphone: true }).client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    rfbs[0].connected();
    const mic = screen.getByRole("button", { name: "Microphone" });
    expect(mic).toBeEnabled();
    FakeSocket.all[0].closedBy(4423);
    expect(await screen.findByTestId("audio-message")).toHaveTextContent("Microphone not allowed");
    expect(mic).toBeDisabled();
    expect(controls()).toHaveAttribute("data-audio-live", "false");
  });

  it("does not lose a refusal that comes before the viewer listens", async () => {
    renderWithProviders(<DesktopViewer desktopId="d1" />, api().client);
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    FakeSocket.all[0].closedBy(4409);
    rfbs[0].connected();
    expect(await screen.findByTestId("audio-message")).toHaveAttribute("data-close-code", "4409");
  });
});
