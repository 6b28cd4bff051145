import { describe, expect, it } from "vitest";
import { explainClose } from "./closeCodes";

describe("explainClose", () => {
  it("explains every close code the gateway sends", () => {
    // DisplayCloseCodes in the gateway (docs/api.md): each has its own explanation.
    const codes = [
      1000, 1003, 1009, 4000, 4001, 4002, 4003, 4401, 4403, 4404, 4408, 4409, 4410, 4422, 4502,
      4503, 4504,
    ];
    const messages = codes.map((c) => explainClose(c).message);
    expect(new Set(messages).size).toBe(codes.length);
    for (const m of messages) expect(m).not.toMatch(/code \d+/);
  });

  it("says the desktop is not running for 4404", () => {
    expect(explainClose(4404)).toMatchObject({
      title: "The desktop is not running",
      retry: "manual",
    });
  });

  it("retries by itself only where a new ticket or a moment's wait helps", () => {
    const auto = [1006, 4408, 4409, 4502, 4503, 4504];
    const manual = [1000, 1003, 1009, 4000, 4001, 4002, 4003, 4401, 4403, 4404, 4410];
    for (const c of auto) expect(explainClose(c).retry, String(c)).toBe("auto");
    for (const c of manual) expect(explainClose(c).retry, String(c)).toBe("manual");
  });

  it("says how long the idle limit was when the gateway tells", () => {
    expect(
      explainClose(4002, "closed after 15 minutes without keyboard or mouse input").message,
    ).toBe(
      "The display was closed after 15 minutes without keyboard or mouse input. Your desktop is still running; reconnect to go on.",
    );
    expect(explainClose(4003).title).toBe("Session time limit reached");
  });

  it("shows unknown codes and their reason rather than guessing", () => {
    expect(explainClose(4999, "strange")).toEqual({
      title: "Disconnected",
      message: "The display connection closed (code 4999: strange).",
      retry: "manual",
    });
  });
});
