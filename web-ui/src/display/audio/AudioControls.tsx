import { Alert, Button, Group, Progress, Text } from "@mantine/core";
import {
  IconAlertTriangle,
  IconMicrophone,
  IconMicrophoneOff,
  IconVolume,
  IconVolumeOff,
} from "../../common/icons";
import type { DesktopAudio } from "./useDesktopAudio";

/**
 * The viewer toolbar's sound controls: "Sound" (off until pressed, the choice remembered), a
 * level meter of the last second while it is on, and "Microphone" where the template takes it.
 * The counters ride on the container's data attributes, for the end-to-end test.
 */
export function AudioControls({ audio }: { audio: DesktopAudio }) {
  const { soundOn, micOn, stats } = audio;
  const hint = audio.waitingForGesture
    ? "The browser starts the sound at your next click or key press on the page."
    : undefined;
  return (
    <Group
      gap={6}
      wrap="nowrap"
      data-testid="viewer-audio"
      data-sound={soundOn ? "on" : "off"}
      data-audio-live={audio.live}
      data-audio-packets={stats.packets}
      data-audio-decoded={stats.decoded}
      data-audio-peak={stats.peak.toFixed(3)}
      data-mic-packets={stats.micPackets}
    >
      <Button
        size="xs"
        variant={soundOn ? "light" : "default"}
        aria-pressed={soundOn}
        title={hint}
        leftSection={soundOn ? <IconVolume size={16} /> : <IconVolumeOff size={16} />}
        onClick={audio.toggleSound}
      >
        Sound
      </Button>
      {soundOn && audio.waitingForGesture && (
        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }} data-testid="audio-waiting">
          Click to start
        </Text>
      )}
      {soundOn && !audio.waitingForGesture && (
        <Progress
          size="sm"
          w={36}
          value={Math.round(stats.peak * 100)}
          aria-label="Sound level of the last second"
          transitionDuration={150}
          data-testid="audio-level"
        />
      )}
      {audio.microphone && (
        <Button
          size="xs"
          variant={micOn ? "light" : "default"}
          color={micOn ? "red" : undefined}
          aria-pressed={micOn}
          disabled={!audio.live}
          leftSection={micOn ? <IconMicrophone size={16} /> : <IconMicrophoneOff size={16} />}
          onClick={audio.toggleMic}
        >
          Microphone
        </Button>
      )}
    </Group>
  );
}

/** Why there is no sound (a close of its socket, a browser without WebCodecs, a refused mic). */
export function AudioMessage({ audio }: { audio: DesktopAudio }) {
  const { message } = audio;
  if (!message) return null;
  return (
    <Alert
      color="orange"
      variant="filled"
      role="alert"
      p="xs"
      icon={<IconAlertTriangle size={18} />}
      title={message.title}
      withCloseButton
      onClose={audio.dismissMessage}
      data-testid="audio-message"
      data-close-code={message.code}
      pos="absolute"
      bottom={8}
      left="50%"
      maw="min(520px, calc(100% - 16px))"
      style={{ transform: "translateX(-50%)", zIndex: 2 }}
    >
      {message.message}
    </Alert>
  );
}
