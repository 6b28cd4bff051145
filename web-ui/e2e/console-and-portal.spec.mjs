// The browser suite: the console and the portal in Debian's headless Chromium, against a running
// gateway with a cluster agent (started by the gateway module's WebUiEndToEndTest, or by hand:
// `E2E_BASE_URL=http://127.0.0.1:8080/ npm run e2e`). The scenarios run in order and build on
// what the earlier ones left. Screenshots of every page go to $SCREENSHOT_DIR (default
// target/e2e-screenshots); a failure keeps its trace and screenshots under target/playwright.
//
// $OPENCDI_LOCAL_DATA_DIR is the data directory of the agent's `local` runtime (real desktops on
// this host); the viewer scenario checks the files it types into a desktop there, the restore
// scenario the home of the desktop restored from a snapshot, the print scenario that the
// desktop's shell reads before it prints. With
// $TTFF_RUNS=N it also measures time to first frame N times (docs/perf/time-to-first-frame.md).
// $E2E_ONLY runs only the scenarios whose names contain it (ignoring case), e.g.
// E2E_ONLY="Files dialog"; the others are not run and not counted (playwright.config.mjs).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  DESKTOP_TIMEOUT,
  TIMEOUT,
  api,
  baseUrl as base,
  call,
  choose,
  cutOff,
  expect,
  expectFocusVisible,
  horizontalOverflow,
  localDataDir,
  markTime,
  operation,
  settled,
  settledWithin,
  shot,
  tabTo,
  test,
  ttffRuns,
  typeInDesktop,
  awaitShell,
  typeUntilFile,
  until,
  waitForFile,
  waitForFocus,
  waitForFrame,
  waitForGone,
} from "./support.mjs";

test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);

/**
 * A template of real desktops with `policies` (template fields) on: the seeded local-desktop when
 * it has them already, else a copy of it with them, made by the admin for this run. (Templates
 * cannot be deleted; the copy stays, as the template of the template scenario does.)
 */
async function localTemplateWith(admin, policies, tag, what) {
  const { templates } = await call(admin, "Templates");
  const local = templates.find((t) => t.name === "local-desktop");
  assert.ok(local, "the seeded local-desktop template is missing");
  if (Object.entries(policies).every(([k, v]) => local[k] === v)) {
    return local;
  }
  const input = {
    ...local,
    ...policies,
    name: `local-${tag}-${run}`,
    description: `Local desktop with ${what} (end-to-end test)`,
    apps: local.apps.map((a) => a.id),
  };
  delete input.id;
  const { createTemplate } = await call(admin, "CreateTemplate", { input });
  for (const [k, v] of Object.entries(policies)) {
    assert.equal(createTemplate[k], v, `${k} of the new template`);
  }
  return createTemplate;
}

async function setCordon(page, cluster, cordoned) {
  await page.goto(`${base}#/admin/fleet`);
  const card = page.locator(`[data-testid="cluster-card"][data-cluster="${cluster}"]`);
  await card.waitFor();
  if ((await card.getByTestId("cordoned").count()) > 0 === cordoned) return;
  await card
    .getByRole("button", { name: `${cordoned ? "Cordon" : "Uncordon"} ${cluster}`, exact: true })
    .click();
  await card.getByTestId("cordoned").waitFor({ state: cordoned ? "visible" : "detached" });
}

const template = `e2e-xfce-${run}`;
const desktopName = `alice-e2e-${run}`;
// The snapshot of the real desktop, and the desktop restored from it (named after it).
const snapshotName = `before-restart-${run}`;
const proof = `proof-${run}.txt`;

// The login page itself, and a wrong password answered where it happened.
test("a wrong password is refused with the API's reason", async ({ page }) => {
  await page.goto(base);
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Password").fill("not-her-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor({ timeout: TIMEOUT });
  assert.match(await alert.innerText(), /UNAUTHENTICATED/);
  await shot(page, "01-login-refused");
});

test("an admin reaches a console page with the keyboard alone", async ({ admin }) => {
  await admin.getByRole("heading", { name: "My desktops" }).waitFor();
  // The navigation link, found by its accessible name, reached with Tab and shown focused.
  const link = admin
    .getByRole("navigation", { name: "Main navigation" })
    .getByRole("link", { name: "Templates", exact: true });
  await tabTo(admin, link);
  await expectFocusVisible(link);
  await shot(admin, "02-keyboard-navigation");
  await admin.keyboard.press("Enter");
  await admin.waitForURL(/#\/admin\/templates$/);
  await admin.getByRole("heading", { name: "Templates", exact: true }).waitFor();
  // The link now tells assistive technology that it is the current page.
  assert.equal(await link.getAttribute("aria-current"), "page");
});

test("an admin creates a template", async ({ admin }) => {
  await admin.goto(`${base}#/admin/templates`);
  await admin.getByRole("button", { name: "New template" }).click();
  await admin.getByRole("textbox", { name: "Name", exact: true }).fill(template);
  await admin.getByRole("textbox", { name: "Image", exact: true }).fill("opencdi/desktop-xfce:0.1");
  await admin.getByLabel("Description").fill("Created by the end-to-end test");
  await shot(admin, "02-template-create");
  await admin.getByRole("button", { name: "Create template" }).click();
  await admin.locator(`[data-template="${template}"]`).waitFor();
  // The same name again is a conflict, shown in the form.
  await admin.getByRole("button", { name: "New template" }).click();
  await admin.getByRole("textbox", { name: "Name", exact: true }).fill(template);
  await admin.getByRole("textbox", { name: "Image", exact: true }).fill("opencdi/desktop-xfce:0.1");
  await admin.getByRole("button", { name: "Create template" }).click();
  const alert = admin.getByRole("dialog").getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /CONFLICT/);
  await admin.getByRole("button", { name: "Cancel" }).click();
  await admin.getByRole("dialog").waitFor({ state: "detached" }); // not a fading dialog in the shot
  await shot(admin, "03-templates");
});

test("a user launches a desktop with the keyboard alone and sees it reach RUNNING without reloading", async ({
  alice,
}) => {
  let navigations = 0;
  alice.on("framenavigated", (f) => {
    if (f === alice.mainFrame()) navigations++;
  });
  const before = navigations;
  // Tab to the launch action, Enter opens the dialog on its first field; the template is
  // picked by typing and arrows, Tab moves to the name, Enter submits.
  const launch = alice.getByRole("button", { name: "Launch desktop" });
  await tabTo(alice, launch);
  await expectFocusVisible(launch);
  await shot(alice, "04-keyboard-launch");
  await alice.keyboard.press("Enter");
  const templateField = alice
    .getByRole("dialog", { name: "Launch a desktop" })
    .getByRole("textbox", { name: "Template", exact: true });
  await waitForFocus(alice, templateField);
  await alice.keyboard.type(template);
  await alice.getByRole("option", { name: new RegExp(`^${template}`) }).waitFor();
  await alice.keyboard.press("ArrowDown");
  await alice.keyboard.press("Enter");
  assert.match(await templateField.inputValue(), new RegExp(`^${template} —`));
  await alice.keyboard.press("Tab");
  const nameField = alice.getByRole("textbox", { name: "Name", exact: true });
  await waitForFocus(alice, nameField);
  await alice.keyboard.type(desktopName);
  // This desktop runs on the simulated fleet, which draws nothing: "Open when ready" (on by
  // default) is turned off with the Space key, and the Launch button is reached with Tab.
  const launchDialog = alice.getByRole("dialog", { name: "Launch a desktop" });
  const openWhenReady = launchDialog.getByRole("checkbox", { name: "Open when ready" });
  assert.ok(await openWhenReady.isChecked(), '"Open when ready" is not on by default');
  await tabTo(alice, openWhenReady);
  await alice.keyboard.press("Space");
  assert.ok(!(await openWhenReady.isChecked()), '"Open when ready" did not turn off');
  await shot(alice, "04-launch");
  await tabTo(alice, launchDialog.getByRole("button", { name: "Launch", exact: true }));
  await alice.keyboard.press("Enter");
  await launchDialog.waitFor({ state: "detached" });
  // Closing the dialog gives the focus back to the control that opened it.
  await waitForFocus(alice, launch);
  const card = alice.locator(`[data-desktop="${desktopName}"]`);
  await card.waitFor();
  await card.getByTestId("desktop-state").filter({ hasText: "RUNNING" }).waitFor();
  // Only same-document (hash) navigations at most; no reload of the page.
  assert.equal(navigations - before, 0, "the page was reloaded or navigated");
  await shot(alice, "05-my-desktops");

  // Power off and on again, still live.
  await card.getByRole("button", { name: "Power off" }).click();
  await card.getByTestId("desktop-state").filter({ hasText: "STOPPED" }).waitFor();
  await card.getByRole("button", { name: "Power on" }).click();
  await card.getByTestId("desktop-state").filter({ hasText: "RUNNING" }).waitFor();
});

const realName = `alice-real-${run}`;
let realId;

test("a user connects to a real desktop, types into its terminal, snapshots it powered off, and finds the file after a restart", async ({
  alice,
}) => {
  assert.ok(localDataDir, "OPENCDI_LOCAL_DATA_DIR (the local runtime's data directory) is unset");
  await alice.goto(base);
  await alice.getByRole("button", { name: "Launch desktop" }).click();
  await choose(alice, "Template", /^local-desktop —/);
  await alice.getByRole("textbox", { name: "Name", exact: true }).fill(realName);
  await alice.getByRole("button", { name: "Launch", exact: true }).click();
  const card = alice.locator(`[data-desktop="${realName}"]`);
  // "Open when ready" (the default) opens the viewer at once; it shows the start's progress
  // and connects when the desktop runs: its black root window and the white xterm are drawn.
  const dialog = alice.getByRole("dialog", { name: `Viewer of ${realName}` });
  await dialog.waitFor();
  await shot(alice, "12-real-desktop-opening");
  await waitForFrame(alice, { minColours: 2, timeout: DESKTOP_TIMEOUT });
  await shot(alice, "13-viewer-embedded");
  await card.getByTestId("desktop-state").filter({ hasText: "RUNNING" }).waitFor();

  // The same viewer as a page of its own.
  await dialog.getByRole("link", { name: "Open in its own page" }).click();
  await alice.waitForURL(/#\/desktops\/[^/]+\/display$/);
  realId = decodeURIComponent(new URL(alice.url()).hash.split("/")[2]);
  await waitForFrame(alice, { minColours: 2 });
  await shot(alice, "14-viewer-page");

  // Keys typed in the browser reach the desktop's shell: the file appears in its home here.
  const home = join(localDataDir, "desktops", realId, "home");
  await typeUntilFile(alice, `echo hello-${run} > ~/${proof}`, join(home, proof), `hello-${run}\n`);
  await shot(alice, "15-typed-in-terminal");

  // Power off keeps the home.
  await alice.goto(base);
  await card.getByRole("button", { name: "Power off" }).click();
  await card
    .getByTestId("desktop-state")
    .filter({ hasText: "STOPPED" })
    .waitFor({ timeout: DESKTOP_TIMEOUT });
  assert.ok(existsSync(join(home, proof)), "powering off lost the home");
  await shot(alice, "16-powered-off");

  // A snapshot of the powered-off desktop's home: PENDING while the cluster copies it, then
  // READY (the dialog re-reads the list while a snapshot is settling). The files written
  // after the restart below are not in it; the restore scenario checks that.
  await card.getByRole("button", { name: `Snapshots of ${realName}` }).click();
  const snapshots = alice.getByRole("dialog", { name: `Snapshots of ${realName}` });
  await waitForFocus(alice, snapshots.getByLabel("Snapshot name"));
  await alice.keyboard.type(snapshotName);
  await alice.keyboard.press("Enter");
  const row = snapshots.locator(`[data-snapshot="${snapshotName}"]`);
  await row.getByText("READY", { exact: true }).waitFor({ timeout: DESKTOP_TIMEOUT });
  assert.ok(
    await row.getByRole("button", { name: `Restore ${snapshotName} as a new desktop` }).isEnabled(),
  );
  await shot(alice, "16-snapshot-ready");
  await snapshots.getByRole("button", { name: "Close" }).click();
  await snapshots.waitFor({ state: "detached" });

  // The viewer of a stopped desktop says so, powers it on and connects once it runs.
  await alice.goto(`${base}#/desktops/${realId}/display`);
  await alice.getByTestId("viewer-not-running").waitFor();
  await shot(alice, "17-viewer-not-running");
  await alice.getByRole("button", { name: "Power on" }).click();
  await waitForFrame(alice, { minColours: 2, timeout: DESKTOP_TIMEOUT });
  // The restarted desktop finds the file in the same home.
  await typeUntilFile(
    alice,
    `cp ~/${proof} ~/again-${proof}; cat ~/${proof}`,
    join(home, `again-${proof}`),
    `hello-${run}\n`,
  );
  await shot(alice, "18-after-restart");

  // Clipboard, browser → desktop: the paste box sets the desktop's clipboard (Xvnc sets
  // PRIMARY too), a middle click pastes it into the terminal.
  await alice.getByRole("button", { name: "Clipboard" }).click();
  await alice.getByLabel("To the desktop").fill(`echo pasted${run} > ~/pasted-${run}.txt`);
  await alice.getByRole("button", { name: "Send to the desktop" }).click();
  const canvas = alice.locator('[data-testid="display-screen"] canvas');
  let box = await canvas.boundingBox();
  await alice.mouse.click(box.x + 200, box.y + 150, { button: "middle" });
  // The terminal fetches the selection from the X server after the click; an Enter that
  // overtook it runs an empty line, so Enter is pressed until the pasted command has run.
  const pasted = join(home, `pasted-${run}.txt`);
  await expect(async () => {
    await alice.keyboard.press("Enter");
    await waitForFile(pasted, `pasted${run}\n`, 2_000);
  }).toPass({ timeout: TIMEOUT });

  // Clipboard, desktop → browser: selecting a word in the terminal (a double click) makes it
  // the desktop's PRIMARY selection, which Xvnc sends to the viewer.
  await typeInDesktop(alice, `clear; echo copied${run}`);
  box = await canvas.boundingBox();
  // After `clear`, the first line of the terminal (below its title bar) holds the output; the
  // double click is repeated in case it overtook the shell's output.
  const fromDesktop = alice.getByLabel("From the desktop");
  await expect(async () => {
    await alice.mouse.dblclick(box.x + 60, box.y + 68);
    await expect(fromDesktop, "the desktop's selection did not reach the viewer").toHaveValue(
      `copied${run}`,
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 10_000 });
  await shot(alice, "19-clipboard");
});

/**
 * Launches `name` of the real desktops' template in the `local` region from the portal with
 * "Open when ready" on (the default): the launch itself opens the viewer, which connects when the
 * desktop runs. Resolves with the time from the click on "Launch" to the first drawn frame, and
 * its parts from the page's performance marks: the click to the submit, createDesktop's round
 * trip, its answer to the viewer's connectDesktop, connectDesktop's round trip, the ticket to the
 * RFB handshake (WebSocket, broker, agent tunnel, RFB greeting), and the first frame drawn.
 */
async function launchAndConnect(page, name) {
  await page.goto(base);
  await page.getByRole("button", { name: "Launch desktop" }).click();
  const dialog = page.getByRole("dialog", { name: "Launch a desktop" });
  await choose(page, "Template", /^local-desktop —/);
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await choose(page, "Preferred region", /^local$/);
  assert.ok(await dialog.getByRole("checkbox", { name: "Open when ready" }).isChecked());
  const clicked = await page.evaluate(() => performance.now());
  await dialog.getByRole("button", { name: "Launch", exact: true }).click();
  await page.getByRole("dialog", { name: `Viewer of ${name}` }).waitFor();
  const frame = await waitForFrame(page, { minColours: 2, timeout: DESKTOP_TIMEOUT });
  const at = {};
  const marks = ["launch", "launch-created", "connect-desktop", "display-ticket", "rfb-connected"];
  for (const mark of marks) {
    at[mark] = await markTime(page, `opencdi:${mark}`);
  }
  const parts = {
    submit: at.launch - clicked,
    create: at["launch-created"] - at.launch,
    toConnect: at["connect-desktop"] - at["launch-created"],
    ticket: at["display-ticket"] - at["connect-desktop"],
    handshake: at["rfb-connected"] - at["display-ticket"],
    drawn: frame - at["rfb-connected"],
  };
  const card = page.locator(`[data-desktop="${name}"]`);
  return { card, ms: frame - clicked, parts };
}

/** Closes the viewer dialog of `name` with its close button (keys go to the desktop). */
async function closeViewer(page, name) {
  const viewer = page.getByRole("dialog", { name: `Viewer of ${name}` });
  await viewer.getByRole("button", { name: "Close", exact: true }).click();
  await viewer.waitFor({ state: "detached" });
}

/** Deletes a desktop through the API and waits until its home has left this host. */
async function deleteQuietly(page, name) {
  const { desktops } = await call(page, "Desktops", { first: 100 });
  const d = desktops.edges.map((e) => e.node).find((n) => n.name === name);
  await call(page, "DeleteDesktop", { id: d.id });
  await waitForGone(join(localDataDir, "desktops", d.id));
}

const poolName = "local-desktop in local/any";

test('an admin keeps a warm pool of real desktops, a user gets one at once marked "from pool" and sees its first frame, and the pool is deleted after confirming', async ({
  admin,
  alice,
}) => {
  const percentile = (xs, p) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  };
  const summary = (name, xs) =>
    `${name}: n=${xs.length} p50=${percentile(xs, 50).toFixed(0)} ` +
    `p90=${percentile(xs, 90).toFixed(0)} min=${Math.min(...xs).toFixed(0)} ` +
    `max=${Math.max(...xs).toFixed(0)} ms; raw ${xs.map((x) => x.toFixed(0)).join(" ")}`;
  // Where a launch's time goes: the medians of its parts (launchAndConnect), and each run's.
  const breakdown = (name, runs) =>
    `${name} parts, p50 ms: ` +
    Object.keys(runs[0])
      .map(
        (k) =>
          `${k}=${percentile(
            runs.map((r) => r[k]),
            50,
          ).toFixed(0)}`,
      )
      .join(" ") +
    "; raw " +
    runs
      .map((r) =>
        Object.values(r)
          .map((x) => x.toFixed(0))
          .join("/"),
      )
      .join(" ");
  // Cold launches first, while no pool serves the template there.
  const cold = [];
  const coldParts = [];
  for (let i = 0; i < ttffRuns; i++) {
    const name = `alice-cold-${i}-${run}`;
    const launched = await launchAndConnect(alice, name);
    cold.push(launched.ms);
    coldParts.push(launched.parts);
    await closeViewer(alice, name);
    await deleteQuietly(alice, name);
  }

  // The pool, created in the console, fills to 1 ready member.
  await admin.goto(base);
  await admin
    .getByRole("navigation", { name: "Main navigation" })
    .getByRole("link", { name: "Warm pools", exact: true })
    .click();
  await admin.getByRole("heading", { name: "Warm pools", exact: true }).waitFor();
  await admin.getByRole("button", { name: "New pool" }).click();
  const form = admin.getByRole("dialog", { name: "New warm pool" });
  await choose(admin, "Template", /^local-desktop$/);
  await choose(admin, "Region", /^local$/);
  await form.getByRole("textbox", { name: "Size", exact: true }).fill("1");
  await shot(admin, "31-pool-create");
  await form.getByRole("button", { name: "Create pool" }).click();
  await form.waitFor({ state: "detached" });
  const row = admin.locator(`[data-testid="pool-row"][data-pool="${poolName}"]`);
  const ready = row.getByTestId("pool-ready").filter({ hasText: /^1 ready$/ });
  await ready.waitFor({ timeout: DESKTOP_TIMEOUT });
  await settled(admin);
  await shot(admin, "32-pool-ready");

  // The user's launch is served by the pool: the desktop says so and draws its first frame.
  const pooledName = `alice-warm-${run}`;
  const { card, ms, parts } = await launchAndConnect(alice, pooledName);
  await card.getByTestId("desktop-from-pool").waitFor();
  await shot(alice, "33-from-pool-viewer");
  await closeViewer(alice, pooledName);
  await shot(alice, "34-from-pool-card");
  // The pool refills behind the handed-over desktop, a moment after the claim (the keeper waits
  // opencdi.pools.refill-after-claim). The page is read afresh first: the list it polls may still
  // show the member the claim took.
  const refilled = async () => {
    await admin.reload();
    await ready.waitFor({ timeout: DESKTOP_TIMEOUT });
  };
  await refilled();

  const pooled = [ms];
  const pooledParts = [parts];
  await deleteQuietly(alice, pooledName);
  for (let i = 1; i < ttffRuns; i++) {
    await refilled();
    const name = `alice-warm-${i}-${run}`;
    const launched = await launchAndConnect(alice, name);
    await launched.card.getByTestId("desktop-from-pool").waitFor();
    pooled.push(launched.ms);
    pooledParts.push(launched.parts);
    await closeViewer(alice, name);
    await deleteQuietly(alice, name);
  }
  if (ttffRuns > 0) {
    console.log(
      `time to first frame of a launch, click on "Launch" → first drawn frame (${ttffRuns} runs each)\n` +
        `${summary("cold launch", cold)}\n${summary("pooled launch", pooled)}\n` +
        `${breakdown("cold launch", coldParts)}\n${breakdown("pooled launch", pooledParts)}\n` +
        "(parts: click → submit / createDesktop round trip / its answer → connectDesktop / " +
        "connectDesktop round trip / ticket → RFB handshake done / → first frame drawn)",
    );
  }

  // Deleted after confirming, in the console; gone from the page and from the API.
  await admin.getByRole("button", { name: `Delete pool ${poolName}`, exact: true }).click();
  const confirm = admin.getByRole("dialog", { name: `Delete pool ${poolName}?` });
  await confirm.waitFor();
  await confirm.getByRole("button", { name: "Delete pool", exact: true }).click();
  await row.waitFor({ state: "detached" });
  const left = await call(admin, "Pools");
  assert.equal(left.pools.filter((p) => p.region === "local").length, 0);
  await shot(admin, "35-pool-deleted");
});

if (ttffRuns > 0) {
  test(`time to first frame, ${ttffRuns} runs each`, async ({ alice }) => {
    const percentile = (xs, p) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    };
    const summary = (name, xs) =>
      `${name}: n=${xs.length} min=${Math.min(...xs).toFixed(0)} p50=${percentile(xs, 50).toFixed(0)} ` +
      `p90=${percentile(xs, 90).toFixed(0)} p99=${percentile(xs, 99).toFixed(0)} ` +
      `max=${Math.max(...xs).toFixed(0)} ms`;
    const toHash = (hash) => alice.evaluate((h) => (location.hash = h), hash);

    // connectDesktop → first frame: a fresh viewer on a running desktop each time.
    const connect = [];
    // connectDesktop → noVNC's `connect` event (ticket, broker, tunnel, RFB handshake done).
    const handshake = [];
    for (let i = 0; i < ttffRuns; i++) {
      await toHash("#/");
      await alice.getByRole("heading", { name: "My desktops" }).waitFor();
      await toHash(`#/desktops/${realId}/display`);
      const frame = await waitForFrame(alice);
      const asked = await markTime(alice, "opencdi:connect-desktop");
      const greeted = await markTime(alice, "opencdi:rfb-connected");
      connect.push(frame - asked);
      handshake.push(greeted - asked);
    }
    // startDesktop → first frame: power on from the open viewer of a stopped desktop.
    const start = [];
    for (let i = 0; i < ttffRuns; i++) {
      await call(alice, "StopDesktop", { id: realId });
      const powerOn = alice.getByTestId("viewer-not-running").getByRole("button", {
        name: "Power on",
      });
      await powerOn.waitFor({ timeout: DESKTOP_TIMEOUT });
      await powerOn.click();
      const frame = await waitForFrame(alice, { timeout: DESKTOP_TIMEOUT });
      start.push(frame - (await markTime(alice, "opencdi:power-on")));
    }
    console.log(
      `time to first frame (${ttffRuns} runs each)\n` +
        `${summary("connectDesktop → first frame", connect)}\n` +
        `${summary("  of which connectDesktop → RFB handshake done", handshake)}\n` +
        `${summary("startDesktop → first frame", start)}\n` +
        `raw connect: ${connect.map((x) => x.toFixed(0)).join(" ")}\n` +
        `raw start: ${start.map((x) => x.toFixed(0)).join(" ")}`,
    );
  });
}

/**
 * Builds the layer image `example.org/apps/<name>:1` in the local runtime's layer store with
 * umoci, as an administrator would fill the store (docs/adr/0037): one script in /usr/local/bin.
 */
function buildLayer(name) {
  const src = join(localDataDir, `layer-src-${name}`);
  mkdirSync(join(src, "usr/local/bin"), { recursive: true });
  const program = join(src, "usr/local/bin", name);
  writeFileSync(program, `#!/bin/sh\necho ${name}\n`);
  chmodSync(program, 0o755);
  const layout = join(localDataDir, "layer-store/example.org/apps", name);
  mkdirSync(join(layout, ".."), { recursive: true });
  const umoci = (...args) => execFileSync("umoci", args, { stdio: "pipe" });
  umoci("init", "--layout", layout);
  umoci("new", "--image", `${layout}:1`);
  umoci("insert", "--rootless", "--image", `${layout}:1`, src, "/");
  rmSync(src, { recursive: true });
}

test("an admin adds app layers in the console; a user's real desktop launched with one runs with it, and one the host lacks fails with the reason", async ({
  admin,
  alice,
}) => {
  assert.ok(localDataDir, "OPENCDI_LOCAL_DATA_DIR (the local runtime's data directory) is unset");
  const present = `e2e-hello-${run}`;
  const absent = `e2e-absent-${run}`;
  buildLayer(present);

  // Both layers added in the console; the catalogue cannot tell which hosts have them.
  await admin.goto(base);
  await admin
    .getByRole("navigation", { name: "Main navigation" })
    .getByRole("link", { name: "App layers", exact: true })
    .click();
  await admin.getByRole("heading", { name: "App layers", exact: true }).waitFor();
  for (const name of [present, absent]) {
    await admin.getByRole("button", { name: "New app layer" }).click();
    const form = admin.getByRole("dialog", { name: "New app layer" });
    await form.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await form.getByRole("textbox", { name: "Version", exact: true }).fill("1");
    await form
      .getByRole("textbox", { name: "Image", exact: true })
      .fill(`example.org/apps/${name}:1`);
    await form.getByRole("button", { name: "Add app layer" }).click();
    await form.waitFor({ state: "detached" });
    await admin.locator(`[data-testid="app-layer-row"][data-layer="${name} 1"]`).waitFor();
  }
  await shot(admin, "36-app-layers");

  const launchWith = async (name, layer) => {
    await alice.goto(base);
    await alice.getByRole("button", { name: "Launch desktop" }).click();
    const dialog = alice.getByRole("dialog", { name: "Launch a desktop" });
    await choose(alice, "Template", /^local-desktop —/);
    await dialog.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await choose(alice, "Add apps", `${layer} 1`);
    // The options close when the focus leaves the field (Escape would close the dialog).
    await dialog.getByRole("textbox", { name: "Name", exact: true }).click();
    await dialog.getByRole("checkbox", { name: "Open when ready" }).uncheck();
    await dialog.getByRole("button", { name: "Launch", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    return alice.locator(`[data-desktop="${name}"]`);
  };

  // The layer the host has: unpacked once into the runtime's cache, the desktop runs with it.
  const withLayer = `alice-apps-${run}`;
  const card = await launchWith(withLayer, present);
  await card.getByText(`${present} 1`).first().waitFor();
  await card
    .getByTestId("desktop-state")
    .filter({ hasText: "RUNNING" })
    .waitFor({ timeout: DESKTOP_TIMEOUT });
  const cache = join(localDataDir, "layers");
  assert.ok(
    readdirSync(cache).some((d) => d.startsWith("sha256-")),
    `no unpacked layer in ${cache}`,
  );
  await shot(alice, "37-desktop-with-app");

  // A layer the host's store lacks: the start fails and the card says which layer and why.
  const without = `alice-absent-${run}`;
  const failed = await launchWith(without, absent);
  await failed
    .getByTestId("desktop-state")
    .filter({ hasText: "FAILED" })
    .waitFor({ timeout: DESKTOP_TIMEOUT });
  await failed.getByText(new RegExp(absent)).first().waitFor();
  await shot(alice, "38-desktop-layer-missing");

  await deleteQuietly(alice, withLayer);
  await deleteQuietly(alice, without);
});

let restoredId;

test("a user restores a snapshot as a new desktop: refused with the API's reason while its cluster is cordoned, then restored with the home as it was", async ({
  admin,
  alice,
}) => {
  // A volume snapshot lives in its cluster, so a restore is placed there or nowhere (ADR 13).
  const where = await call(alice, "Desktop", { id: realId });
  const cluster = where.desktop.cluster.name;
  await setCordon(admin, cluster, true);

  await alice.goto(base);
  const card = alice.locator(`[data-desktop="${realName}"]`);
  await card.getByRole("button", { name: `Snapshots of ${realName}` }).click();
  const dialog = alice.getByRole("dialog", { name: `Snapshots of ${realName}` });
  const restore = dialog
    .locator(`[data-snapshot="${snapshotName}"]`)
    .getByRole("button", { name: `Restore ${snapshotName} as a new desktop` });
  // The restore asks for an optional name; left empty, the desktop is named after the snapshot.
  const restoreUnnamed = async () => {
    await restore.click();
    await alice
      .getByRole("form", { name: `Restore ${snapshotName} as a new desktop` })
      .getByRole("button", { name: "Restore as a new desktop", exact: true })
      .click();
  };
  await restoreUnnamed();
  // The refusal is shown in the dialog, with the API's code and placement's reason.
  const alert = dialog.getByRole("alert");
  await alert.waitFor();
  const refusal = await alert.innerText();
  assert.match(refusal, /UNSCHEDULABLE/);
  assert.match(refusal, new RegExp(`${cluster}: cordoned`));
  await shot(alice, "20-restore-refused");
  assert.equal(await alice.locator(`[data-desktop="${snapshotName}"]`).count(), 0);

  await setCordon(admin, cluster, false);
  await restoreUnnamed();
  const notice = dialog.getByRole("status").filter({ hasText: "Restored as" });
  await notice.waitFor();
  assert.equal(
    await notice.innerText(),
    `Restored as the new desktop "${snapshotName}" on ${cluster}.`,
  );
  assert.equal(await alert.count(), 0, "the earlier refusal is still shown");
  await shot(alice, "21-snapshots");
  await dialog.getByRole("button", { name: "Close" }).click();

  // The new desktop appears and starts by itself; the source desktop is untouched.
  const restored = alice.locator(`[data-desktop="${snapshotName}"]`);
  await restored
    .getByTestId("desktop-state")
    .filter({ hasText: "RUNNING" })
    .waitFor({ timeout: DESKTOP_TIMEOUT });
  await card.getByTestId("desktop-state").filter({ hasText: "RUNNING" }).waitFor();
  await shot(alice, "22-restored-running");
  const mine = await call(alice, "Desktops", { filter: { owner: "alice" }, first: 100 });
  restoredId = mine.desktops.edges.find((e) => e.node.name === snapshotName).node.id;
  assert.notEqual(restoredId, realId);

  // Its home is the source's home as it was when powered off: the first file, not the files
  // written after the restart.
  const home = join(localDataDir, "desktops", restoredId, "home");
  const source = join(localDataDir, "desktops", realId, "home");
  await waitForFile(join(home, proof), `hello-${run}\n`);
  for (const later of [`again-${proof}`, `pasted-${run}.txt`]) {
    assert.ok(existsSync(join(source, later)), `${later} is missing from the source desktop`);
    assert.ok(!existsSync(join(home, later)), `${later} was written after the snapshot`);
  }
});

test("a user uploads a file to a real desktop's home from the Files dialog, finds it listed there and on the host, and downloads the same bytes", async ({
  alice,
}) => {
  assert.ok(localDataDir, "OPENCDI_LOCAL_DATA_DIR (the local runtime's data directory) is unset");
  // A desktop of its own (the real desktops' template lets files move both ways), so this
  // scenario also runs alone (E2E_ONLY).
  const { templates } = await call(alice, "Templates");
  const local = templates.find((t) => t.name === "local-desktop");
  assert.equal(local.fileTransfer, "BOTH");
  const name = `alice-files-${run}`;
  const { createDesktop } = await call(alice, "CreateDesktop", {
    input: { templateId: local.id, name },
  });
  const home = join(localDataDir, "desktops", createDesktop.id, "home");

  await alice.goto(base);
  const card = alice.locator(`[data-desktop="${name}"]`);
  await card
    .getByTestId("desktop-state")
    .filter({ hasText: "RUNNING" })
    .waitFor({ timeout: DESKTOP_TIMEOUT });
  await card.getByTestId("files-button").click();
  const dialog = alice.getByRole("dialog", { name: `Files of ${name}` });
  const panel = dialog.getByTestId("files-panel");
  await panel.waitFor();
  assert.match(await panel.innerText(), new RegExp(`up to ${local.fileTransferMaxMiB} MiB`));
  await settledWithin(alice, "files-panel"); // the listing is in

  // A few hundred KiB of random bytes, picked in the file input, land in the home on the host
  // and are listed with their size.
  const bytes = randomBytes(300 * 1024);
  const file = `upload-${run}.bin`;
  const upload = { name: file, mimeType: "application/octet-stream", buffer: bytes };
  await panel.getByTestId("files-upload-input").setInputFiles(upload);
  const row = panel.locator(`[data-testid="files-row"][data-file="${file}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /300 KiB/);
  assert.equal(await panel.getByTestId("files-error").count(), 0);
  assert.ok(readFileSync(join(home, file)).equals(bytes), `${file} in the home differs`);
  await shot(alice, "39-files-uploaded");

  // Downloaded through the browser: the same name, the same bytes.
  const [download] = await Promise.all([
    alice.waitForEvent("download"),
    row.getByTestId("files-download").click(),
  ]);
  assert.equal(download.suggestedFilename(), file);
  const saved = readFileSync(await download.path());
  assert.equal(saved.length, bytes.length, "the download's size differs from the upload's");
  assert.ok(saved.equals(bytes), "the downloaded bytes differ from the uploaded ones");

  // The same name again never replaces the file: refused with the API's code, shown in place.
  await panel.getByTestId("files-upload-input").setInputFiles(upload);
  const error = panel.getByTestId("files-error");
  await error.waitFor();
  assert.match(await error.innerText(), /CONFLICT/);
  // A hidden file's name is refused before anything is sent.
  await panel
    .getByTestId("files-upload-input")
    .setInputFiles({ ...upload, name: `.hidden-${run}` });
  await error.filter({ hasText: "VALIDATION" }).waitFor();
  assert.ok(!existsSync(join(home, `.hidden-${run}`)), "a hidden file reached the home");
  await shot(alice, "40-files-refused");

  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached" });
  await deleteQuietly(alice, name);
});

test("a user prints from a real desktop's terminal to its PDF printer and downloads the PDF from the Prints dialog", async ({
  admin,
  alice,
}) => {
  assert.ok(localDataDir, "OPENCDI_LOCAL_DATA_DIR (the local runtime's data directory) is unset");
  // local-desktop itself when it prints, else a copy of it with printing on.
  const printing = await localTemplateWith(admin, { printing: true }, "print", "the PDF printer");

  const name = `alice-print-${run}`;
  const { createDesktop } = await call(alice, "CreateDesktop", {
    input: { templateId: printing.id, name },
  });
  const id = createDesktop.id;
  const card = alice.locator(`[data-desktop="${name}"]`);
  const dialog = alice.getByRole("dialog", { name: `Prints of ${name}` });
  const panel = dialog.getByTestId("prints-panel");
  const openPrints = async () => {
    await alice.goto(base);
    await card
      .getByTestId("desktop-state")
      .filter({ hasText: "RUNNING" })
      .waitFor({ timeout: DESKTOP_TIMEOUT });
    await card.getByTestId("prints-button").click();
    await panel.waitFor();
    await settledWithin(alice, "prints-panel"); // the listing is in
  };
  const closePrints = async () => {
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
  };

  // Nothing printed yet: the dialog says how to print.
  await openPrints();
  const empty = await panel.innerText();
  assert.match(empty, /Nothing printed yet/, `the new desktop's prints: ${empty}`);
  await closePrints();

  // Connect and print from the terminal: once the shell is known to read (a file it writes
  // appears in the home), `lp` sends a line of text to the default printer, OpenCDI's.
  await alice.goto(`${base}#/desktops/${id}/display`);
  await waitForFrame(alice, { minColours: 2, timeout: DESKTOP_TIMEOUT });
  const home = join(localDataDir, "desktops", id, "home");
  await awaitShell(alice, home, run);
  // Printed a while after the user went back to the portal and opened Prints, so that the
  // dialog has listed the folder before the PDF exists. The viewer goes once the shell took
  // the whole line (it writes a file first).
  await typeInDesktop(
    alice,
    `echo printing-${run} > ~/printing-${run}.txt; sleep 20; echo printed-by-e2e | lp`,
  );
  await waitForFile(join(home, `printing-${run}.txt`), `printing-${run}\n`);

  // The agent announces the PDF once the printer made it: it is listed without a refresh.
  await openPrints();
  const rows = panel.getByTestId("prints-row");
  assert.equal(await rows.count(), 0, "the PDF was there before the dialog listed the folder");
  // A listing error ends the wait at once rather than after the timeout.
  const listError = panel.getByTestId("prints-error");
  await expect(
    rows.or(listError).first(),
    "no PDF was listed by itself within a minute of printing",
  ).toBeVisible({ timeout: 80_000 });
  expect(
    await listError.count(),
    `the prints could not be listed: ${await panel.innerText()}`,
  ).toBe(0);
  const row = rows.first();
  const file = await row.getAttribute("data-file");
  assert.match(file, /\.pdf$/);
  await shot(alice, "41-prints");

  // Downloaded through the browser under its name: a PDF.
  const [download] = await Promise.all([
    alice.waitForEvent("download"),
    row.getByTestId("prints-download").click(),
  ]);
  assert.equal(download.suggestedFilename(), file);
  const pdf = readFileSync(await download.path());
  assert.equal(pdf.subarray(0, 4).toString("latin1"), "%PDF", "the download is not a PDF");
  assert.equal(await panel.getByTestId("prints-error").count(), 0);

  await closePrints();
  await deleteQuietly(alice, name);
});

/** The viewer's sound counters (data attributes of its sound controls), as numbers. */
const audioStats = (page) =>
  page.getByTestId("viewer-audio").evaluate((el) => ({
    packets: Number(el.dataset.audioPackets),
    decoded: Number(el.dataset.audioDecoded),
    peak: Number(el.dataset.audioPeak),
    micPackets: Number(el.dataset.micPackets),
  }));

test("sound played in the desktop reaches the page as decoded audio, and the microphone is sent back", async ({
  admin,
  alice,
}) => {
  assert.ok(localDataDir, "OPENCDI_LOCAL_DATA_DIR (the local runtime's data directory) is unset");
  const withSound = await localTemplateWith(
    admin,
    { audio: true, microphone: true },
    "sound",
    "sound and microphone",
  );

  const name = `alice-sound-${run}`;
  const { createDesktop } = await call(alice, "CreateDesktop", {
    input: { templateId: withSound.id, name },
  });
  const id = createDesktop.id;
  await alice.goto(`${base}#/desktops/${id}/display`);
  await waitForFrame(alice, { minColours: 2, timeout: DESKTOP_TIMEOUT });
  const controls = alice.locator('[data-testid="viewer-audio"][data-audio-live="true"]');
  await controls.waitFor();

  // Sound is off until the user turns it on (the choice is remembered: on after this).
  const sound = alice.getByRole("button", { name: "Sound", exact: true });
  if ((await sound.getAttribute("aria-pressed")) !== "true") await sound.click();
  await expect(sound).toHaveAttribute("aria-pressed", "true");

  // Once the shell reads (a file it writes appears in the home), it plays eight seconds of a
  // tone (about 1.1 kHz at 0.27 of full scale) to the desktop's sound server.
  const home = join(localDataDir, "desktops", id, "home");
  await awaitShell(alice, home, run);
  await typeInDesktop(
    alice,
    `python3 -c "import math,struct,sys;sys.stdout.buffer.write(b''.join(struct.pack('<hh',int(9000*math.sin(i/7)),int(9000*math.sin(i/7))) for i in range(48000*8)))" | pacat --raw --rate=48000 --channels=2 --format=s16le`,
  );
  // The page decodes it: the level of the last second shows the tone, and decoding goes on.
  // Should it not, the failure says what the viewer showed (a close of the sound's socket).
  await alice
    .waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="viewer-audio"]')?.dataset.audioPeak) > 0.05,
      null,
      { timeout: TIMEOUT },
    )
    .catch(async (e) => {
      await shot(alice, "failed-sound");
      const message = alice.getByTestId("audio-message");
      const shown = (await message.count()) ? await message.innerText() : "no message";
      const stats = JSON.stringify(await audioStats(alice));
      throw new Error(`no sound reached the page (${shown}): ${stats}`, { cause: e });
    });
  const loud = await audioStats(alice);
  await until(
    async () => (await audioStats(alice)).decoded >= loud.decoded + 25,
    "decoding half a second more of the tone",
  );
  assert.ok(loud.packets > 0 && loud.peak < 0.5, `unexpected sound: ${JSON.stringify(loud)}`);
  await shot(alice, "42-viewer-sound");

  // The template takes the microphone: the browser's fake microphone (a beep every second)
  // goes to the desktop as one Opus packet every 20 ms, and the gateway keeps the socket open.
  const mic = alice.getByRole("button", { name: "Microphone", exact: true });
  await mic.click();
  await expect(mic, "the microphone turning on").toHaveAttribute("aria-pressed", "true");
  const micFrom = (await audioStats(alice)).micPackets;
  await until(
    async () => (await audioStats(alice)).micPackets >= micFrom + 50,
    "a second of microphone packets sent",
  );
  assert.equal(
    await alice.getByTestId("audio-message").count(),
    0,
    "the sound's socket was closed while the microphone was on",
  );
  await controls.waitFor(); // still live
  // The desktop hears it: its default source (the microphone) records the fake device's beeps.
  const recording = join(home, `mic-${run}.raw`);
  await typeInDesktop(
    alice,
    `timeout 3 parec --raw --rate=48000 --channels=1 --format=s16le > ~/mic-${run}.part; mv ~/mic-${run}.part ~/mic-${run}.raw`,
  );
  await until(() => existsSync(recording), "the desktop recording its microphone");
  const pcm = readFileSync(recording);
  let micPeak = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    micPeak = Math.max(micPeak, Math.abs(pcm.readInt16LE(i)));
  }
  assert.ok(pcm.length >= 48_000 * 2, `the desktop recorded ${pcm.length} bytes only`);
  assert.ok(micPeak > 1000, `the desktop's microphone heard silence (peak ${micPeak})`);
  await mic.click();
  await expect(mic).toHaveAttribute("aria-pressed", "false");
  await shot(alice, "43-viewer-microphone");

  // Sound off: nothing more arrives (the agent stops encoding), the socket stays; on again, the
  // packets come back.
  await sound.click();
  await expect(sound).toHaveAttribute("aria-pressed", "false");
  // Once what was on its way has come, the packet count stands still for a second and a half.
  const quiet = await alice
    .waitForFunction(
      (quietMs) => {
        const packets = Number(
          document.querySelector('[data-testid="viewer-audio"]')?.dataset.audioPackets,
        );
        const now = performance.now();
        const seen = (window.opencdiE2eQuiet ??= { packets, since: now });
        if (packets !== seen.packets) Object.assign(seen, { packets, since: now });
        return now - seen.since >= quietMs ? packets : false;
      },
      1500,
      { polling: 100, timeout: TIMEOUT },
    )
    .catch(async (e) => {
      const stats = JSON.stringify(await audioStats(alice));
      throw new Error(`packets kept coming while sound was off: ${stats}`, { cause: e });
    });
  const stillMuted = await quiet.jsonValue();
  await controls.waitFor(); // still live
  await sound.click();
  await until(
    async () => (await audioStats(alice)).packets >= stillMuted + 25,
    "half a second of sound after turning it on again",
  );

  await alice.goto(base);
  await deleteQuietly(alice, name);
});

test("a user cannot see another user's desktops", async ({ admin, signIn }) => {
  const bob = await signIn("bob");
  await bob
    .getByText(/You have no desktops yet|My desktops/)
    .first()
    .waitFor();
  // The list has settled (loader gone) and holds none of alice's desktops.
  await bob.getByRole("heading", { name: "My desktops" }).waitFor();
  await bob.waitForFunction(() => !document.querySelector('[aria-label="Loading desktops"]'));
  assert.equal(await bob.locator(`[data-desktop="${desktopName}"]`).count(), 0);
  // Asking the API directly for alice's desktops returns none of them.
  const body = await api(bob, operation("Desktops"), { filter: { owner: "alice" }, first: 100 });
  // Either the filter is refused or it yields only the caller's own desktops.
  const seen = body.data ? body.data.desktops.edges.map((e) => e.node.owner.username) : [];
  assert.ok(!seen.includes("alice"), `bob saw desktops of ${seen}`);
  // The console is not offered, and its pages refuse him.
  assert.equal(await bob.getByRole("link", { name: "Fleet" }).count(), 0);
  await bob.goto(`${base}#/admin/desktops`);
  await bob.getByText("This page is for administrators.").waitFor();
  await shot(bob, "06-other-user");
  // The admin, by contrast, sees alice's desktop in the console (narrowed to this run's
  // template: the fleet holds more desktops than one page).
  await admin.goto(`${base}#/admin/desktops`);
  await choose(admin, "Template", template);
  await admin.locator(`[data-testid="desktop-row"][data-desktop="${desktopName}"]`).waitFor();
  await shot(admin, "07-desktops");
});

test("an admin cordons a cluster and sees it in the overview", async ({ admin }) => {
  await admin.goto(`${base}#/admin/fleet`);
  const card = admin.locator('[data-testid="cluster-card"][data-cluster="e2e-fra"]');
  await card.waitFor();
  if (await card.getByTestId("cordoned").count()) {
    // Left cordoned by an earlier run against the same gateway.
    await card.getByRole("button", { name: "Uncordon" }).click();
    await card.getByTestId("cordoned").waitFor({ state: "detached" });
  }
  await card.getByRole("button", { name: "Cordon e2e-fra", exact: true }).click();
  await card.getByTestId("cordoned").waitFor();
  // The utilisation chart has taken a few samples (one every 5 s) before the shot.
  await expect
    .poll(
      async () =>
        Number(
          await admin
            .getByRole("img", { name: "Fleet utilisation over time" })
            .getAttribute("data-samples"),
        ),
      { message: "samples in the utilisation chart", timeout: TIMEOUT },
    )
    .toBeGreaterThanOrEqual(2);
  // The click scrolled the card into view; the shot shows the overview from its top.
  await admin.evaluate(() => window.scrollTo(0, 0));
  await shot(admin, "08-fleet");
  await card.getByRole("link", { name: "e2e-fra" }).click();
  await admin.getByRole("heading", { name: "e2e-fra", exact: true }).waitFor();
  await admin.getByRole("button", { name: "Uncordon e2e-fra" }).waitFor();
  await admin.getByRole("table", { name: "Nodes" }).waitFor();
  await settled(admin);
  await shot(admin, "09-cluster");
  await admin.getByRole("button", { name: "Uncordon e2e-fra" }).click();
  await admin.getByRole("button", { name: "Cordon e2e-fra", exact: true }).waitFor();
});

test("an admin previews placement and lists users", async ({ admin }) => {
  await admin.goto(`${base}#/admin/placement`);
  await choose(admin, "Template", template);
  await choose(admin, "User", "alice");
  await admin.getByRole("button", { name: "Explain" }).click();
  await admin.getByTestId("placement-summary").waitFor();
  assert.ok((await admin.getByTestId("verdict").count()) >= 2);
  await admin.getByTestId("verdict").first().getByRole("button").first().click();
  await shot(admin, "10-placement");
  await admin.goto(`${base}#/admin/users`);
  const row = admin.locator('[data-testid="user-row"][data-user="alice"]');
  await row.waitFor();
  await admin.waitForFunction(
    () => !document.querySelector('[data-user="alice"]')?.textContent?.includes("…"),
  );
  await shot(admin, "11-users");
});

// A desktop of the simulated fleet, snapshotted and deleted; its snapshot restored from the
// Snapshots page under a new name.
const orphanDesktop = `alice-gone-${run}`;
const orphanSnapshot = `before-delete-${run}`;
const orphanRestored = `alice-back-${run}`;

test("a user finds the snapshot of a deleted desktop on the Snapshots page, restores it as a new desktop and deletes it after confirming", async ({
  alice,
}) => {
  // Set up through the API what earlier scenarios did through the UI: a desktop, its snapshot
  // READY, the desktop deleted.
  const { templates } = await call(alice, "Templates");
  const templateId = templates.find((t) => t.name === template).id;
  const { createDesktop } = await call(alice, "CreateDesktop", {
    input: { templateId, name: orphanDesktop },
  });
  const desktopId = createDesktop.id;
  const stateOf = async () => (await call(alice, "Desktop", { id: desktopId })).desktop.state;
  await expect
    .poll(stateOf, { message: `${orphanDesktop}'s state`, timeout: DESKTOP_TIMEOUT })
    .toBe("RUNNING");
  const { snapshotDesktop } = await call(alice, "SnapshotDesktop", {
    id: desktopId,
    name: orphanSnapshot,
  });
  const snapshotId = snapshotDesktop.id;
  const snapshotState = async () =>
    (await call(alice, "Snapshot", { id: snapshotId })).snapshot?.state;
  await expect
    .poll(snapshotState, { message: `${orphanSnapshot}'s state`, timeout: DESKTOP_TIMEOUT })
    .toBe("READY");
  await call(alice, "DeleteDesktop", { id: desktopId });
  await expect
    .poll(stateOf, { message: `${orphanDesktop}'s state`, timeout: DESKTOP_TIMEOUT })
    .toBe("DELETED");

  // The snapshot is on the Snapshots page, reached from the navigation, marked as the copy of
  // a deleted desktop.
  await alice.goto(base);
  await alice
    .getByRole("navigation", { name: "Main navigation" })
    .getByRole("link", { name: "Snapshots", exact: true })
    .click();
  await alice.getByRole("heading", { name: "Snapshots", exact: true }).waitFor();
  const row = alice.locator(`[data-testid="snapshot-row"][data-snapshot="${orphanSnapshot}"]`);
  await row.waitFor();
  const source = row.getByTestId("snapshot-desktop");
  assert.equal(await source.getAttribute("data-deleted"), "true");
  assert.match(
    await source.innerText(),
    new RegExp(`deleted desktop\\s+was ${orphanDesktop}`, "i"),
  );
  await row.getByTestId("snapshot-state").filter({ hasText: "READY" }).waitFor();
  // The real desktop's snapshot is listed with its desktop's name, not marked.
  const real = alice.locator(`[data-testid="snapshot-row"][data-snapshot="${snapshotName}"]`);
  assert.equal(await real.getByTestId("snapshot-desktop").innerText(), realName);
  await settled(alice);
  await shot(alice, "28-snapshots-page");

  // Restored under a new name, from the keyboard: the form opens on its name field.
  await row.getByRole("button", { name: `Restore ${orphanSnapshot} as a new desktop` }).click();
  const form = alice.getByRole("form", { name: `Restore ${orphanSnapshot} as a new desktop` });
  await waitForFocus(alice, form.getByRole("textbox", { name: /Name of the new desktop/ }));
  await alice.keyboard.type(orphanRestored);
  await shot(alice, "29-snapshots-page-restore");
  await alice.keyboard.press("Enter");
  const notice = alice.getByRole("status").filter({ hasText: "Restored as" });
  await notice.waitFor();
  assert.match(
    await notice.innerText(),
    new RegExp(`^Restored as the new desktop "${orphanRestored}" on e2e-`),
  );
  await notice.getByRole("link", { name: "My desktops" }).click();
  await alice
    .locator(`[data-desktop="${orphanRestored}"]`)
    .getByTestId("desktop-state")
    .filter({ hasText: "RUNNING" })
    .waitFor({ timeout: DESKTOP_TIMEOUT });

  // Deleted after confirming: gone from the page and from the API.
  await alice.goBack();
  await row.getByRole("button", { name: `Delete snapshot ${orphanSnapshot}` }).click();
  await alice.getByRole("dialog", { name: `Delete snapshot ${orphanSnapshot}?` }).waitFor();
  await alice.getByRole("button", { name: "Delete snapshot", exact: true }).click();
  await row.waitFor({ state: "detached", timeout: DESKTOP_TIMEOUT });
  await until(
    async () => !(await call(alice, "Snapshots")).snapshots.some((x) => x.id === snapshotId),
    `${orphanSnapshot} gone from the API`,
  );
  await shot(alice, "30-snapshots-page-deleted");
});

test("the portal and the console fit a laptop screen (1280×720)", async ({ admin, alice }) => {
  const laptop = { width: 1280, height: 720 };
  const fits = async (page, what) => {
    const overflow = await horizontalOverflow(page);
    assert.equal(overflow, null, `${what} scrolls sideways at 1280×720: ${overflow}`);
  };
  await alice.setViewportSize(laptop);
  await admin.setViewportSize(laptop);
  try {
    // Portal: the desktops (three cards), the snapshots dialog and the full-page viewer.
    await alice.goto(base);
    await alice.locator(`[data-desktop="${snapshotName}"]`).waitFor();
    await settled(alice);
    await fits(alice, "My desktops");
    // Three cards side by side still show each desktop's whole name and state.
    assert.deepEqual(
      await cutOff(
        alice,
        '[data-testid="desktop-card"] h4, [data-testid="desktop-state"] .mantine-Badge-label',
      ),
      [],
      "names or states cut off on the desktop cards",
    );
    await shot(alice, "23-laptop-my-desktops");
    await alice
      .locator(`[data-desktop="${realName}"]`)
      .getByRole("button", { name: `Snapshots of ${realName}` })
      .click();
    await alice.locator(`[data-snapshot="${snapshotName}"]`).waitFor();
    await fits(alice, "the snapshots dialog");
    assert.deepEqual(
      await cutOff(alice, '[data-testid="snapshot-state"] .mantine-Badge-label'),
      [],
      "snapshot states cut off in the snapshots dialog",
    );
    await alice.keyboard.press("Escape");
    await alice.goto(`${base}#/snapshots`);
    await alice.locator(`[data-testid="snapshot-row"][data-snapshot="${snapshotName}"]`).waitFor();
    await settled(alice);
    await fits(alice, "the Snapshots page");
    assert.deepEqual(
      await cutOff(alice, '[data-testid="snapshot-state"] .mantine-Badge-label'),
      [],
      "snapshot states cut off on the Snapshots page",
    );
    await shot(alice, "23-laptop-snapshots");
    await alice.goto(`${base}#/desktops/${realId}/display`);
    await waitForFrame(alice, { minColours: 2 });
    await fits(alice, "the viewer page");
    await shot(alice, "24-laptop-viewer");

    // Console: every page, with the rows it holds by now.
    const pages = [
      ["#/admin/fleet", () => admin.locator('[data-testid="cluster-card"]').first().waitFor()],
      [
        "#/admin/desktops",
        async () => {
          await choose(admin, "Cluster", "web-local");
          await admin.locator(`[data-testid="desktop-row"][data-desktop="${realName}"]`).waitFor();
        },
      ],
      ["#/admin/templates", () => admin.locator(`[data-template="${template}"]`).waitFor()],
      ["#/admin/users", () => admin.locator('[data-testid="user-row"]').first().waitFor()],
      ["#/admin/apps", () => admin.locator('[data-testid="app-layer-row"]').first().waitFor()],
      ["#/admin/pools", () => admin.getByRole("heading", { name: "Warm pools" }).waitFor()],
    ];
    for (const [hash, ready] of pages) {
      await admin.goto(`${base}${hash}`);
      await ready();
      await settled(admin);
      await fits(admin, hash);
      if (hash === "#/admin/users") {
        await shot(admin, "25-laptop-users");
      }
    }
    // Cluster detail of the cluster with the real desktops, and a placement explanation.
    await admin.goto(`${base}#/admin/desktops`);
    await choose(admin, "Cluster", "web-local");
    await admin
      .locator(`[data-testid="desktop-row"][data-desktop="${realName}"]`)
      .getByRole("link")
      .click();
    await admin.getByRole("table", { name: "Nodes" }).waitFor();
    await settled(admin);
    await fits(admin, "cluster detail");
    await shot(admin, "26-laptop-cluster");
    await admin.goto(`${base}#/admin/placement`);
    await choose(admin, "Template", template);
    await choose(admin, "User", "alice");
    await admin.getByRole("button", { name: "Explain" }).click();
    await admin.getByTestId("placement-summary").waitFor();
    await admin.getByTestId("verdict").first().getByRole("button").first().click();
    await fits(admin, "placement preview");
    await shot(admin, "27-laptop-placement");
  } finally {
    await alice.setViewportSize({ width: 1366, height: 900 });
    await admin.setViewportSize({ width: 1366, height: 900 });
  }
});

test("a user deletes a snapshot and desktops after confirming", async ({ alice }) => {
  await alice.goto(base);
  // The snapshot first: confirmed, then gone from the list and from the cluster (this host).
  const listed = await call(alice, "DesktopSnapshots", { id: realId });
  const snapshotId = listed.desktop.snapshots.find((x) => x.name === snapshotName).id;
  const real = alice.locator(`[data-desktop="${realName}"]`);
  await real.getByRole("button", { name: `Snapshots of ${realName}` }).click();
  const dialog = alice.getByRole("dialog", { name: `Snapshots of ${realName}` });
  const row = dialog.locator(`[data-snapshot="${snapshotName}"]`);
  await row.getByRole("button", { name: `Delete snapshot ${snapshotName}` }).click();
  await alice.getByRole("button", { name: "Delete snapshot", exact: true }).click();
  await row.waitFor({ state: "detached", timeout: DESKTOP_TIMEOUT });
  await waitForGone(join(localDataDir, "snapshots", snapshotId));
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached" });

  // Then the desktops, each after its confirmation; the real ones' processes end and their homes
  // leave this host.
  for (const [name, id] of [
    [desktopName, null],
    [realName, realId],
    [snapshotName, restoredId],
    [orphanRestored, null],
  ]) {
    const desktop = alice.locator(`[data-desktop="${name}"]`);
    await desktop.getByRole("button", { name: `Delete ${name}` }).click();
    await alice.getByRole("button", { name: "Delete desktop and data" }).click();
    await desktop.waitFor({ state: "detached", timeout: DESKTOP_TIMEOUT });
    if (id) await waitForGone(join(localDataDir, "desktops", id));
  }
});
