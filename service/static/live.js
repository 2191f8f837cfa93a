// The live connection: one /ws session socket for every job the page follows,
// or Server-Sent Events per job when the WebSocket cannot open or drops.
//
// Every envelope goes through `deliver`, which keeps the last seq seen per
// job: a reconnect asks for the events after it, and anything at or below it
// (a replay overlapping what was shown) is dropped, so no event shows twice.

import { ApiError, postJSON, streamUrl } from "./api.js";

const OPEN_TIMEOUT_MS = 5000;
const PING_EVERY_MS = 20000;
const PONG_TIMEOUT_MS = 10000;
// A socket that drops this often goes over to SSE for good.
const MAX_DROPS = 2;
const NOTICES = new Set(["lagged", "replay_gap"]);
const SSE_TYPES = [
  "job_queued", "job_started", "pass_started", "pass_progress", "pass_complete",
  "done", "error", "cancelled", "stream_end", "lagged", "replay_gap", "message",
];

export class Live {
  // onEvent(envelope), onStatus(mode, text), onNotice(text)
  constructor({ onEvent, onStatus, onNotice }) {
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onNotice = onNotice;
    this.mode = "connecting"; // connecting | websocket | reconnecting | sse
    this.cursors = new Map(); // job_id -> last seq delivered
    this.follows = new Set(); // job ids the page follows
    this.sources = new Map(); // job_id -> EventSource (SSE mode)
    this.pending = new Map(); // ref -> {resolve, reject}
    this.nextRef = 1;
    this.drops = 0;
    this.ws = null;
    this.timers = [];
  }

  start() {
    this._status("connecting", "Connecting…");
    return this._openSocket();
  }

  // Starts a job; resolves with its id once the server accepted it.
  async run(request) {
    if (this.mode === "websocket") {
      const reply = await this._ask({ op: "run", request });
      this._track(reply.job_id, 0); // the session subscribed us with the ack
      return reply.job_id;
    }
    const started = await postJSON("refine/run", request);
    this.follow(started.job_id, 0);
    return started.job_id;
  }

  follow(jobId, after = 0) {
    this._track(jobId, after);
    if (this.mode === "websocket") this._send({ op: "subscribe", job_id: jobId, after });
    else if (this.mode === "sse") this._openSource(jobId);
    // connecting or reconnecting: followed as soon as a transport is up
  }

  unfollow(jobId) {
    if (!this.follows.delete(jobId)) return;
    this.cursors.delete(jobId);
    this._closeSource(jobId);
    if (this.mode === "websocket") this._send({ op: "unsubscribe", job_id: jobId });
  }

  async cancel(jobId) {
    if (this.mode === "websocket") return this._ask({ op: "cancel", job_id: jobId });
    return postJSON(`jobs/${encodeURIComponent(jobId)}/cancel`);
  }

  _track(jobId, after) {
    this.follows.add(jobId);
    this.cursors.set(jobId, after);
  }

  _status(mode, text) {
    this.mode = mode;
    this.onStatus(mode, text);
  }

  // --- WebSocket ---

  _openSocket() {
    return new Promise((resolve) => {
      let opened = false;
      let settled = false;
      let ws;
      const fail = (why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this._useSse(why);
        resolve();
      };
      const timer = setTimeout(() => {
        fail("the WebSocket did not open in time");
        try { ws.close(); } catch { /* already closed */ }
      }, OPEN_TIMEOUT_MS);
      try {
        ws = new WebSocket(streamUrl("ws", {}, { websocket: true }));
      } catch (error) {
        fail(`the WebSocket could not be created (${error.message})`);
        return;
      }
      ws.onopen = () => {
        if (settled) { ws.close(); return; }
        opened = true;
        settled = true;
        clearTimeout(timer);
        this.ws = ws;
        this._status("websocket", "Live over WebSocket");
        for (const jobId of this.follows) {
          this._send({ op: "subscribe", job_id: jobId, after: this.cursors.get(jobId) || 0 });
        }
        this._keepAlive(ws);
        resolve();
      };
      ws.onmessage = (message) => this._onFrame(message.data);
      ws.onclose = (event) => {
        if (!opened) fail(`the WebSocket could not open (code ${event.code})`);
        else if (this.ws === ws) this._dropped(event);
      };
    });
  }

  _keepAlive(ws) {
    let lastPong = Date.now();
    const timer = setInterval(() => {
      if (this.ws !== ws) { clearInterval(timer); return; }
      if (Date.now() - lastPong > PING_EVERY_MS + PONG_TIMEOUT_MS) {
        ws.close(4000, "no pong");
        this._dropped({ code: 4000 });
        return;
      }
      this._ask({ op: "ping" }).then(() => { lastPong = Date.now(); }, () => {});
    }, PING_EVERY_MS);
  }

  _dropped(event) {
    this.ws = null;
    for (const { reject } of this.pending.values()) {
      reject(new ApiError(0, "the connection dropped before the server answered", "dropped"));
    }
    this.pending.clear();
    this.drops += 1;
    if (this.drops >= MAX_DROPS) {
      this._useSse(`the WebSocket dropped (code ${event.code})`);
      return;
    }
    this._status("reconnecting", "Connection lost; reconnecting…");
    setTimeout(() => this._openSocket(), 500);
  }

  _send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  _ask(message) {
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      this._send({ ...message, ref });
    });
  }

  _onFrame(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!Array.isArray(message) && message.op) {
      this._reply(message);
      return;
    }
    for (const envelope of Array.isArray(message) ? message : [message]) {
      this._deliver(envelope);
    }
  }

  _reply(message) {
    const waiting = this.pending.get(message.ref);
    if (waiting) {
      this.pending.delete(message.ref);
      if (message.op === "error") waiting.reject(new ApiError(400, message.detail, message.code));
      else waiting.resolve(message);
    } else if (message.op === "error" && message.code !== "not_subscribed") {
      this.onNotice(message.detail);
    }
  }

  // --- SSE ---

  _useSse(why) {
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
    this._status("sse", `Live over SSE (fallback: ${why})`);
    for (const jobId of this.follows) this._openSource(jobId);
  }

  _openSource(jobId) {
    this._closeSource(jobId);
    const after = this.cursors.get(jobId) || 0;
    const source = new EventSource(
      streamUrl(`jobs/${encodeURIComponent(jobId)}/events`, { after }),
    );
    this.sources.set(jobId, source);
    const handle = (event) => {
      if (event.data === undefined) {
        // the connection's own error; EventSource retries with Last-Event-ID
        if (source.readyState === EventSource.CLOSED) this.sources.delete(jobId);
        return;
      }
      try {
        this._deliver(JSON.parse(event.data));
      } catch {
        // not an envelope
      }
    };
    for (const type of SSE_TYPES) source.addEventListener(type, handle);
  }

  _closeSource(jobId) {
    const source = this.sources.get(jobId);
    if (source) source.close();
    this.sources.delete(jobId);
  }

  // --- both ---

  _deliver(envelope) {
    const jobId = envelope.job_id;
    if (!this.follows.has(jobId) || typeof envelope.seq !== "number") return;
    if (NOTICES.has(envelope.type)) {
      // Its seq is where to resume from (docs/events.md, "Notices").
      this.cursors.set(jobId, envelope.seq);
      this.onEvent(envelope);
      if (envelope.type === "lagged" && this.mode === "websocket") {
        this._send({ op: "subscribe", job_id: jobId, after: envelope.seq });
      }
      return;
    }
    if (envelope.seq <= (this.cursors.get(jobId) || 0)) return;
    this.cursors.set(jobId, envelope.seq);
    this.onEvent(envelope);
    if (envelope.type === "stream_end") this._closeSource(jobId);
  }
}
