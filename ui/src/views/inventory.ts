// The inventory: every device the site knows, searchable and filtered by state, segment,
// protocol, manufacturer and attestation tier (the API filters; the options come from what the
// inventory holds), refreshed as the evidence log says something happened to a device.
import { ApiError, get, query, type DeviceList, type DeviceSummary } from "../api";
import { announce, badge, clear, h, when } from "../dom";
import type { Ctx } from "../main";

const FILTERS = [
  ["state", "State"],
  ["segment", "Segment"],
  ["protocol", "Protocol"],
  ["manufacturer", "Manufacturer"],
  ["attestation", "Attestation"],
] as const;
type FilterKey = (typeof FILTERS)[number][0];

// Kept while the tab lives, so that coming back from a device shows the same selection.
const chosen: Record<string, string> = {};

function distinct(devices: DeviceSummary[], key: FilterKey): string[] {
  return [...new Set(devices.map((d) => String(d[key] ?? "")).filter((v) => v))].sort();
}

function row(d: DeviceSummary): HTMLTableRowElement {
  return h(
    "tr",
    { "data-serial": d.serial },
    h("th", { scope: "row" }, h("a", { href: "#/device/" + encodeURIComponent(d.serial) }, d.serial)),
    h("td", {}, d.model),
    h("td", {}, d.manufacturer),
    h("td", { class: "state" }, badge(d.state)),
    h("td", {}, d.segment || "—"),
    h("td", {}, d.protocol),
    h("td", {}, badge(d.attestation)),
    h("td", {}, when(d.ldevid_not_after)),
    h("td", {}, when(d.updated_at)),
  );
}

export async function inventoryView(ctx: Ctx): Promise<void> {
  const search = h("input", {
    id: "f-q",
    type: "search",
    value: chosen.q ?? "",
    placeholder: "part of a serial",
  });
  const selects = new Map<FilterKey, HTMLSelectElement>();
  const controls: HTMLElement[] = [
    h("div", { class: "field" }, h("label", { for: "f-q" }, "Search serial"), search),
  ];
  for (const [key, label] of FILTERS) {
    const sel = h("select", { id: "f-" + key, name: key }, h("option", { value: "" }, "any"));
    selects.set(key, sel);
    controls.push(h("div", { class: "field" }, h("label", { for: "f-" + key }, label), sel));
  }
  const reset = h("button", { type: "reset", class: "secondary" }, "Clear filters");
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter the inventory" },
    ...controls,
    reset,
  );
  const caption = h("caption", {}, "Devices");
  const body = h("tbody", {});
  const problem = h("p", { class: "error", role: "alert" });
  const table = h(
    "table",
    { id: "inventory", class: "data" },
    caption,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...[
          "Serial",
          "Model",
          "Manufacturer",
          "State",
          "Segment",
          "Protocol",
          "Attestation",
          "LDevID expires",
          "Updated",
        ].map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    body,
  );
  clear(ctx.main, h("h1", {}, "Inventory"), form, problem, h("div", { class: "scroll" }, table));

  let seq = 0;
  async function load(reason: string): Promise<void> {
    const mine = ++seq;
    chosen.q = search.value.trim();
    for (const [key, sel] of selects) chosen[key] = sel.value;
    try {
      // The whole inventory for the options, then the filtered page the table shows.
      const all = await get<DeviceList>("/devices?limit=500");
      const picked = await get<DeviceList>(
        "/devices" + query({ ...chosen, limit: "500", sort: "serial" }),
      );
      if (mine !== seq) return;
      for (const [key, sel] of selects) {
        const keep = chosen[key] ?? "";
        const values = distinct(all.devices, key);
        if (keep && !values.includes(keep)) values.push(keep);
        clear(
          sel,
          h("option", { value: "" }, "any"),
          values.map((v) => h("option", { value: v, selected: v === keep }, v)),
        );
      }
      clear(body, picked.devices.map(row));
      if (!picked.devices.length)
        body.append(h("tr", {}, h("td", { colspan: 9, class: "empty" }, "No device matches.")));
      const shown = `${picked.total} of ${all.total} devices`;
      clear(caption, `Devices: ${shown}`);
      problem.textContent = "";
      announce(reason === "event" ? `Inventory updated: ${shown}` : `${shown} shown`);
    } catch (e) {
      if (mine !== seq) return;
      problem.textContent =
        e instanceof ApiError ? `${e.message} (${e.check})` : "the site did not answer";
    }
  }

  let typing = 0;
  search.addEventListener("input", () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => void load("filter"), 250);
  });
  for (const sel of selects.values()) sel.addEventListener("change", () => void load("filter"));
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("reset", () => {
    for (const k of Object.keys(chosen)) delete chosen[k];
    window.setTimeout(() => void load("filter"), 0);
  });

  // Live: a device's entry in the evidence log refreshes the table (batched).
  let pending = 0;
  ctx.onLeave(
    ctx.feed.subscribe((events) => {
      if (!events.some((e) => e.serial)) return;
      window.clearTimeout(pending);
      pending = window.setTimeout(() => void load("event"), 200);
    }),
  );
  ctx.onLeave(() => window.clearTimeout(pending));
  await load("open");
}
