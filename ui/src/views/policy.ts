// The policy: the file the site runs (or the built-in policy), its rules in order, and the
// decision a given device would get, evaluated by the site as `site policy check` does.
import { ApiError, get, query, type DeviceList } from "../api";
import { badge, clear, h } from "../dom";
import type { Ctx } from "../main";

interface Policy {
  path: string;
  source: string;
  yaml: string | null;
  valid: boolean;
  error?: { check: string; message: string };
  summary?: {
    origin: string;
    default: { action: string; segment: string };
    rules: { name: string; match: Record<string, string[]>; action: string; segment: string }[];
  };
}
interface Decision {
  serial: string;
  decision: string;
  segment: string;
  rule: string;
  policy: string;
  subject: Record<string, string>;
}

function matchText(m: Record<string, string[]>): string {
  const parts = Object.entries(m).map(([k, v]) => `${k}: ${v.join(" | ")}`);
  return parts.length ? parts.join("; ") : "every device";
}

export async function policyView(ctx: Ctx): Promise<void> {
  const problem = h("p", { class: "error", role: "alert" });
  const text = h("div", {});
  const serial = h("input", { id: "d-serial", list: "serials", required: true, autocomplete: "off" });
  const serials = h("datalist", { id: "serials" });
  const protocol = h(
    "select",
    { id: "d-protocol" },
    ["connect", "brski", "dpp"].map((p) => h("option", { value: p }, p)),
  );
  const result = h("div", { id: "decision", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "The decision for a device" },
    h("div", { class: "field" }, h("label", { for: "d-serial" }, "Device serial"), serial, serials),
    h("div", { class: "field" }, h("label", { for: "d-protocol" }, "Asking as"), protocol),
    h("button", { type: "submit" }, "Decide"),
  );
  clear(
    ctx.main,
    h("h1", {}, "Policy"),
    problem,
    h(
      "section",
      { class: "card", "aria-labelledby": "decide-title" },
      h("h2", { id: "decide-title" }, "The decision a device would get"),
      form,
      result,
    ),
    text,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const d = await get<Decision>(
        "/policy/decision" + query({ serial: serial.value.trim(), protocol: protocol.value }),
      );
      clear(
        result,
        h(
          "p",
          { class: "decision" },
          badge(d.decision),
          ` segment ${d.segment}, by rule `,
          h("strong", {}, d.rule),
          ` of ${d.policy}`,
        ),
        h(
          "dl",
          { class: "facts" },
          Object.entries(d.subject).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")]),
        ),
      );
    } catch (e) {
      clear(
        result,
        h(
          "p",
          { class: "error", role: "alert" },
          e instanceof ApiError ? [h("code", { class: "check" }, e.check), " ", e.message] : "the site did not answer",
        ),
      );
    }
  });
  try {
    const [p, list] = await Promise.all([get<Policy>("/policy"), get<DeviceList>("/devices?limit=500")]);
    clear(serials, list.devices.map((d) => h("option", { value: d.serial })));
    const rules = p.summary?.rules ?? [];
    clear(
      text,
      h(
        "section",
        { class: "card", "aria-labelledby": "rules-title" },
        h("h2", { id: "rules-title" }, "Rules, in the order they are tried"),
        p.valid ? null : h("p", { class: "error" }, `The file is refused (${p.error?.check}): ${p.error?.message}`),
        h(
          "table",
          { class: "data", id: "rules" },
          h("caption", { class: "visually-hidden" }, "Policy rules"),
          h("thead", {}, h("tr", {}, ["Rule", "Matches", "Action", "Segment"].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            rules.map((r) =>
              h("tr", {}, h("th", { scope: "row" }, r.name), h("td", {}, matchText(r.match)), h("td", {}, badge(r.action)), h("td", {}, r.segment)),
            ),
            p.summary
              ? h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, "default"),
                  h("td", {}, "no rule matched"),
                  h("td", {}, badge(p.summary.default.action)),
                  h("td", {}, p.summary.default.segment),
                )
              : null,
          ),
        ),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "text-title" },
        h("h2", { id: "text-title" }, p.source === "file" ? `The file (${p.path})` : "The built-in policy"),
        p.yaml ? h("pre", { id: "policy-text" }, p.yaml) : h("p", {}, "No policy file: the built-in policy applies."),
      ),
    );
  } catch (e) {
    problem.textContent = e instanceof ApiError ? `${e.message} (${e.check})` : "the site did not answer";
  }
}
