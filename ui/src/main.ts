// The site's dashboard: sign in with an operator's token, then the inventory, one device, the
// onboarding view and the policy view, each a hash route (#/device/SERIAL) so that the site
// serves one page and the browser's back button works.
import "./style.css";
import { ApiError, get, setToken, token, type Operator } from "./api";
import { announce, clear, h } from "./dom";
import { EventFeed } from "./feed";
import { deviceView } from "./views/device";
import { inventoryView } from "./views/inventory";
import { onboardingView } from "./views/onboarding";
import { policyView } from "./views/policy";

export interface Ctx {
  me: Operator;
  feed: EventFeed;
  main: HTMLElement;
  // Called by a view for what it keeps running (subscriptions, timers) when the route changes.
  onLeave(fn: () => void): void;
}

const top = document.getElementById("top") as HTMLElement;
const main = document.getElementById("main") as HTMLElement;
let leaving: (() => void)[] = [];
let feed: EventFeed | null = null;
let me: Operator | null = null;

function loginView(problem?: string): void {
  clear(top, h("div", { class: "brand" }, "Gatehouse"));
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    required: true,
    "aria-describedby": "token-help",
  });
  const error = h("p", { id: "login-error", class: "error", role: "alert" }, problem ?? "");
  const form = h(
    "form",
    { class: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Sign in"),
    h("label", { for: "token" }, "Operator token"),
    input,
    h(
      "p",
      { id: "token-help", class: "help" },
      "The bearer token `gatehouse site operator add NAME --role viewer|operator|admin` printed. " +
        "It stays in this tab only (session storage) and is sent in the Authorization header.",
    ),
    error,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    setToken(input.value.trim());
    try {
      await start();
    } catch (e) {
      setToken(null);
      error.textContent =
        e instanceof ApiError ? `${e.message} (${e.check})` : "the site did not answer";
      input.focus();
    }
  });
  clear(main, form);
  input.focus();
}

function signOut(): void {
  feed?.stop();
  feed = null;
  me = null;
  setToken(null);
  location.hash = "";
  loginView();
}

function shell(site: string): void {
  const link = (href: string, text: string) => h("a", { href }, text);
  const status = h("span", { id: "feed-state", class: "feed" }, "connecting…");
  clear(
    top,
    h("div", { class: "brand" }, "Gatehouse ", h("span", { class: "site" }, site)),
    h(
      "nav",
      { "aria-label": "Views" },
      link("#/inventory", "Inventory"),
      link("#/onboarding", "Onboarding"),
      link("#/policy", "Policy"),
    ),
    h(
      "div",
      { class: "who" },
      status,
      h("span", { id: "whoami" }, `${me!.name} (${me!.role})`),
      h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
    ),
  );
  feed!.onState = (s) => {
    status.textContent = s === "live" ? "live" : s === "retrying" ? "reconnecting…" : "stopped";
    status.className = "feed feed-" + s;
  };
}

function route(): void {
  if (!me || !feed) return;
  for (const fn of leaving) fn();
  leaving = [];
  const ctx: Ctx = { me, feed, main, onLeave: (fn) => leaving.push(fn) };
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, ...rest] = hash.split("/");
  for (const a of top.querySelectorAll("nav a"))
    a.toggleAttribute("aria-current", a.getAttribute("href") === "#/" + name);
  if (name === "device" && rest.length) void deviceView(ctx, decodeURIComponent(rest.join("/")));
  else if (name === "onboarding") void onboardingView(ctx);
  else if (name === "policy") void policyView(ctx);
  else void inventoryView(ctx);
  main.focus({ preventScroll: true });
}

async function start(): Promise<void> {
  me = await get<Operator>("/me");
  const health = await get<{ site: string }>("/health");
  feed = new EventFeed();
  shell(health.site);
  feed.start();
  announce(`Signed in as ${me.name}, ${me.role}`);
  route();
}

window.addEventListener("hashchange", route);
if (token()) {
  start().catch((e) => {
    setToken(null);
    loginView(e instanceof ApiError ? `${e.message} (${e.check})` : undefined);
  });
} else {
  loginView();
}
