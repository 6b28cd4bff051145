// The browser suite (e2e/*.spec.mjs) on @playwright/test, in Debian's Chromium ($CHROMIUM, else
// /usr/bin/chromium): the build machines cannot download Playwright's own browser builds. The
// gateway's WebUiEndToEndTest starts a gateway and an agent and runs it with $E2E_BASE_URL.
import { defineConfig } from "@playwright/test";

const only = process.env.E2E_ONLY;
const ttffRuns = Number(process.env.TTFF_RUNS ?? 0);

export default defineConfig({
  testDir: "e2e",
  testMatch: "*.spec.mjs",
  outputDir: "target/playwright/results",
  // The scenarios build on each other's desktops in one gateway: one worker, in file order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  // $E2E_ONLY runs the scenarios whose names contain it, ignoring case.
  grep: only ? new RegExp(only.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i") : undefined,
  // A scenario starts several real desktops, each up to two minutes on a busy machine.
  timeout: (10 + 2 * ttffRuns) * 60_000,
  expect: { timeout: 30_000 },
  reporter: [["line"], ["json", { outputFile: "target/playwright/report.json" }]],
  use: {
    baseURL: process.env.E2E_BASE_URL ?? "http://127.0.0.1:8080/",
    viewport: { width: 1366, height: 900 },
    actionTimeout: 30_000,
    navigationTimeout: 30_000,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        // The viewer's sound plays without a real user's gesture, and a fake microphone (a beep)
        // is granted without a prompt.
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
      ],
    },
  },
});
