import {
  Alert,
  Anchor,
  Box,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  Progress,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useSubscription } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import {
  IconAlertTriangle,
  IconArrowsMaximize,
  IconClipboard,
  IconPlayerPlay,
  IconRefresh,
} from "../common/icons";
import { StateBadge } from "../desktops/StateBadge";
import { canStart, transition } from "../desktops/states";
import {
  DesktopDocument,
  DesktopEventsDocument,
  StartDesktopDocument,
  type DesktopEventsSubscription,
  type DesktopState,
} from "../gql/graphql";
import { AudioControls, AudioMessage } from "./audio/AudioControls";
import { useDesktopAudio } from "./audio/useDesktopAudio";
import { formatCountdown, formatEndTime, type LimitsNotice } from "./sessionLimits";
import { useDisplaySession } from "./useDisplaySession";
import { useSessionLimits } from "./useSessionLimits";

/** Performance mark set when the user powers the desktop on from the viewer. */
export const POWER_ON_MARK = "opencdi:power-on";

type Live = { state: DesktopState; statusReason?: string | null };

/** What a page that opens the viewer already knows of the desktop (e.g. from its creation). */
export type KnownDesktop = { name: string; state: DesktopState; statusReason?: string | null };

/** How often a desktop on its way to another state is read again until its first event. */
const STATE_RECHECK_MS = 3_000;

/**
 * The desktop's screen in the browser (noVNC), used as the full-page viewer and embedded in the
 * portal. Connects whenever the desktop is RUNNING (also when it becomes RUNNING while the viewer
 * is open), explains refusals and disconnections in plain words, and offers reconnect, full
 * screen and clipboard text in both directions. Given what the opening page already `known`s of
 * the desktop, it shows it and connects at once, without waiting for its own query to answer.
 */
export function DesktopViewer({
  desktopId,
  embedded = false,
  known,
}: {
  desktopId: string;
  embedded?: boolean;
  known?: KnownDesktop;
}) {
  const [desktop, readDesktop] = useQuery({ query: DesktopDocument, variables: { id: desktopId } });
  const [live] = useSubscription<DesktopEventsSubscription, Live | null>(
    { query: DesktopEventsDocument, variables: { desktopId } },
    (previous, event) =>
      event.desktopEvents
        ? {
            state: event.desktopEvents.desktop.state,
            statusReason: event.desktopEvents.desktop.statusReason,
          }
        : (previous ?? null),
  );
  const [start, startDesktop] = useMutation(StartDesktopDocument);
  const frame = useRef<HTMLDivElement>(null);
  const screen = useRef<HTMLDivElement>(null);
  const display = useDisplaySession(desktopId, screen);
  const [clipboardOpen, setClipboardOpen] = useState(false);
  const [outgoing, setOutgoing] = useState("");
  const [fullscreen, setFullscreen] = useState(false);

  const info = desktop.data?.desktop ?? known;
  const state: DesktopState | undefined = live.data?.state ?? info?.state;
  const reason = live.data?.statusReason ?? info?.statusReason;
  const running = state === "RUNNING";

  // A change published after the query read the desktop but before the gateway began the
  // subscription never arrives as an event. So while the desktop is on its way to another state
  // and no event has come yet, it is read again now and then; the first event makes that moot.
  const awaitingFirstEvent = live.data == null && state !== undefined && transition(state) !== null;
  useEffect(() => {
    if (!awaitingFirstEvent) return;
    const timer = setInterval(
      () => readDesktop({ requestPolicy: "network-only" }),
      STATE_RECHECK_MS,
    );
    return () => clearInterval(timer);
  }, [awaitingFirstEvent, readDesktop]);
  const { phase, connect } = display;
  const limits = phase.kind === "connected" ? phase.limits : null;
  const { notice, noteInput } = useSessionLimits(limits, screen);
  const audio = useDesktopAudio(display.audio?.link ?? null, display.audio?.microphone ?? false);

  // Connect when the desktop is (or becomes) RUNNING and nothing is connected or pending. A
  // closed session stays closed with its message until the user reconnects, unless the
  // desktop went away and came back, which is a fresh start.
  const wasRunning = useRef(false);
  useEffect(() => {
    const becameRunning = running && !wasRunning.current;
    wasRunning.current = running;
    if (becameRunning && (phase.kind === "idle" || phase.kind === "closed")) void connect();
  }, [running, phase.kind, connect]);

  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement === frame.current);
    document.addEventListener("fullscreenchange", onChange);
    return () => document.removeEventListener("fullscreenchange", onChange);
  }, []);

  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void frame.current?.requestFullscreen();
  };

  const powerOn = async () => {
    performance.mark(POWER_ON_MARK);
    await startDesktop({ id: desktopId });
  };

  if (desktop.error) {
    return <ErrorAlert error={desktop.error} title="The desktop could not be loaded" />;
  }
  if (!info) {
    return (
      <Center p="xl">
        <Loader aria-label="Loading the desktop" />
      </Center>
    );
  }

  const moving = state ? transition(state) : null;
  const overlay = (() => {
    if (phase.kind === "connected") return null;
    if (!running && state) {
      return (
        <Stack align="center" gap="sm" data-testid="viewer-not-running">
          <Title order={4}>{info.name} is not running</Title>
          <StateBadge state={state} />
          {moving ? (
            <Box w={260}>
              <Progress value={moving.progress} striped animated aria-label={moving.label} />
              <Text size="xs" c="dimmed" ta="center" mt={4}>
                {moving.label}; the viewer connects when it is running.
              </Text>
            </Box>
          ) : (
            <Text size="sm" c="dimmed">
              {state === "FAILED" && reason
                ? reason
                : "Power it on to connect; the viewer connects when it is running."}
            </Text>
          )}
          <ErrorAlert error={start.error} title="The desktop could not be started" />
          {canStart(state) && (
            <Button
              leftSection={<IconPlayerPlay size={16} />}
              loading={start.fetching}
              onClick={() => void powerOn()}
            >
              Power on
            </Button>
          )}
        </Stack>
      );
    }
    if (phase.kind === "connecting" || phase.kind === "idle") {
      return (
        <Stack align="center" gap="xs">
          <Loader aria-label="Connecting" />
          <Text c="dimmed">Connecting to {info.name}…</Text>
        </Stack>
      );
    }
    if (phase.kind === "refused") {
      return (
        <Stack align="center" maw={520}>
          <ErrorAlert error={phase.error} title="The gateway refused the connection" />
          <Button leftSection={<IconRefresh size={16} />} onClick={display.reconnect}>
            Reconnect
          </Button>
        </Stack>
      );
    }
    return (
      <Stack align="center" maw={520}>
        <Alert
          color="orange"
          variant="light"
          role="alert"
          icon={<IconAlertTriangle size={18} />}
          title={phase.explanation.title}
          data-close-code={phase.code}
        >
          {phase.explanation.message}
          {phase.retryIn !== null && " Reconnecting…"}
        </Alert>
        <Button leftSection={<IconRefresh size={16} />} onClick={display.reconnect}>
          Reconnect
        </Button>
      </Stack>
    );
  })();

  return (
    <Stack
      gap="xs"
      ref={frame}
      data-testid="desktop-viewer"
      data-phase={phase.kind}
      style={{ background: fullscreen ? "var(--mantine-color-body)" : undefined }}
      h={fullscreen ? "100vh" : undefined}
    >
      <Group justify="space-between" wrap="nowrap" px={fullscreen ? "xs" : 0}>
        <Group gap="xs" wrap="nowrap">
          <Title order={embedded ? 5 : 3} lineClamp={1}>
            {info.name}
          </Title>
          {state && <StateBadge state={state} />}
          {limits && notice.endsAt !== null && (
            <Text
              size="sm"
              c="dimmed"
              style={{ whiteSpace: "nowrap" }}
              title={new Date(notice.endsAt).toLocaleString()}
              data-testid="session-ends-at"
            >
              Session ends at {formatEndTime(notice.endsAt, limits.startedAt)}
            </Text>
          )}
        </Group>
        <Group gap="xs" wrap="nowrap">
          {display.audio && <AudioControls audio={audio} />}
          {embedded && (
            <Anchor component={Link} to={`/desktops/${desktopId}/display`} size="sm">
              Open in its own page
            </Anchor>
          )}
          <Button
            size="xs"
            variant="default"
            leftSection={<IconClipboard size={16} />}
            aria-expanded={clipboardOpen}
            onClick={() => setClipboardOpen((o) => !o)}
          >
            Clipboard
          </Button>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconArrowsMaximize size={16} />}
            onClick={toggleFullscreen}
          >
            {fullscreen ? "Exit full screen" : "Full screen"}
          </Button>
          <Button
            size="xs"
            variant="default"
            disabled={!running}
            leftSection={<IconRefresh size={16} />}
            onClick={display.reconnect}
          >
            Reconnect
          </Button>
        </Group>
      </Group>
      {clipboardOpen && (
        <Paper withBorder p="xs">
          <Group grow align="flex-start">
            <Textarea
              label="From the desktop"
              description="Text copied inside the desktop appears here."
              readOnly
              autosize
              maxRows={4}
              value={display.remoteClipboard}
            />
            <Stack gap={4}>
              <Textarea
                label="To the desktop"
                description="Paste text here and send it to the desktop's clipboard."
                autosize
                maxRows={4}
                value={outgoing}
                onChange={(e) => setOutgoing(e.currentTarget.value)}
              />
              <Button
                size="xs"
                disabled={phase.kind !== "connected" || outgoing === ""}
                onClick={() => {
                  display.sendClipboard(outgoing);
                  // A paste reaches the desktop as input, which the idle limit counts.
                  noteInput();
                }}
              >
                Send to the desktop
              </Button>
            </Stack>
          </Group>
        </Paper>
      )}
      <Box
        pos="relative"
        style={{
          // In full screen the frame is a column of the window's height; otherwise the box has a
          // height of its own (a flex basis of 0 would shrink it to its minimum).
          flex: fullscreen ? 1 : undefined,
          minHeight: 240,
          height: fullscreen ? undefined : embedded ? "70vh" : "calc(100vh - 140px)",
          background: "#1a1b1e",
          borderRadius: fullscreen ? 0 : 8,
          overflow: "hidden",
        }}
      >
        {/* noVNC draws its canvas inside this element and follows its size. */}
        <div
          ref={screen}
          data-testid="display-screen"
          aria-label={`Screen of ${info.name}`}
          style={{ position: "absolute", inset: 0 }}
        />
        <LimitWarnings notice={notice} />
        {phase.kind === "connected" && <AudioMessage audio={audio} />}
        {overlay && (
          <Center
            pos="absolute"
            inset={0}
            p="md"
            style={{ background: "var(--mantine-color-body)", zIndex: 1 }}
          >
            {overlay}
          </Center>
        )}
      </Box>
    </Stack>
  );
}

/**
 * The countdowns to a close by the broker, over the top of the screen: they neither move the
 * screen (which would resize the desktop) nor catch the pointer. Each is announced once when it
 * appears; its seconds tick silently.
 */
function LimitWarnings({ notice }: { notice: LimitsNotice }) {
  if (notice.endsInMs === null && notice.idleCloseInMs === null) return null;
  return (
    <Stack
      gap={6}
      pos="absolute"
      top={8}
      left="50%"
      maw="calc(100% - 16px)"
      style={{ transform: "translateX(-50%)", zIndex: 2, pointerEvents: "none" }}
    >
      {notice.endsInMs !== null && (
        <Alert
          color="orange"
          variant="filled"
          role="alert"
          p="xs"
          icon={<IconAlertTriangle size={18} />}
          data-testid="session-end-warning"
        >
          Session ends in <span role="timer">{formatCountdown(notice.endsInMs)}</span> — save your
          work
        </Alert>
      )}
      {notice.idleCloseInMs !== null && (
        <Alert
          color="yellow"
          variant="filled"
          role="alert"
          p="xs"
          icon={<IconAlertTriangle size={18} />}
          data-testid="idle-warning"
        >
          No input for a while: you will be disconnected in{" "}
          <span role="timer">{formatCountdown(notice.idleCloseInMs)}</span> — move the mouse or
          press a key to stay
        </Alert>
      )}
    </Stack>
  );
}
