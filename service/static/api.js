// REST calls with the optional API key, kept for the browser session only.

const KEY_STORE = "refiner.apiKey";
const base = new URL(".", window.location.href);
let askForKey = null;
// The server's size limits, from GET /health.
let limits = null;

export class ApiError extends Error {
  constructor(status, detail, code) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.code = code;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY_STORE) || "";
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
}

// `handler(message)` resolves once the person gave a key; requests that got
// 401 are then sent again.
export function onUnauthorized(handler) {
  askForKey = handler;
}

export function setLimits(value) {
  limits = value || null;
}

function megabytes(bytes) {
  return `${(bytes / 1_000_000).toLocaleString("en", { maximumFractionDigits: 1 })} MB`;
}

// What this server takes per job, in words a person reads.
export function limitText() {
  if (!limits) return "";
  const parts = [];
  if (limits.max_text_chars) {
    parts.push(`${limits.max_text_chars.toLocaleString("en")} characters`);
  }
  if (limits.max_upload_bytes) parts.push(megabytes(limits.max_upload_bytes));
  return parts.length ? `this server takes at most ${parts.join(" and ")} per job` : "";
}

// Why a text cannot be sent, or null when it fits the server's limits.
export function sizeProblem(text) {
  if (!limits) return null;
  const chars = text.length;
  const bytes = new TextEncoder().encode(text).length;
  const overChars = limits.max_text_chars && chars > limits.max_text_chars;
  const overBytes = limits.max_upload_bytes && bytes > limits.max_upload_bytes;
  if (!overChars && !overBytes) return null;
  return `The text is too large: ${chars.toLocaleString("en")} characters ` +
    `(${megabytes(bytes)}), and ${limitText()}.`;
}

export function tooLargeError() {
  const limit = limitText();
  return new ApiError(
    413, `The text is too large: ${limit || "the server refused its size"}.`, "too_large",
  );
}

// Whether the server answers, and takes the key: "ok", "down" or "key".
export async function probe() {
  const headers = {};
  const key = apiKey();
  if (key) headers["X-API-Key"] = key;
  let response;
  try {
    response = await fetch(url("jobs", { limit: 1 }), { headers, cache: "no-store" });
  } catch {
    return "down";
  }
  if (response.status === 401) return "key";
  // a proxy in front of a server that is not there
  if ([502, 503, 504].includes(response.status)) return "down";
  return "ok";
}

export function url(path, params = {}) {
  const u = new URL(path, base);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
  }
  return u;
}

// WebSocket and EventSource cannot send headers: the key goes in the query.
export function streamUrl(path, params = {}, { websocket = false } = {}) {
  const u = url(path, { ...params, api_key: apiKey() });
  if (websocket) u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}

async function problem(response) {
  let detail = `${response.status} ${response.statusText}`;
  let code;
  try {
    const body = await response.json();
    if (body && body.detail !== undefined) {
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    }
    code = body && body.code;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, detail, code);
}

export async function request(method, path, { params, json, body, extraHeaders } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const headers = { ...extraHeaders };
    const key = apiKey();
    if (key) headers["X-API-Key"] = key;
    let payload = body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetch(url(path, params), { method, headers, body: payload });
    } catch {
      throw new ApiError(0, "the server cannot be reached", "network");
    }
    if (response.ok) return response;
    if (response.status === 413) throw tooLargeError();
    const error = await problem(response);
    // The prompt only closes on a key the server takes: this ends.
    if (response.status === 401 && askForKey && attempt < 20) {
      await askForKey(null);
      continue;
    }
    throw error;
  }
}

export async function getJSON(path, params) {
  return (await request("GET", path, { params })).json();
}

export async function postJSON(path, json, extraHeaders) {
  return (await request("POST", path, { json, extraHeaders })).json();
}

export async function upload(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return (await request("POST", "files", { body: form })).json();
}

function filename(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

// Fetches with the key, then saves through a temporary link.
export async function download(path, params, fallback) {
  const response = await request("GET", path, { params });
  const blob = await response.blob();
  const name = filename(response, fallback);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return name;
}
