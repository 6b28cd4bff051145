// End-to-end tests of the console and the portal in Debian's headless Chromium, against a
// running gateway with a cluster agent (started by the gateway module's WebUiEndToEndTest, or
// by hand: `node e2e/run.mjs http://127.0.0.1:8080/`). Screenshots of every page go to
// $SCREENSHOT_DIR (default target/e2e-screenshots). Exits non-zero on the first failure.
//
// $OPENCDI_LOCAL_DATA_DIR is the data directory of the agent's `local` runtime (real desktops on
// this host); the viewer scenario checks the files it types into a desktop there. With
// $TTFF_RUNS=N it also measures time to first frame N times (docs/perf/time-to-first-frame.md).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = (process.argv[2] ?? "http://127.0.0.1:8080/").replace(/\/?$/, "/");
const shots = process.env.SCREENSHOT_DIR ?? "target/e2e-screenshots";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT = 30_000;
const run = Date.now().toString(36);
const localDataDir = process.env.OPENCDI_LOCAL_DATA_DIR;
const ttffRuns = Number(process.env.TTFF_RUNS ?? 0);
// A real desktop starts in seconds, but the build machine may be busy.
const DESKTOP_TIMEOUT = 120_000;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});

const results = [];
async function scenario(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(`ok   ${name} (${Date.now() - started} ms)`);
    console.log(`ok   ${name}`);
  } catch (e) {
    console.error(`FAIL ${name}\n${e.stack ?? e}`);
    await browser.close();
    process.exit(1);
  }
}

/** A fresh browser context (own sessionStorage) signed in as `user` (password = name). */
async function signIn(user) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${user}] page error: ${e.message}`));
  await page.goto(`${base}#/login`);
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(user);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-user").filter({ hasText: user }).waitFor();
  return page;
}

// The viewport only: the app shell's header and navigation are fixed, which full-page shots smear.
const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`) });

async function choose(page, label, option) {
  await page.getByRole("textbox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option }).first().click();
}

/**
 * Waits until the viewer is connected and its canvas is drawn all over with at least
 * `minColours` colours (sampled on a 64×40 copy); resolves with the page's `performance.now()`
 * of the first animation frame on which that held.
 */
async function waitForFrame(page, { minColours = 1, timeout = TIMEOUT } = {}) {
  const handle = await page.waitForFunction(
    (min) => {
      if (!document.querySelector('[data-testid="desktop-viewer"][data-phase="connected"]'))
        return false;
      const canvas = document.querySelector('[data-testid="display-screen"] canvas');
      if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
      const sample = document.createElement("canvas");
      sample.width = 64;
      sample.height = 40;
      const ctx = sample.getContext("2d");
      ctx.drawImage(canvas, 0, 0, 64, 40);
      const px = ctx.getImageData(0, 0, 64, 40).data;
      const colours = new Set();
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] === 0) return false; // not drawn yet
        colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      }
      return colours.size >= min ? performance.now() : false;
    },
    minColours,
    { polling: "raf", timeout },
  );
  return handle.jsonValue();
}

/** Clicks into the desktop's terminal (xterm at +40+40, 100×30 characters) and types a line. */
async function typeInDesktop(page, line) {
  const box = await page.locator('[data-testid="display-screen"] canvas').boundingBox();
  await page.mouse.click(box.x + 200, box.y + 150);
  await page.keyboard.type(line, { delay: 15 });
  await page.keyboard.press("Enter");
}

/** Waits until a file on this host holds exactly `expected`. */
async function waitForFile(path, expected) {
  const r = await fileHolds(path, expected, TIMEOUT);
  assert.ok(
    r.ok,
    `${path} should hold ${JSON.stringify(expected)}, holds ${JSON.stringify(r.seen)}`,
  );
}

/** Waits up to `timeout` ms until a file on this host holds exactly `expected`. */
async function fileHolds(path, expected, timeout) {
  const deadline = Date.now() + timeout;
  let seen = "(missing)";
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      seen = readFileSync(path, "utf8");
      if (seen === expected) return { ok: true, seen };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ok: false, seen };
}

/**
 * Types `line` (an idempotent command) into the desktop's terminal until the file it writes on
 * this host holds `expected`. Right after a desktop starts, the terminal's shell may not read
 * yet and discards what was typed ahead of its first prompt, hence up to three attempts.
 */
async function typeUntilFile(page, line, path, expected) {
  let last;
  for (let attempt = 1; attempt <= 3; attempt++) {
    await typeInDesktop(page, line);
    last = await fileHolds(path, expected, 10_000);
    if (last.ok) return;
    console.log(`  typed again: ${basename(path)} holds ${JSON.stringify(last.seen)}`);
  }
  await shot(page, `failed-${basename(path)}`);
  throw new Error(
    `${path} should hold ${JSON.stringify(expected)}, holds ${JSON.stringify(last.seen)}`,
  );
}

/** A GraphQL call with the page's session, as the UI makes it. */
function api(page, query, variables) {
  return page.evaluate(
    async ({ query, variables }) => {
      const { token } = JSON.parse(sessionStorage.getItem("opencdi.session"));
      const r = await fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return r.json();
    },
    { query, variables },
  );
}

/** The latest performance mark of that name, in the page's clock. */
const markTime = (page, name) =>
  page.evaluate((n) => performance.getEntriesByName(n).at(-1).startTime, name);

const template = `e2e-xfce-${run}`;
const desktopName = `alice-e2e-${run}`;

// The login page itself, and a wrong password answered where it happened.
await scenario("a wrong password is refused with the API's reason", async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(base);
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Password").fill("not-her-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor({ timeout: TIMEOUT });
  assert.match(await alert.innerText(), /UNAUTHENTICATED/);
  await shot(page, "01-login-refused");
  await context.close();
});

const admin = await signIn("admin");

await scenario("an admin creates a template", async () => {
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
  await shot(admin, "03-templates");
});

const alice = await signIn("alice");

await scenario(
  "a user launches a desktop and sees it reach RUNNING without reloading",
  async () => {
    let navigations = 0;
    alice.on("framenavigated", (f) => {
      if (f === alice.mainFrame()) navigations++;
    });
    await alice.getByRole("button", { name: "Launch desktop" }).click();
    await choose(alice, "Template", new RegExp(`^${template}`));
    await alice.getByRole("textbox", { name: "Name", exact: true }).fill(desktopName);
    await shot(alice, "04-launch");
    const before = navigations;
    await alice.getByRole("button", { name: "Launch", exact: true }).click();
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
  },
);

const realName = `alice-real-${run}`;
let realId;

await scenario(
  "a user connects to a real desktop, types into its terminal, and finds the file after a restart",
  async () => {
    assert.ok(localDataDir, "OPENCDI_LOCAL_DATA_DIR (the local runtime's data directory) is unset");
    await alice.goto(base);
    await alice.getByRole("button", { name: "Launch desktop" }).click();
    await choose(alice, "Template", /^local-desktop —/);
    await alice.getByRole("textbox", { name: "Name", exact: true }).fill(realName);
    await alice.getByRole("button", { name: "Launch", exact: true }).click();
    const card = alice.locator(`[data-desktop="${realName}"]`);
    await card
      .getByTestId("desktop-state")
      .filter({ hasText: "RUNNING" })
      .waitFor({ timeout: DESKTOP_TIMEOUT });
    await shot(alice, "12-real-desktop-running");

    // Embedded in the portal: the desktop is drawn (its black root window and the white xterm).
    await card.getByRole("button", { name: "Connect" }).click();
    const dialog = alice.getByRole("dialog");
    await waitForFrame(alice, { minColours: 2 });
    await shot(alice, "13-viewer-embedded");

    // The same viewer as a page of its own.
    await dialog.getByRole("link", { name: "Open in its own page" }).click();
    await alice.waitForURL(/#\/desktops\/[^/]+\/display$/);
    realId = decodeURIComponent(new URL(alice.url()).hash.split("/")[2]);
    await waitForFrame(alice, { minColours: 2 });
    await shot(alice, "14-viewer-page");

    // Keys typed in the browser reach the desktop's shell: the file appears in its home here.
    const home = join(localDataDir, "desktops", realId, "home");
    const proof = `proof-${run}.txt`;
    await typeUntilFile(
      alice,
      `echo hello-${run} > ~/${proof}`,
      join(home, proof),
      `hello-${run}\n`,
    );
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
    // overtook it would run an empty line.
    await alice.waitForTimeout(500);
    await alice.keyboard.press("Enter");
    await waitForFile(join(home, `pasted-${run}.txt`), `pasted${run}\n`);

    // Clipboard, desktop → browser: selecting a word in the terminal (a double click) makes it
    // the desktop's PRIMARY selection, which Xvnc sends to the viewer.
    await typeInDesktop(alice, `clear; echo copied${run}`);
    box = await canvas.boundingBox();
    // After `clear`, the first line of the terminal (below its title bar) holds the output; the
    // double click is repeated in case it overtook the shell's output.
    let copied = "";
    for (let attempt = 0; attempt < 5 && copied !== `copied${run}`; attempt++) {
      await alice.mouse.dblclick(box.x + 60, box.y + 68);
      await alice.waitForTimeout(1000);
      copied = await alice.getByLabel("From the desktop").inputValue();
    }
    assert.equal(copied, `copied${run}`, "the desktop's selection did not reach the viewer");
    await shot(alice, "19-clipboard");
  },
);

if (ttffRuns > 0) {
  await scenario(`time to first frame, ${ttffRuns} runs each`, async () => {
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
      const stopped = await api(alice, "mutation($id: ID!) { stopDesktop(id: $id) { id } }", {
        id: realId,
      });
      assert.ok(!stopped.errors, JSON.stringify(stopped.errors));
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

await scenario("a user cannot see another user's desktops", async () => {
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
  const seen = await bob.evaluate(async () => {
    const { token } = JSON.parse(sessionStorage.getItem("opencdi.session"));
    const r = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query:
          '{ desktops(filter: {owner: "alice"}, first: 100) { edges { node { owner { username } } } } }',
      }),
    });
    const body = await r.json();
    // Either the filter is refused or it yields only the caller's own desktops.
    return body.data ? body.data.desktops.edges.map((e) => e.node.owner.username) : [];
  });
  assert.ok(!seen.includes("alice"), `bob saw desktops of ${seen}`);
  // The console is not offered, and its pages refuse him.
  assert.equal(await bob.getByRole("link", { name: "Fleet" }).count(), 0);
  await bob.goto(`${base}#/admin/desktops`);
  await bob.getByText("This page is for administrators.").waitFor();
  await shot(bob, "06-other-user");
  // The admin, by contrast, sees alice's desktop in the console.
  await admin.goto(`${base}#/admin/desktops`);
  await admin.locator(`[data-testid="desktop-row"][data-desktop="${desktopName}"]`).waitFor();
  await shot(admin, "07-desktops");
  await bob.context().close();
});

await scenario("an admin cordons a cluster and sees it in the overview", async () => {
  await admin.goto(`${base}#/admin/fleet`);
  const card = admin.locator('[data-testid="cluster-card"][data-cluster="e2e-fra"]');
  await card.waitFor();
  if (await card.getByTestId("cordoned").count()) {
    // Left cordoned by an earlier run against the same gateway.
    await card.getByRole("button", { name: "Uncordon" }).click();
    await card.getByTestId("cordoned").waitFor({ state: "detached" });
  }
  await card.getByRole("button", { name: "Cordon" }).click();
  await card.getByTestId("cordoned").waitFor();
  await admin.waitForTimeout(6000); // let the utilisation chart take a few samples
  await shot(admin, "08-fleet");
  await card.getByRole("link", { name: "e2e-fra" }).click();
  await admin.getByRole("heading", { name: "e2e-fra", exact: true }).waitFor();
  await admin.getByRole("button", { name: "Uncordon" }).waitFor();
  await shot(admin, "09-cluster");
  await admin.getByRole("button", { name: "Uncordon" }).click();
  await admin.getByRole("button", { name: "Cordon", exact: true }).waitFor();
});

await scenario("an admin previews placement and lists users", async () => {
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

await scenario("a user deletes a desktop after confirming", async () => {
  await alice.goto(base);
  const card = alice.locator(`[data-desktop="${desktopName}"]`);
  await card.getByRole("button", { name: "Delete" }).click();
  await alice.getByRole("button", { name: "Delete desktop and data" }).click();
  await card.waitFor({ state: "detached" });
  // The real desktop too: its processes end and its home leaves this host.
  const real = alice.locator(`[data-desktop="${realName}"]`);
  await real.getByRole("button", { name: "Delete" }).click();
  await alice.getByRole("button", { name: "Delete desktop and data" }).click();
  await real.waitFor({ state: "detached", timeout: DESKTOP_TIMEOUT });
  const dir = join(localDataDir, "desktops", realId);
  const deadline = Date.now() + TIMEOUT;
  while (existsSync(dir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.ok(!existsSync(dir), `${dir} is still there after the delete`);
});

await browser.close();
console.log(`\n${results.join("\n")}\nall ${results.length} scenarios passed`);
