import { describe, expect, it } from "vitest";
import { explainAudioClose, explainMicrophoneError } from "./audioCloseCodes";

describe("explainAudioClose", () => {
  it("explains every close code the sound's socket may get", () => {
    // The display's codes that apply to sound (docs/api.md) and the sound's own 4422, 4423, 4429.
    const codes = [
      1000, 1006, 1011, 4000, 4001, 4401, 4403, 4404, 4408, 4409, 4410, 4422, 4423, 4429, 4502,
      4503, 4504,
    ];
    const messages = codes.map((c) => explainAudioClose(c).message);
    expect(new Set(messages).size).toBe(codes.length);
    for (const m of messages) expect(m).not.toMatch(/code \d+/);
  });

  it("names the microphone when the template does not take it", () => {
    expect(explainAudioClose(4423).title).toBe("Microphone not allowed");
    expect(explainAudioClose(4410).title).toBe("No sound");
  });

  it("shows unknown codes and their reason rather than guessing", () => {
    expect(explainAudioClose(4999, "strange")).toEqual({
      title: "Sound stopped",
      message: "The sound connection closed (code 4999: strange).",
    });
  });
});

describe("explainMicrophoneError", () => {
  it("tells a refused permission from a missing or busy device", () => {
    const error = (name: string) => Object.assign(new Error("x"), { name });
    expect(explainMicrophoneError(error("NotAllowedError")).title).toBe("Microphone blocked");
    expect(explainMicrophoneError(error("NotFoundError")).title).toBe("No microphone");
    expect(explainMicrophoneError(error("NotReadableError")).title).toBe("Microphone busy");
    expect(explainMicrophoneError(new Error("boom")).message).toMatch(/boom/);
  });
});
