// One device: what it is and where it stands, its lifecycle timeline, credentials, MUD rules and
// what they let it reach, attestation results, the evidence trail, and the operator's actions,
// each asked for in a confirmation dialog. A refusal shows the check the site named (a viewer's
// action: api.role; a device in the wrong state: device.state).
import { ApiError, get, post, type EventEntry } from "../api";
import { announce, badge, clear, h, when, type Child } from "../dom";
import type { Ctx } from "../main";

interface Credential {
  certificate_serial: string;
  status: string;
  issued_at: string;
  not_after: string;
  ended_at: string | null;
}
interface SetRef {
  name: string;
  family: string;
  kind: string;
  key: string;
}
interface Device {
  serial: string;
  model: string;
  manufacturer: string;
  state: string;
  phase: string;
  in_service: boolean;
  renewal_requested: string;
  actions?: string[]; // what the lifecycle lets an operator start from this state
  credentials: Credential[];
  mud_url: string;
  mud: {
    signer: string;
    fetched_at: string;
    from_device: string[];
    to_device: string[];
    sets?: SetRef[];
  } | null;
  policy: { allow: boolean; segment: string; rule: string };
  attestation: { status: string; check: string; release: string; at: string } | null;
  application: { status: string; path: string; version: string };
  bundle: string;
  updated_at: string;
  history: EventEntry[];
}

interface Action {
  name: string;
  label: string;
  reason: boolean; // the site asks a reason for it
  what: string;
}
const ACTIONS: Action[] = [
  { name: "quarantine", label: "Quarantine", reason: true, what: "cut it off to the quarantine segment" },
  { name: "release", label: "Release", reason: false, what: "give it back its network access" },
  { name: "revoke", label: "Revoke", reason: true, what: "revoke its credentials (it must onboard again)" },
  { name: "renew", label: "Renew", reason: false, what: "ask it to renew its LDevID at its next contact" },
  {
    name: "decommission",
    label: "Decommission",
    reason: true,
    what: "revoke its credentials, remove its rules and have its agent wipe it",
  },
  { name: "retire", label: "Retire", reason: false, what: "mark it at the end of its life (it is not onboarded again)" },
];

// The kinds that are steps of a device's life (the rest of its log is the evidence trail).
const LIFECYCLE = /^(device\.|brski\.enroll-status|dpp\.exchange|lifecycle\.|renew\.|api\.bulk)/;

function section(id: string, title: string, ...content: Child[]): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": id, class: "card" },
    h("h2", { id }, title),
    ...content,
  );
}

function table(caption: string, head: string[], rows: Child[][]): HTMLElement {
  if (!rows.length) return h("p", { class: "empty" }, `No ${caption.toLowerCase()}.`);
  return h(
    "table",
    { class: "data" },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
  );
}

function operatorOf(e: EventEntry): string {
  const d = e.detail as Record<string, unknown> | null;
  if (d && typeof d === "object") {
    if (typeof d.operator === "string" && d.operator) return d.operator;
    if (typeof d.actor === "string") return d.actor;
  }
  return "";
}

// What the MUD rules let the device reach: each rule from the device that lets traffic through
// (return to the router's accepting chain, or accept), its sets named by what they stand for (a
// DNS name, a manufacturer, a controller, the local DNS and NTP services), once per destination.
function reach(d: Device): Child {
  if (!d.mud) return h("p", { class: "empty" }, "No verified MUD file on record yet.");
  const sets = new Map((d.mud.sets ?? []).map((s) => [s.name, s]));
  const seen = new Set<string>();
  const lines: Child[][] = [];
  for (const rule of d.mud.from_device) {
    if (!/\b(return|accept)\b/.test(rule) || /\b(reject|drop)\b/.test(rule)) continue;
    const to: string[] = [];
    for (const m of rule.matchAll(/daddr (?:\. [^@]*)?@(\S+)/g)) {
      const s = sets.get(m[1]);
      to.push(s ? `${s.kind} ${s.key || "(local networks)"}` : "@" + m[1]);
    }
    for (const m of rule.matchAll(/daddr \{ ([^}]*) \}/g)) to.push(m[1].trim());
    for (const m of rule.matchAll(/daddr (\d[\d./]*|[0-9a-fA-F]*:[0-9a-fA-F:/]*)(?:\s|$)/g))
      to.push(m[1]);
    const port = rule.match(/(tcp|udp) dport (\S+)/);
    const what = port ? `${port[1]} ${port[2]}` : /icmp/.test(rule) ? "icmp" : "the set's own";
    const key = to.join(", ") + "|" + what;
    if (seen.has(key)) continue;
    seen.add(key);
    const name = rule.match(/comment "([^"]*)"/);
    lines.push([to.join(", ") || "any host", what, name ? name[1] : ""]);
  }
  return h(
    "div",
    {},
    table("Destinations the MUD rules allow", ["Destination", "Protocol and port", "Rule"], lines),
    h("p", { class: "help" }, "Everything else is refused (the default deny at the end of the rules)."),
  );
}

export async function deviceView(ctx: Ctx, serial: string): Promise<void> {
  const title = h("h1", {}, "Device ", h("span", { class: "mono" }, serial));
  const status = h("p", { id: "action-result", role: "alert", class: "result" });
  const page = h("div", { class: "device" });
  const dialog = h("dialog", { id: "confirm", "aria-labelledby": "confirm-title" });
  clear(
    ctx.main,
    h("p", {}, h("a", { href: "#/inventory" }, "← Inventory")),
    title,
    status,
    page,
    dialog,
  );

  async function load(): Promise<Device | null> {
    try {
      const d = await get<Device>("/devices/" + encodeURIComponent(serial));
      render(d);
      return d;
    } catch (e) {
      clear(
        page,
        h(
          "p",
          { class: "error", role: "alert" },
          e instanceof ApiError ? `${e.message} (${e.check})` : "the site did not answer",
        ),
      );
      return null;
    }
  }

  function confirm(a: Action, opener: HTMLButtonElement): void {
    const reason = h("textarea", { id: "confirm-reason", rows: 2, "aria-required": a.reason ? "true" : null });
    const problem = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", { id: "confirm-title" }, `${a.label} ${serial}?`),
      h("p", {}, `This will ${a.what}. It is recorded in the evidence log under your name.`),
      h("label", { for: "confirm-reason" }, a.reason ? "Reason (required)" : "Reason (optional)"),
      reason,
      problem,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", class: "secondary", value: "cancel", onclick: () => dialog.close() }, "Cancel"),
        h("button", { type: "submit", class: a.name === "release" || a.name === "renew" ? "" : "danger" }, a.label),
      ),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (a.reason && !reason.value.trim()) {
        problem.textContent = "Give a reason: the evidence log keeps it.";
        reason.focus();
        return;
      }
      dialog.close();
      try {
        const r = await post<{ from: string; to: string }>(
          `/devices/${encodeURIComponent(serial)}/${a.name}`,
          reason.value.trim() ? { reason: reason.value.trim() } : {},
        );
        status.className = "result ok";
        status.textContent = `${a.label}: ${r.from} → ${r.to}`;
        await load();
      } catch (e) {
        status.className = "result error";
        clear(
          status,
          `${a.label} refused: `,
          e instanceof ApiError
            ? [h("code", { class: "check" }, e.check), " ", e.message]
            : "the site did not answer",
        );
      }
      opener.focus();
    });
    clear(dialog, form);
    dialog.showModal();
    reason.focus();
  }

  function render(d: Device): void {
    const history = d.history ?? [];
    const attest = history.filter((e) => e.kind.startsWith("attest"));
    const steps = history.filter((e) => LIFECYCLE.test(e.kind));
    const facts: [string, Child][] = [
      ["State", h("span", { id: "device-state" }, badge(d.state))],
      ["Phase", d.phase],
      ["Model", d.model],
      ["Manufacturer", d.manufacturer],
      ["Policy", `${d.policy.allow ? "allow" : "deny"}, segment ${d.policy.segment} (rule ${d.policy.rule})`],
      ["Application", d.application.status ? `${d.application.status} ${d.application.version}` : "—"],
      ["Renewal asked", d.renewal_requested || "no"],
      ["Updated", when(d.updated_at)],
    ];
    // Only what the device's state allows (the site says which); the site still judges each.
    const offered = ACTIONS.filter((a) => !d.actions || d.actions.includes(a.name));
    const actions = h(
      "div",
      { class: "actions", role: "group", "aria-label": "Actions" },
      offered.length
        ? offered.map((a) => {
            const b = h("button", { type: "button", "data-action": a.name, class: a.reason ? "danger" : "" }, a.label);
            b.addEventListener("click", () => confirm(a, b));
            return b;
          })
        : h("p", { class: "help" }, `No action applies to a device that is ${d.state}.`),
    );
    clear(
      page,
      h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      actions,
      h(
        "div",
        { class: "grid" },
        section(
          "timeline",
          "Lifecycle timeline",
          steps.length
            ? h(
                "ol",
                { class: "timeline" },
                steps.map((e) =>
                  h(
                    "li",
                    { class: "outcome-" + e.outcome },
                    when(e.at),
                    " ",
                    h("strong", {}, e.kind),
                    e.outcome !== "ok" ? [" ", badge("refused")] : null,
                    e.reason ? ` — ${e.reason}` : "",
                    operatorOf(e) ? ` (${operatorOf(e)})` : "",
                  ),
                ),
              )
            : h("p", { class: "empty" }, "Nothing yet."),
        ),
        section(
          "credentials",
          "Credentials",
          table(
            "Credentials",
            ["Certificate serial", "Status", "Issued", "Not after", "Ended"],
            d.credentials.map((c) => [
              h("span", { class: "mono" }, c.certificate_serial),
              badge(c.status),
              when(c.issued_at),
              when(c.not_after),
              when(c.ended_at),
            ]),
          ),
        ),
        section(
          "mud",
          "MUD rules and what they let it reach",
          h("p", {}, "MUD URL: ", d.mud_url ? h("span", { class: "mono" }, d.mud_url) : "none"),
          d.mud ? h("p", {}, "Signed by ", d.mud.signer, ", fetched ", when(d.mud.fetched_at)) : null,
          reach(d),
          d.mud
            ? h(
                "details",
                {},
                h("summary", {}, "The router's rules, whole"),
                h("pre", {}, [...d.mud.from_device, "", ...d.mud.to_device].join("\n")),
              )
            : null,
        ),
        section(
          "attestation",
          "Attestation",
          d.attestation
            ? h(
                "p",
                {},
                "Latest: ",
                badge(d.attestation.status),
                d.attestation.check ? ` (${d.attestation.check})` : "",
                d.attestation.release ? `, release ${d.attestation.release}` : "",
                ", ",
                when(d.attestation.at),
              )
            : h("p", { class: "empty" }, "Never appraised."),
          table(
            "Attestation results",
            ["When", "Kind", "Outcome", "Reason"],
            attest.map((e) => [when(e.at), e.kind, badge(e.outcome), e.reason]),
          ),
        ),
      ),
      section(
        "evidence",
        "Evidence trail",
        table(
          "Evidence trail",
          ["#", "When", "Kind", "Outcome", "Reason", "By"],
          history
            .slice()
            .reverse()
            .map((e) => [String(e.id), when(e.at), e.kind, badge(e.outcome), e.reason, operatorOf(e)]),
        ),
      ),
    );
  }

  const first = await load();
  if (first) announce(`Device ${serial}: ${first.state}`);
  ctx.onLeave(
    ctx.feed.subscribe((events) => {
      if (events.some((e) => e.serial === serial)) void load();
    }),
  );
}
