// REST calls with the optional API key, kept for the browser session only.

const KEY_STORE = "refiner.apiKey";
const base = new URL(".", window.location.href);
let askForKey = null;

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

export async function request(method, path, { params, json, body } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const headers = {};
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
    const error = await problem(response);
    if (response.status === 401 && askForKey && attempt < 5) {
      await askForKey(key ? "That key was not accepted; try again." : error.detail);
      continue;
    }
    throw error;
  }
}

export async function getJSON(path, params) {
  return (await request("GET", path, { params })).json();
}

export async function postJSON(path, json) {
  return (await request("POST", path, { json })).json();
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
