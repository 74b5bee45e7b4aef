// The REST API as the page calls it: the operator's bearer token from sessionStorage in the
// Authorization header (never a cookie: that is what keeps the API safe against CSRF), JSON in and
// out, and a refusal as an ApiError carrying the check the site named.
const TOKEN_KEY = "gatehouse.token";
const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly check: string,
    message: string,
  ) {
    super(message);
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(t: string | null): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function refusal(r: Response): Promise<ApiError> {
  try {
    const j = await r.json();
    if (j && j.error && typeof j.error.check === "string")
      return new ApiError(r.status, j.error.check, String(j.error.message ?? ""));
  } catch {
    // not JSON: fall through
  }
  return new ApiError(r.status, "http." + r.status, r.statusText || "request failed");
}

export async function request(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
    signal,
  });
  if (!r.ok) throw await refusal(r);
  return r;
}

export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await request("GET", path, undefined, signal)).json() as Promise<T>;
}
export async function post<T>(path: string, body: unknown): Promise<T> {
  return (await request("POST", path, body)).json() as Promise<T>;
}

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// The shapes the views read (the OpenAPI document at /api/v1/openapi.json has them whole).
export interface DeviceSummary {
  serial: string;
  model: string;
  manufacturer: string;
  state: string;
  phase: string;
  attestation: string;
  protocol: string;
  segment: string;
  mud_url: string;
  ldevid_not_after: string | null;
  updated_at: string;
}
export interface DeviceList {
  total: number;
  devices: DeviceSummary[];
}
export interface EventEntry {
  id: number;
  at: string;
  serial: string;
  kind: string;
  outcome: string;
  reason: string;
  detail: unknown;
}
export interface Operator {
  name: string;
  role: string;
}
