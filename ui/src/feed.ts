// The evidence log's live feed. GET /api/v1/events/stream holds one connection open and sends
// Server-Sent Events as entries commit. It is read with fetch, which can send the bearer token (an
// EventSource cannot), as the body arrives: complete records are handed to every listener as they
// come, and the last `id:` seen is where the next connection starts when this one ends (the site
// ends a stream after a while) or breaks.
import { ApiError, request, type EventEntry } from "./api";

type Listener = (events: EventEntry[]) => void;

// What the feed holds of a record still arriving (a record is one entry: a few KiB at most).
const MAX_PENDING = 4 * 1024 * 1024;
// The site's `retry:` (500 ms): the pause before reconnecting after a stream ends.
const RETRY_MS = 500;

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
    let backoff = RETRY_MS;
    while (this.running) {
      this.abort = new AbortController();
      let delivered = false;
      try {
        // The first stream starts at the end of the log and says where that is (its first `id:`).
        const q = this.after === null ? "" : "?" + new URLSearchParams({ after: this.after });
        const r = await request("GET", "/events/stream" + q, undefined, this.abort.signal);
        if (!r.body) throw new Error("the answer has no body");
        const reader = r.body.getReader();
        const decoder = new TextDecoder();
        let pending = "";
        this.onState("live");
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          pending += decoder.decode(value, { stream: true });
          const end = pending.lastIndexOf("\n\n");
          if (end < 0) {
            if (pending.length > MAX_PENDING) throw new Error("an event larger than the feed takes");
            continue;
          }
          this.deliver(parseSse(pending.slice(0, end)));
          pending = pending.slice(end + 2);
          delivered = true;
        }
        // The site ended the stream (it does after a while): back after its `retry:`.
        backoff = RETRY_MS;
        await new Promise((res) => setTimeout(res, RETRY_MS));
      } catch (e) {
        if (!this.running) return;
        if (e instanceof ApiError && e.status === 401) {
          this.stop();
          return;
        }
        this.onState("retrying");
        if (delivered) backoff = RETRY_MS; // it worked for a while: start the back-off again
        await new Promise((res) => setTimeout(res, backoff));
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  // Hands the entries to the listeners; the position moves past each record, a malformed one
  // included (it would come again at every reconnect otherwise).
  private deliver(records: SseRecord[]): void {
    const events: EventEntry[] = [];
    for (const rec of records) {
      if (rec.data) {
        try {
          events.push(JSON.parse(rec.data) as EventEntry);
        } catch {
          console.warn("event feed: a record that is not JSON was skipped", rec.id);
        }
      }
      if (rec.id !== undefined) this.after = rec.id;
    }
    if (events.length) for (const l of this.listeners) l(events);
  }
}
