// The live connection: one /ws session socket for every job the page follows,
// or Server-Sent Events per job while the WebSocket does not work.
//
// Every envelope goes through `_deliver`, which keeps the last seq seen per
// job: a reconnect (or a change of transport) asks for the events after it,
// and anything at or below it (a replay overlapping what was shown) is
// dropped, so no event shows twice and none is lost.
//
// Only a real WebSocket failure moves the page to SSE: a socket that does not
// open, or opens but answers nothing, while the server answers over HTTP. A
// server that is down, a refused key or a message over the size limit are not
// WebSocket failures. On SSE the page keeps trying the WebSocket in the
// background, backing off, and moves back to it once it answers.

import { ApiError, postJSON, probe, streamUrl, tooLargeError } from "./api.js";

// A socket counts as working once it answered a ping within this time.
const ANSWER_TIMEOUT_MS = 4000;
const PING_EVERY_MS = 15000;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30000;
// A socket that drops this many times in a row, each soon after it opened,
// counts as a WebSocket failure.
const QUICK_DROPS = 3;
const QUICK_DROP_MS = 20000;
// How long `run` waits for a transport after a drop before using REST.
const TRANSPORT_WAIT_MS = 10000;
const CLOSE_TOO_BIG = 1009;
const NOTICES = new Set(["lagged", "replay_gap"]);
const SSE_TYPES = [
  "job_queued", "job_started", "pass_started", "pass_progress", "pass_complete",
  "done", "error", "cancelled", "stream_end", "lagged", "replay_gap", "message",
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A key for one job start, sent again with every retry of that start.
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `page-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class Live {
  // onEvent(envelope), onStatus(mode, text), onNotice(text), askKey(message)
  constructor({ onEvent, onStatus, onNotice, askKey }) {
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onNotice = onNotice;
    this.askKey = askKey;
    // connecting | websocket | reconnecting | sse | offline
    this.mode = "connecting";
    this.cursors = new Map(); // job_id -> last seq delivered
    this.follows = new Set(); // job ids the page follows
    this.ended = new Set(); // followed jobs whose stream_end arrived
    this.sources = new Map(); // job_id -> EventSource (SSE mode)
    this.pending = new Map(); // ref -> {resolve, reject, timer}
    this.nextRef = 1;
    this.ws = null;
    this.quickDrops = 0;
    this.recovering = null; // the running recovery loop, if any
    this.sseReason = "";
    this.modeWaiters = [];
  }

  // Resolves once the page has a transport, or knows the server is down;
  // recovery goes on in the background.
  start() {
    this._status("connecting", "Connecting…");
    const settled = new Promise((resolve) => this.modeWaiters.push(resolve));
    this._recover();
    return settled;
  }

  // Starts a job; resolves with its id once the server accepted it. A socket
  // that drops or stays silent before the ack is not a second job: the same
  // idempotency key goes again, over the next socket or over REST.
  async run(request, key = newIdempotencyKey()) {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (this.mode === "connecting" || this.mode === "reconnecting") {
        await this._settled(TRANSPORT_WAIT_MS);
      }
      if (this.mode !== "websocket") break;
      const ws = this.ws;
      try {
        const reply = await this._ask({ op: "run", request, idempotency_key: key });
        this._track(reply.job_id, 0); // the session subscribed us with the ack
        return reply.job_id;
      } catch (error) {
        if (error.code === "no_answer") {
          this._socketFailed(ws, "the WebSocket answered nothing");
          break;
        }
        if (error.code !== "dropped") throw error;
      }
    }
    const started = await postJSON("refine/run", request, { "Idempotency-Key": key });
    this.follow(started.job_id, 0);
    return started.job_id;
  }

  follow(jobId, after = 0) {
    this._track(jobId, after);
    if (this.mode === "websocket") this._send({ op: "subscribe", job_id: jobId, after });
    else if (this.mode === "sse") this._openSource(jobId);
    // otherwise: followed as soon as a transport is up
  }

  unfollow(jobId) {
    if (!this.follows.delete(jobId)) return;
    this.cursors.delete(jobId);
    this.ended.delete(jobId);
    this._closeSource(jobId);
    if (this.mode === "websocket") this._send({ op: "unsubscribe", job_id: jobId });
  }

  async cancel(jobId) {
    if (this.mode === "websocket") {
      try {
        return await this._ask({ op: "cancel", job_id: jobId });
      } catch (error) {
        if (error.code !== "dropped" && error.code !== "no_answer") throw error;
      }
    }
    return postJSON(`jobs/${encodeURIComponent(jobId)}/cancel`);
  }

  // Resumes an interrupted or failed job and follows its new run.
  async resume(jobId) {
    const answer = await postJSON(`jobs/${encodeURIComponent(jobId)}/resume`);
    this.ended.delete(jobId);
    if (this.mode === "websocket") {
      this._send({ op: "subscribe", job_id: jobId, after: this.cursors.get(jobId) || 0 });
    } else if (this.mode === "sse") {
      this._openSource(jobId);
    }
    return answer;
  }

  _track(jobId, after) {
    this.follows.add(jobId);
    this.ended.delete(jobId);
    this.cursors.set(jobId, after);
  }

  _status(mode, text) {
    this.mode = mode;
    this.onStatus(mode, text);
    if (mode === "websocket" || mode === "sse" || mode === "offline") {
      const waiters = this.modeWaiters;
      this.modeWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  // Resolves once a transport is up or the server is known to be down.
  _settled(ms) {
    return new Promise((resolve) => {
      this.modeWaiters.push(resolve);
      setTimeout(resolve, ms);
    });
  }

  // --- recovery: find out what failed, and get a working transport back ---

  _recover() {
    if (!this.recovering) {
      this.recovering = this._recoverLoop().finally(() => { this.recovering = null; });
    }
    return this.recovering;
  }

  async _recoverLoop() {
    let wait = RETRY_FIRST_MS;
    for (;;) {
      const reach = await probe();
      if (reach === "down") {
        this._status("offline", "The server cannot be reached; retrying…");
      } else if (reach === "key") {
        await this.askKey(null);
        continue;
      } else {
        const failure = await this._openSocket();
        if (failure === null) return;
        this._useSse(failure); // the server answers: the WebSocket is what fails
      }
      await sleep(wait);
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }

  // --- WebSocket ---

  // Resolves null once a socket opened and answered a ping (it is then the
  // page's transport), or with why it did not.
  _openSocket() {
    return new Promise((resolve) => {
      let ws;
      let settled = false;
      const failed = (why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try { ws.close(); } catch { /* never opened */ }
        resolve(why);
      };
      const timer = setTimeout(
        () => failed("the WebSocket did not answer in time"), ANSWER_TIMEOUT_MS * 2,
      );
      try {
        ws = new WebSocket(streamUrl("ws", {}, { websocket: true }));
      } catch (error) {
        failed(`the WebSocket could not be created (${error.message})`);
        return;
      }
      const candidate = { ws, pending: new Map() };
      ws.onmessage = (message) => {
        if (this.ws === ws) this._onFrame(message.data);
        else this._onCandidateFrame(candidate, message.data);
      };
      ws.onopen = () => {
        this._askOn(candidate, { op: "ping" }).then(() => {
          if (settled) { ws.close(); return; }
          settled = true;
          clearTimeout(timer);
          this._adopt(ws);
          resolve(null);
        }, () => failed("the WebSocket opened but answered nothing"));
      };
      ws.onclose = (event) => {
        if (this.ws === ws) this._dropped(ws, event);
        else failed(`the WebSocket closed before it answered (code ${event.code})`);
      };
    });
  }

  // Makes a working socket the page's transport; SSE streams stop, and every
  // followed job goes on from its last seq over the socket.
  _adopt(ws) {
    this.ws = ws;
    this.openedAt = Date.now();
    for (const jobId of [...this.sources.keys()]) this._closeSource(jobId);
    this._status("websocket", "Live over WebSocket");
    for (const jobId of this.follows) {
      this._send({ op: "subscribe", job_id: jobId, after: this.cursors.get(jobId) || 0 });
    }
    this._keepAlive(ws);
  }

  _keepAlive(ws) {
    const timer = setInterval(() => {
      if (this.ws !== ws) { clearInterval(timer); return; }
      this._ask({ op: "ping" }).catch((error) => {
        if (error.code === "no_answer") this._socketFailed(ws, "the WebSocket stopped answering");
      });
    }, PING_EVERY_MS);
  }

  // A socket that stays silent is closed and counts as a WebSocket failure.
  _socketFailed(ws, why) {
    if (this.ws !== ws) return;
    this._forget(ws, new ApiError(0, why, "dropped"));
    try { ws.close(4000, "no answer"); } catch { /* closed */ }
    this._useSse(why);
    this._recover();
  }

  _dropped(ws, event) {
    const tooBig = event.code === CLOSE_TOO_BIG;
    this._forget(ws, tooBig ? tooLargeError() : null);
    if (!tooBig && Date.now() - this.openedAt < QUICK_DROP_MS) this.quickDrops += 1;
    else this.quickDrops = 0;
    if (this.quickDrops >= QUICK_DROPS) {
      this.quickDrops = 0;
      this._useSse(`the WebSocket keeps dropping (code ${event.code})`);
    } else {
      this._status("reconnecting", "Connection lost; reconnecting…");
    }
    this._recover();
  }

  // The socket is no longer the transport: its unanswered ops fail.
  _forget(ws, error) {
    if (this.ws === ws) this.ws = null;
    const reason = error || new ApiError(
      0, "the connection dropped before the server answered", "dropped",
    );
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(reason);
    }
    this.pending.clear();
  }

  _send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  // Sends an op and waits for its answer; no answer in time is `no_answer`.
  _ask(message) {
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new ApiError(0, "the server did not answer over the WebSocket", "no_answer"));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(ref, { resolve, reject, timer });
      this._send({ ...message, ref });
    });
  }

  _askOn(candidate, message) {
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        candidate.pending.delete(ref);
        reject(new ApiError(0, "no answer", "no_answer"));
      }, ANSWER_TIMEOUT_MS);
      candidate.pending.set(ref, { resolve, reject, timer });
      candidate.ws.send(JSON.stringify({ ...message, ref }));
    });
  }

  _onCandidateFrame(candidate, data) {
    let message;
    try { message = JSON.parse(data); } catch { return; }
    const waiting = message && candidate.pending.get(message.ref);
    if (!waiting) return;
    candidate.pending.delete(message.ref);
    clearTimeout(waiting.timer);
    waiting.resolve(message);
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
      clearTimeout(waiting.timer);
      if (message.op === "error") waiting.reject(new ApiError(400, message.detail, message.code));
      else waiting.resolve(message);
    } else if (message.op === "error" && message.code !== "not_subscribed") {
      this.onNotice(message.detail);
    }
  }

  // --- SSE ---

  _useSse(why) {
    if (this.ws) {
      const ws = this.ws;
      this._forget(ws, null);
      try { ws.close(); } catch { /* closed */ }
    }
    this.sseReason = why;
    this._status("sse", `Live over SSE (the WebSocket failed: ${why}; retrying it in the background)`);
    for (const jobId of this.follows) {
      if (!this.ended.has(jobId) && !this.sources.has(jobId)) this._openSource(jobId);
    }
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
        if (this.sources.get(jobId) === source) this._sourceFailed(jobId, source);
        return;
      }
      if (this.mode === "offline") this._useSse(this.sseReason);
      try {
        this._deliver(JSON.parse(event.data));
      } catch {
        // not an envelope
      }
    };
    for (const type of SSE_TYPES) source.addEventListener(type, handle);
  }

  // An SSE stream failed: say so when the server is down, and reopen a
  // stream the browser gave up on once the server answers.
  async _sourceFailed(jobId, source) {
    const reach = await probe();
    if (this.mode !== "sse" && this.mode !== "offline") return;
    if (reach === "down") {
      this._status("offline", "The server cannot be reached; retrying…");
      this._recover();
    } else if (source.readyState === EventSource.CLOSED && this.sources.get(jobId) === source) {
      this.sources.delete(jobId);
      if (!this.ended.has(jobId) && this.follows.has(jobId)) {
        await sleep(RETRY_FIRST_MS);
        if (this.mode === "sse" || this.mode === "offline") this._openSource(jobId);
      }
    } else if (this.mode === "offline") {
      this._useSse(this.sseReason);
    }
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
    if (envelope.type === "stream_end") this.ended.add(jobId);
    else if (envelope.type === "job_queued") this.ended.delete(jobId);
    this.onEvent(envelope);
    if (envelope.type === "stream_end") this._closeSource(jobId);
  }
}
