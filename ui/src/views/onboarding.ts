// Onboarding: onboardings per minute by protocol and outcome, and refusals by the check that
// refused, from GET /api/v1/stats/onboarding; charts (Chart.js) with the same numbers in tables
// for screen readers and keyboards; refreshed every 10 s and as the evidence log moves.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import { ApiError, get } from "../api";
import { announce, clear, h } from "../dom";
import type { Ctx } from "../main";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Stats {
  minutes: number;
  bucket_s: number;
  from: string;
  to: string;
  truncated: boolean;
  per_minute: Record<string, Record<string, number[]>>;
  totals: Record<string, Record<string, number>>;
  refusals: { kind: string; check: string; count: number }[];
  refusals_total: number;
}

const COLORS: Record<string, string> = {
  "brski ok": "#2b6cb0",
  "dpp ok": "#2f855a",
  "brski refused": "#c05621",
  "dpp refused": "#b83280",
};

function labels(s: Stats): string[] {
  const start = new Date(s.from).getTime();
  return Array.from({ length: s.minutes }, (_, i) =>
    new Date(start + i * s.bucket_s * 1000).toLocaleTimeString(undefined, {
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }),
  );
}

export async function onboardingView(ctx: Ctx): Promise<void> {
  const windowSel = h(
    "select",
    { id: "window" },
    [15, 60, 240, 1440].map((m) => h("option", { value: m, selected: m === 60 }, m < 120 ? `${m} minutes` : `${m / 60} hours`)),
  );
  const rateCanvas = h("canvas", { id: "rate-chart", role: "img", "aria-label": "Onboardings per minute" });
  const refusalCanvas = h("canvas", { id: "refusal-chart", role: "img", "aria-label": "Refusals by check" });
  const totals = h("div", { id: "totals" });
  const refusals = h("div", { id: "refusals" });
  const problem = h("p", { class: "error", role: "alert" });
  const note = h("p", { class: "help" });
  clear(
    ctx.main,
    h("h1", {}, "Onboarding"),
    h("div", { class: "field inline" }, h("label", { for: "window" }, "Window"), windowSel),
    problem,
    note,
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "card", "aria-labelledby": "rate-title" },
        h("h2", { id: "rate-title" }, "Onboardings per minute by protocol"),
        h("div", { class: "chart" }, rateCanvas),
        totals,
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "refusal-title" },
        h("h2", { id: "refusal-title" }, "Refusals by check"),
        h("div", { class: "chart" }, refusalCanvas),
        refusals,
      ),
    ),
  );
  const rate = new Chart(rateCanvas, {
    type: "bar",
    data: { labels: [] as string[], datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  const refused = new Chart(refusalCanvas, {
    type: "bar",
    data: { labels: [] as string[], datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  ctx.onLeave(() => {
    rate.destroy();
    refused.destroy();
  });

  async function load(): Promise<void> {
    try {
      const s = await get<Stats>("/stats/onboarding?minutes=" + windowSel.value);
      const series: { label: string; data: number[] }[] = [];
      for (const [protocol, outcomes] of Object.entries(s.per_minute))
        for (const [outcome, data] of Object.entries(outcomes))
          series.push({ label: `${protocol} ${outcome}`, data });
      rate.data.labels = labels(s);
      rate.data.datasets = series.map((x) => ({ ...x, backgroundColor: COLORS[x.label] ?? "#718096" }));
      rate.update();
      refused.data.labels = s.refusals.map((r) => `${r.check} (${r.kind})`);
      refused.data.datasets = [{ label: "refusals", data: s.refusals.map((r) => r.count), backgroundColor: "#c05621" }];
      refused.update();
      refusalCanvas.parentElement!.hidden = s.refusals.length === 0;
      const rows = Object.entries(s.totals).map(([p, o]) =>
        h("tr", {}, h("th", { scope: "row" }, p), h("td", {}, String(o.ok ?? 0)), h("td", {}, String(o.refused ?? 0))),
      );
      clear(
        totals,
        h(
          "table",
          { class: "data", id: "totals-table" },
          h("caption", {}, `Onboardings in the last ${s.minutes} minutes`),
          h("thead", {}, h("tr", {}, ["Protocol", "Onboarded", "Refused"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, rows),
        ),
      );
      clear(
        refusals,
        s.refusals.length
          ? h(
              "table",
              { class: "data", id: "refusals-table" },
              h("caption", {}, `${s.refusals_total} refusals in the window`),
              h("thead", {}, h("tr", {}, ["Check", "Kind", "Count"].map((t) => h("th", { scope: "col" }, t)))),
              h(
                "tbody",
                {},
                s.refusals.map((r) =>
                  h("tr", {}, h("td", {}, h("code", {}, r.check)), h("td", {}, r.kind), h("td", {}, String(r.count))),
                ),
              ),
            )
          : h("p", { class: "empty" }, "No refusals in the window."),
      );
      note.textContent = s.truncated ? "The window holds more entries than are read at once: the oldest are not counted." : "";
      problem.textContent = "";
    } catch (e) {
      problem.textContent = e instanceof ApiError ? `${e.message} (${e.check})` : "the site did not answer";
    }
  }
  windowSel.addEventListener("change", () => {
    void load().then(() => announce("Onboarding view updated"));
  });
  const timer = window.setInterval(() => void load(), 10_000);
  ctx.onLeave(() => window.clearInterval(timer));
  ctx.onLeave(ctx.feed.subscribe(() => void load()));
  await load();
}
