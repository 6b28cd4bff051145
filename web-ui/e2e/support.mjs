// What the browser suite's scenarios share: the gateway's address, the signed-in pages (fixtures),
// the API's operation documents, and helpers that wait for what the page or this host shows.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { expect, test as base } from "@playwright/test";
import { Kind, parse, print, visit } from "graphql";

export { expect };

export const baseUrl = (process.env.E2E_BASE_URL ?? "http://127.0.0.1:8080/").replace(/\/?$/, "/");
export const shots = process.env.SCREENSHOT_DIR ?? "target/e2e-screenshots";
export const localDataDir = process.env.OPENCDI_LOCAL_DATA_DIR;
export const ttffRuns = Number(process.env.TTFF_RUNS ?? 0);
export const TIMEOUT = 30_000;
// A real desktop starts in seconds, but the build machine may be busy.
export const DESKTOP_TIMEOUT = 120_000;
mkdirSync(shots, { recursive: true });

const VIEWPORT = { width: 1366, height: 900 };

/** A fresh browser context (own sessionStorage) signed in as `user` (password = name). */
async function signIn(browser, user) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${user}] page error: ${e.message}`));
  await page.goto(`${baseUrl}#/login`);
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(user);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-user").filter({ hasText: user }).waitFor();
  return page;
}

/**
 * `admin` and `alice` are signed in once and kept for the whole run, as the scenarios build on
 * what the earlier ones left (one gateway, one agent); `signIn(user)` signs in someone else for
 * one scenario. A failed scenario keeps a trace and a screenshot of each of their pages
 * (playwright.config.mjs): the recorder covers every context of the browser.
 */
export const test = base.extend({
  admin: [async ({ browser }, use) => use(await signIn(browser, "admin")), { scope: "worker" }],
  alice: [async ({ browser }, use) => use(await signIn(browser, "alice")), { scope: "worker" }],
  signIn: async ({ browser }, use) => {
    const pages = [];
    await use(async (user) => {
      const page = await signIn(browser, user);
      pages.push(page);
      return page;
    });
    for (const page of pages) await page.context().close();
  },
});

// The API's operation documents, shared with the web UI's code generation.
const operationsDir = new URL(
  "../../graphql-schema/src/main/resources/operations/",
  import.meta.url,
);
const definitions = readdirSync(operationsDir)
  .filter((f) => f.endsWith(".graphql"))
  .flatMap((f) => parse(readFileSync(new URL(f, operationsDir), "utf8")).definitions);

/** The document of the named operation in graphql-schema's operations, with its fragments. */
export function operation(name) {
  const named = (kind, n) => definitions.find((d) => d.kind === kind && d.name?.value === n);
  const op = named(Kind.OPERATION_DEFINITION, name);
  if (!op) throw new Error(`no operation ${name} in ${operationsDir.pathname}`);
  const fragments = new Map();
  const pending = [op];
  while (pending.length) {
    visit(pending.pop(), {
      FragmentSpread(node) {
        const n = node.name.value;
        if (fragments.has(n)) return;
        const fragment = named(Kind.FRAGMENT_DEFINITION, n);
        if (!fragment) throw new Error(`no fragment ${n} for ${name}`);
        fragments.set(n, fragment);
        pending.push(fragment);
      },
    });
  }
  return [op, ...fragments.values()].map(print).join("\n");
}

/** A GraphQL call with the page's session, as the UI makes it. */
export function api(page, query, variables) {
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

/** The data of the named shared operation as `page`'s user; errors fail the scenario. */
export async function call(page, name, variables) {
  const r = await api(page, operation(name), variables);
  expect(r.errors, `${name}: ${JSON.stringify(r.errors)}`).toBeUndefined();
  return r.data;
}

// The viewport only: the app shell's header and navigation are fixed, which full-page shots smear.
export const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`) });

export async function choose(page, label, option) {
  await page.getByRole("textbox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option }).first().click();
}

/**
 * Waits until the viewer is connected and its canvas is drawn all over with at least
 * `minColours` colours (sampled on a 64×40 copy); resolves with the page's `performance.now()`
 * of the first animation frame on which that held.
 */
export async function waitForFrame(page, { minColours = 1, timeout = TIMEOUT } = {}) {
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
export async function typeInDesktop(page, line) {
  const box = await page.locator('[data-testid="display-screen"] canvas').boundingBox();
  await page.mouse.click(box.x + 200, box.y + 150);
  await page.keyboard.type(line, { delay: 15 });
  await page.keyboard.press("Enter");
}

/** What a file on this host holds, or "(missing)". */
const contentOf = (path) => (existsSync(path) ? readFileSync(path, "utf8") : "(missing)");

/** Waits until a file or directory on this host is gone. */
export async function waitForGone(path) {
  await expect
    .poll(() => existsSync(path), {
      message: `${path} is still there after the delete`,
      timeout: TIMEOUT,
    })
    .toBe(false);
}

/** Waits up to `timeout` ms until a file on this host holds exactly `expected`. */
export async function waitForFile(path, expected, timeout = TIMEOUT) {
  await expect
    .poll(() => contentOf(path), { message: `${path} should hold what was written`, timeout })
    .toBe(expected);
}

/**
 * Types `line` (an idempotent command) into the desktop's terminal until the file it writes on
 * this host holds `expected`. Right after a desktop starts, the terminal's shell may not read
 * yet and discards what was typed ahead of its first prompt, hence up to three attempts.
 */
/** Waits until the desktop's shell reads what is typed: a file it is told to write appears in `home`. */
export async function awaitShell(page, home, tag) {
  await typeUntilFile(
    page,
    `echo ready-${tag} > ~/ready-${tag}.txt`,
    join(home, `ready-${tag}.txt`),
    `ready-${tag}\n`,
  );
}

export async function typeUntilFile(page, line, path, expected) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await typeInDesktop(page, line);
    try {
      await waitForFile(path, expected, 10_000);
      return;
    } catch (e) {
      if (attempt === 3) {
        await shot(page, `failed-${basename(path)}`);
        throw e;
      }
      console.log(`  typed again: ${basename(path)} holds ${JSON.stringify(contentOf(path))}`);
    }
  }
}

/** Asks `read` until it returns something truthy; fails with `what` after `timeout` ms. */
export async function until(read, what, timeout = TIMEOUT) {
  await expect.poll(read, { message: `${what} did not happen`, timeout }).toBeTruthy();
}

/** The latest performance mark of that name, in the page's clock. */
export const markTime = (page, name) =>
  page.evaluate((n) => performance.getEntriesByName(n).at(-1).startTime, name);

/** Waits until `target` (a locator) holds the keyboard focus. */
export const waitForFocus = async (page, target) =>
  page.waitForFunction((el) => el === document.activeElement, await target.elementHandle());

/**
 * Presses Tab until `target` holds the focus, as a keyboard user would reach it; fails when it is
 * not reached within `max` presses. `target` is found by role and accessible name, so reaching it
 * also proves the control is labelled.
 */
export async function tabTo(page, target, max = 30) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  throw new Error(`${max} presses of Tab did not reach ${target}; the focus is on ${at}`);
}

/** The focused control shows where the focus is (a focus ring drawn for keyboard users). */
export async function expectFocusVisible(target) {
  const ring = await target.evaluate((el) => {
    const css = getComputedStyle(el);
    return {
      focused: el === document.activeElement,
      focusVisible: el.matches(":focus-visible"),
      outline: `${css.outlineStyle} ${css.outlineWidth} ${css.outlineColor}`,
      visible: css.outlineStyle !== "none" && parseFloat(css.outlineWidth) > 0,
    };
  });
  expect(
    ring.focused && ring.focusVisible && ring.visible,
    `${target} has no visible focus: ${JSON.stringify(ring)}`,
  ).toBe(true);
}

/** The page scrolls sideways at its current width: names what sticks out, or null. */
export function horizontalOverflow(page) {
  return page.evaluate(() => {
    const root = document.scrollingElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    const wide = [...document.body.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
      .slice(-3)
      .map((el) => el.outerHTML.slice(0, 120));
    return `scrollWidth ${root.scrollWidth} > clientWidth ${root.clientWidth}: ${wide.join(" | ")}`;
  });
}

/** The texts matched by `selector` that are cut off (an ellipsis or a line clamp). */
export function cutOff(page, selector) {
  return page.evaluate(
    (sel) =>
      [...document.querySelectorAll(sel)]
        .filter(
          (el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
        )
        .map((el) => el.textContent),
    selector,
  );
}

/** Waits until no loader (a page's, a table's or a busy button's) is left on the page. */
export const settled = (page) =>
  page.waitForFunction(() => !document.querySelector(".mantine-Loader-root"));

/**
 * Waits until the element of `testId` (a dialog's panel) shows no loader: its own listing is in,
 * whatever other cards behind the dialog are still busy with.
 */
export const settledWithin = (page, testId) =>
  page.waitForFunction(
    (id) => !document.querySelector(`[data-testid="${id}"] .mantine-Loader-root`),
    testId,
  );
