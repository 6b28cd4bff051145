import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterAll, afterEach } from "vitest";

afterEach(() => cleanup());

// Mantine's transitions finish on timers (about 200 ms) that may still be pending when a file's
// last test ends; let them fire while the file's DOM still exists, not after it was torn down
// (there they fail with "window is not defined" and fail the run).
afterAll(() => new Promise((done) => setTimeout(done, 400)));

// findBy*/waitFor wait up to 1 s by default; a loaded CI machine can take longer to render.
configure({ asyncUtilTimeout: 10_000 });

// jsdom lacks these browser APIs that Mantine uses.
window.matchMedia ??= (query: string) =>
  ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }) as MediaQueryList;
window.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};
Element.prototype.scrollIntoView ??= () => {};
