// The evidence log's live feed. GET /api/v1/events/stream is a long poll answered in the
// Server-Sent Events format (the site answers whole responses only), so it is polled with fetch,
// which can send the bearer token (an EventSource cannot): each answer is read as SSE records,
// its last `id:` is where the next request starts, and every listener hears the new entries.
import { ApiError, request, type EventEntry } from "./api";

type Listener = (events: EventEntry[]) => void;

export interface SseRecord {
  id?: string;
  data: string;
}

// The records of one SSE answer: blank-line separated, `field: value` lines, comments ignored.
export function parseSse(text: string): SseRecord[] {
  const out: SseRecord[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    if (id !== undefined || data.length) out.push({ id, data: data.join("\n") });
  }
  return out;
}

export class EventFeed {
  private listeners = new Set<Listener>();
  private after: string | null = null;
  private abort: AbortController | null = null;
  private running = false;
  onState: (state: "live" | "retrying" | "stopped") => void = () => {};

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.abort?.abort();
    this.onState("stopped");
  }

  private async loop(): Promise<void> {
    let backoff = 500;
    while (this.running) {
      this.abort = new AbortController();
      try {
        // The first request only learns where the log ends (and that the site answers).
        const q = new URLSearchParams({ wait: this.after === null ? "0" : "15" });
        if (this.after !== null) q.set("after", this.after);
        const r = await request("GET", "/events/stream?" + q, undefined, this.abort.signal);
        const events: EventEntry[] = [];
        for (const rec of parseSse(await r.text())) {
          if (rec.id !== undefined) this.after = rec.id;
          if (rec.data) events.push(JSON.parse(rec.data) as EventEntry);
        }
        backoff = 500;
        this.onState("live");
        if (events.length) for (const l of this.listeners) l(events);
      } catch (e) {
        if (!this.running) return;
        if (e instanceof ApiError && e.status === 401) {
          this.stop();
          return;
        }
        this.onState("retrying");
        await new Promise((res) => setTimeout(res, backoff));
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }
}
