// The dashboard end to end in Debian's Chromium, driven by playwright-core (run by
// tests/integration/dashboard.sh, which prepares a site with devices and operators and serves it).
// Every step asserts what the page shows; a failed step saves a screenshot of the page as it was.
//
// Environment: GH_DASH_URL (https://127.0.0.1:PORT), GH_CHROMIUM, GH_SPKI (the API certificate's
// SPKI SHA-256, the one certificate Chromium is told to accept), GH_OPERATOR_TOKEN_FILE,
// GH_VIEWER_TOKEN_FILE, GH_SERIALS (three, comma-separated: two onboarded, one expected),
// GH_ARTIFACTS (screenshots), GATEHOUSE and GH_STATE (the CLI acts on the site behind the page's
// back, to see the page follow live).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const url = env("GH_DASH_URL");
const artifacts = env("GH_ARTIFACTS");
const [s1, s2, s3] = env("GH_SERIALS").split(",");
const operatorToken = readFileSync(env("GH_OPERATOR_TOKEN_FILE"), "utf8").trim();
const viewerToken = readFileSync(env("GH_VIEWER_TOKEN_FILE"), "utf8").trim();
mkdirSync(artifacts, { recursive: true });

let checks = 0;
function ok(what) {
  checks++;
  console.log("ok: " + what);
}
function assert(cond, what) {
  if (!cond) throw new Error("assertion failed: " + what);
}

const browser = await chromium.launch({
  executablePath: env("GH_CHROMIUM"),
  headless: true,
  timeout: 60_000,
  // Root in a container: no sandbox. Only the site's own certificate is accepted (pinned by its
  // SPKI), not every certificate error.
  args: ["--no-sandbox", `--ignore-certificate-errors-spki-list=${env("GH_SPKI")}`],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
context.setDefaultTimeout(15_000);
const page = await context.newPage();
const problems = [];
page.on("console", (m) => {
  if (m.type() === "error") problems.push(m.text());
});
page.on("pageerror", (e) => problems.push(String(e)));

const rows = (sel = "#inventory tbody tr[data-serial]") => page.locator(sel);
async function shot(name) {
  await page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: false });
}
async function signIn(token) {
  await page.locator("#token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

try {
  // The site's address leads to the dashboard, served with its security headers.
  const first = await page.goto(url + "/");
  assert(page.url() === url + "/ui/", `/ redirects to /ui/ (at ${page.url()})`);
  const headers = first.headers();
  assert(/script-src 'self'/.test(headers["content-security-policy"] ?? ""), "a CSP without inline scripts");
  assert(/connect-src 'self'/.test(headers["content-security-policy"] ?? ""), "connect-src 'self'");
  assert(headers["x-frame-options"] === "DENY", "X-Frame-Options: DENY");
  ok("/ leads to /ui/, served with a Content-Security-Policy and X-Frame-Options: DENY");

  // A wrong token is refused with the API's check; the operator's is accepted.
  await signIn("not-a-token");
  await page.locator("#login-error").filter({ hasText: "api.auth" }).waitFor();
  await signIn(operatorToken);
  await page.locator("#whoami").filter({ hasText: "olivia (operator)" }).waitFor();
  const stored = await page.evaluate(() => ({
    token: sessionStorage.getItem("gatehouse.token"),
    cookie: document.cookie,
  }));
  assert(stored.token === operatorToken && stored.cookie === "", "token in sessionStorage, no cookie");
  assert((await context.cookies()).length === 0, "the site set no cookie");
  ok("a wrong token is refused (api.auth); the operator signs in; the token is in sessionStorage, no cookie anywhere");

  // The inventory, then filtered by state and by a search.
  await page.locator("#inventory caption").filter({ hasText: "3 of 3 devices" }).waitFor();
  assert((await rows().count()) === 3, "three rows");
  await page.locator("#f-state").selectOption("onboarded");
  await page.locator("#inventory caption").filter({ hasText: "2 of 3 devices" }).waitFor();
  const shown = await rows().evaluateAll((trs) => trs.map((tr) => tr.dataset.serial).sort());
  assert(JSON.stringify(shown) === JSON.stringify([s1, s2].sort()), `onboarded: ${shown}`);
  await page.locator("#f-protocol").selectOption("brski");
  await page.locator("#f-q").fill(s1);
  await page.locator("#inventory caption").filter({ hasText: "1 of 3 devices" }).waitFor();
  assert((await rows().first().getAttribute("data-serial")) === s1, "the search finds " + s1);
  await shot("inventory-filtered");
  ok(`the inventory lists 3 devices; state onboarded shows ${s1} and ${s2}; protocol brski and a search leave ${s1}`);

  // The device page, and a quarantine through the confirmation dialog.
  await page.getByRole("link", { name: s1 }).click();
  await page.locator("#device-state").filter({ hasText: "onboarded" }).waitFor();
  const creds = await page.locator("#credentials ~ table tbody tr").count();
  assert(creds === 1, `one credential (${creds})`);
  const reach = await page.locator("#mud ~ div table tbody tr").allInnerTexts();
  assert(
    reach.some((r) => r.includes("dns cloud.example.com") && r.includes("tcp 443") && r.includes("cloud")),
    "the MUD rules let it reach cloud.example.com on tcp 443: " + JSON.stringify(reach),
  );
  await page.locator("button[data-action=quarantine]").click();
  const dialog = page.locator("dialog#confirm");
  await dialog.waitFor({ state: "visible" });
  await dialog.getByRole("button", { name: "Quarantine" }).click();
  await dialog.getByText("Give a reason").waitFor();
  assert((await page.locator("#device-state").innerText()).includes("onboarded"), "no reason, no action");
  await dialog.getByLabel("Reason (required)").fill("beaconing to an unknown host");
  await dialog.getByRole("button", { name: "Quarantine" }).click();
  await page.locator("#action-result").filter({ hasText: "onboarded → quarantined" }).waitFor();
  await page.locator("#device-state").filter({ hasText: "quarantined" }).waitFor();
  await page.locator("button[data-action=release]").waitFor();
  assert((await page.locator("button[data-action=quarantine]").count()) === 0, "a quarantined device is offered release, not quarantine");
  await page.locator("#evidence ~ table").getByText("device.quarantine").first().waitFor();
  await shot("device-quarantined");
  ok(`${s1}: its MUD file lets it reach dns cloud.example.com on tcp 443; the dialog asks a reason, then the quarantine is done and the page shows quarantined and offers release instead`);

  // Live: released behind the page's back, the inventory follows without a reload.
  await page.getByRole("link", { name: "Inventory" }).first().click();
  await page.locator("#f-q").fill("");
  await page.locator("#f-protocol").selectOption("");
  await page.locator("#f-state").selectOption("quarantined");
  await page.locator("#inventory caption").filter({ hasText: "1 of 3 devices" }).waitFor();
  execFileSync(env("GATEHOUSE"), ["site", "release", "--state", env("GH_STATE"), s1]);
  await page.locator("#inventory td.empty").waitFor({ timeout: 20_000 });
  await page.locator("#inventory caption").filter({ hasText: "0 of 3 devices" }).waitFor();
  ok(`${s1} released by the CLI: the quarantined filter empties without a reload (the event feed)`);

  // The onboarding view: two BRSKI onboardings in the window.
  await page.locator("#f-state").selectOption("");
  await page.getByRole("link", { name: "Onboarding" }).click();
  const brski = page.locator("#totals-table tbody tr").filter({ hasText: "brski" });
  await brski.waitFor();
  const cells = await brski.locator("td").allInnerTexts();
  assert(cells[0] === "2", `two BRSKI onboardings (${cells})`);
  assert(await page.locator("#rate-chart").isVisible(), "the rate chart is drawn");
  await shot("onboarding");
  ok("the onboarding view counts 2 BRSKI onboardings and draws the per-minute chart");

  // The policy view: the decision a device would get.
  await page.getByRole("link", { name: "Policy" }).click();
  await page.locator("#d-serial").fill(s3);
  await page.getByRole("button", { name: "Decide" }).click();
  await page.locator("#decision").filter({ hasText: "segment" }).waitFor();
  const decision = await page.locator("#decision").innerText();
  assert(/allow|deny/.test(decision), "a decision: " + decision);
  await page.locator("#d-serial").fill("NO-SUCH-DEVICE");
  await page.getByRole("button", { name: "Decide" }).click();
  await page.locator("#decision").filter({ hasText: "policy.unknown-device" }).waitFor();
  await shot("policy");
  ok(`the policy view gives ${s3}'s decision and names policy.unknown-device for an unknown serial`);

  // A viewer signs in and is refused an action, with the API's check shown.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator("#token").waitFor();
  assert((await page.evaluate(() => sessionStorage.getItem("gatehouse.token"))) === null, "signed out");
  await signIn(viewerToken);
  await page.locator("#whoami").filter({ hasText: "vera (viewer)" }).waitFor();
  await page.goto(`${url}/ui/#/device/${encodeURIComponent(s2)}`);
  await page.locator("#device-state").filter({ hasText: "onboarded" }).waitFor();
  await page.locator("button[data-action=quarantine]").click();
  await dialog.getByLabel("Reason (required)").fill("a viewer tries");
  await dialog.getByRole("button", { name: "Quarantine" }).click();
  await page.locator("#action-result").filter({ hasText: "api.role" }).waitFor();
  const refusal = await page.locator("#action-result").innerText();
  assert(/vera is viewer/.test(refusal), "the message says why: " + refusal);
  await shot("viewer-refused");
  await page.reload();
  await page.locator("#device-state").filter({ hasText: "onboarded" }).waitFor();
  ok(`the viewer's quarantine of ${s2} is refused: api.role and its message shown, the device unchanged`);

  // The page broke no rule of its Content-Security-Policy and threw nothing.
  const unexpected = problems.filter(
    (p) => !/401|403|404/.test(p) && !/Failed to load resource/.test(p),
  );
  assert(unexpected.length === 0, "console errors: " + unexpected.join(" | "));
  ok("no console error and no CSP violation");
} catch (e) {
  await page.screenshot({ path: `${artifacts}/failure.png` }).catch(() => {});
  console.error("FAIL: " + (e && e.message ? e.message : e));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log(`${checks} browser checks passed`);
