// End-to-end tests of the console and the portal in Debian's headless Chromium, against a
// running gateway with a cluster agent (started by the gateway module's WebUiEndToEndTest, or
// by hand: `node e2e/run.mjs http://127.0.0.1:8080/`). Screenshots of every page go to
// $SCREENSHOT_DIR (default target/e2e-screenshots). Exits non-zero on the first failure.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = (process.argv[2] ?? "http://127.0.0.1:8080/").replace(/\/?$/, "/");
const shots = process.env.SCREENSHOT_DIR ?? "target/e2e-screenshots";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT = 30_000;
const run = Date.now().toString(36);
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
});

await browser.close();
console.log(`\n${results.join("\n")}\nall ${results.length} scenarios passed`);
