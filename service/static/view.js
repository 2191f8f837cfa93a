// The job on screen: its passes as rows, the text of one pass, its metrics,
// the diff, rating, downloads, and a log of the events that built it.

import { download, getJSON, postJSON } from "./api.js";
import { DiffView } from "./diff.js";
import { $, clear, h, num, pct } from "./dom.js";

const TERMINAL = { done: "succeeded", error: "failed", cancelled: "cancelled" };
const MIN_WORDS_FOR_READABILITY = 100;
const RESUMABLE = new Set(["interrupted", "failed"]);
// How a pass the job left unfinished reads, by the job's end.
const STOPPED = { cancelled: "cancelled", interrupted: "interrupted", failed: "failed" };
const STATUS_TEXT = { cancelling: "cancelling…", connecting: "connecting…" };

export class JobView {
  constructor({ formats, onNotice }) {
    this.formats = formats; // () => download formats the server offers
    this.onNotice = onNotice;
    this.diff = new DiffView();
    this.el = {
      title: $("#job-h"), status: $("#job-status"), meta: $("#job-meta"),
      cancel: $("#cancel-job"), resume: $("#resume-job"), docField: $("#doc-field"), doc: $("#doc"),
      passes: $("#passes-list"), textHead: $("#text-h"), text: $("#pass-text"),
      rate: $("#rate"), rateResult: $("#rate-result"), edits: $("#edits"),
      editsBox: $("#edits-box"), downloads: $("#downloads"), log: $("#event-log"),
      logCount: $("#log-count"), announce: $("#announce"),
    };
    this.el.doc.addEventListener("change", () => this._selectFile(this.el.doc.value));
    $("#rate-up").addEventListener("click", () => this._rate("up"));
    $("#rate-down").addEventListener("click", () => this._rate("down"));
    this.reset(null);
  }

  reset(jobId, title) {
    this.jobId = jobId;
    this.status = null;
    this.engine = null;
    this.files = [];
    this.rows = new Map(); // "file:pass" -> {file_id, pass, strategy, state, metrics, ...}
    this.texts = new Map(); // "file:pass" -> version (text, edits)
    this.fileId = null;
    this.shown = null; // pass number on screen
    this.pinned = false; // the person chose a pass: stop following the newest
    this.logged = 0;
    this.el.title.textContent = title || (jobId ? `Job ${jobId}` : "No job open");
    this._setStatus(jobId ? "connecting" : "");
    this.el.meta.textContent = jobId ? "" : "Start a job, or open one from the list.";
    this._setCancel(false);
    this.el.resume.hidden = true;
    this.el.docField.hidden = true;
    clear(this.el.doc);
    clear(this.el.passes);
    clear(this.el.downloads);
    clear(this.el.log);
    this.el.logCount.textContent = "0";
    this._showText(null);
    this.diff.reset(null);
  }

  setTitle(title) {
    this.el.title.textContent = title;
  }

  // Said to screen readers, politely: status changes and finished passes.
  _announce(text) {
    this.el.announce.textContent = text;
  }

  apply(env) {
    this._log(env);
    const d = env.data || {};
    switch (env.type) {
      case "job_queued":
        // also the start of a resumed run: what it left unfinished runs again
        this._setStatus("queued");
        this.el.meta.textContent = d.position ? `Waiting in line: position ${d.position}.` : "";
        this._setCancel(true);
        this.el.resume.hidden = true;
        break;
      case "job_started":
        this._started(d);
        break;
      case "pass_started":
        this._row(d.file_id, d.pass, { strategy: d.strategy, state: "running", done: 0, total: 0 });
        if (!this.pinned && d.file_id === this.fileId) this._show(d.pass);
        break;
      case "pass_progress": {
        const row = this.rows.get(key(d.file_id, d.pass));
        if (!row) break;
        row.done = d.done;
        row.total = d.total;
        const streamed = typeof d.delta === "string";
        if (streamed) {
          // Chunks are written at the same time: each delta extends its own,
          // or replaces it when an attempt is withdrawn.
          row.chunks = row.chunks || [];
          const at = d.chunk || 0;
          row.chunks[at] = (d.restart ? "" : row.chunks[at] || "") + d.delta;
          row.delta = row.chunks.filter(Boolean).join("\n\n");
        }
        this._renderRow(row);
        if (streamed && d.file_id === this.fileId && this.shown === d.pass) {
          this.el.text.textContent = row.delta;
        }
        break;
      }
      case "pass_complete":
        this._announce(`Pass ${d.pass} complete${d.strategy ? ` (${d.strategy})` : ""}.`);
        this._row(d.file_id, d.pass, {
          strategy: d.strategy, state: "complete", changed: d.changed, metrics: d.metrics,
          done: 1, total: 1,
        });
        if (d.file_id === this.fileId) {
          this.diff.addPass(d.pass, d.strategy);
          if (!this.pinned || this.shown === d.pass) this._show(d.pass);
        }
        this._renderDownloads();
        break;
      case "done":
      case "error":
      case "cancelled":
        this._ended(env.type, d);
        break;
      case "replay_gap":
        this.onNotice("Some events could not be replayed; reloading the job.");
        this.hydrate();
        break;
      default:
        break;
    }
  }

  // Builds the view from GET /jobs/{id} when events cannot be replayed.
  async hydrate() {
    const jobId = this.jobId;
    let job;
    try {
      job = await getJSON(`jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      this.onNotice(error.detail);
      return;
    }
    if (jobId !== this.jobId) return;
    this._started({
      files: job.files.map(({ file_id, name, format }) => ({ file_id, name, format })),
      passes: job.passes, strategies: job.strategies, engine: job.engine,
    });
    for (const file of job.files) {
      for (const v of file.passes.filter((p) => p.pass > 0)) {
        this._row(file.file_id, v.pass, {
          strategy: v.strategy, state: "complete", changed: v.changed, metrics: v.metrics,
        });
        if (file.file_id === this.fileId) this.diff.addPass(v.pass, v.strategy);
      }
    }
    this._setStatus(job.status);
    this._setCancel(["queued", "running"].includes(job.status));
    this.el.resume.hidden = !RESUMABLE.has(job.status);
    const latest = this._latestPass(this.fileId);
    if (latest) this._show(latest);
    this._renderDownloads();
  }

  _started(d) {
    if (this.status !== "cancelling") this._setStatus("running");
    this.engine = d.engine;
    this.files = d.files || [];
    this.el.meta.textContent =
      `${this.files.length} document${this.files.length === 1 ? "" : "s"} · ` +
      `${d.passes} pass${d.passes === 1 ? "" : "es"} · engine ${d.engine} · ` +
      `strategies ${(d.strategies || []).join(" → ")}`;
    if (this.status !== "cancelling") this._setCancel(true);
    clear(this.el.doc);
    for (const f of this.files) this.el.doc.append(h("option", { value: f.file_id }, f.name));
    this.el.docField.hidden = this.files.length < 2;
    if (!this.fileId && this.files.length) this._selectFile(this.files[0].file_id);
  }

  _ended(type, d) {
    const status = type === "error" && d.code === "interrupted" ? "interrupted" : TERMINAL[type];
    this._setStatus(status);
    this._setCancel(false);
    this.resumeFailed();
    this.el.resume.hidden = !RESUMABLE.has(status);
    // A pass the job left unfinished says so, and shows no more activity.
    for (const row of this.rows.values()) {
      if (row.state !== "complete") {
        row.state = status;
        this._renderRow(row);
      }
    }
    if (this.shown) this._show(this.shown);
    if (type === "done") {
      this.el.meta.textContent += ` · finished in ${num(d.duration_ms / 1000, 2)} s`;
    } else if (type === "error" && status === "interrupted") {
      this.onNotice(`The job was interrupted: ${d.message}. Resume runs it on from its last pass.`);
    } else if (type === "error") {
      this.onNotice(`The job failed: ${d.message}`);
    }
    this._renderDownloads();
  }

  // Cancel shows at once that it was asked for, and stays off until the job ends.
  cancelling() {
    this._setStatus("cancelling");
    this.el.cancel.disabled = true;
    this.el.cancel.textContent = "Cancelling…";
  }

  cancelFailed(status) {
    this._setStatus(status);
    this._setCancel(true);
  }

  resuming() {
    this.el.resume.disabled = true;
    this.el.resume.textContent = "Resuming…";
  }

  resumeFailed() {
    this.el.resume.disabled = false;
    this.el.resume.textContent = "Resume";
  }

  _setCancel(shown) {
    this.el.cancel.hidden = !shown;
    this.el.cancel.disabled = false;
    this.el.cancel.textContent = "Cancel job";
  }

  _setStatus(status) {
    if (status && status !== this.status && this.jobId) {
      this._announce(`Job ${STATUS_TEXT[status] || status}.`);
    }
    this.status = status;
    this.el.status.textContent = STATUS_TEXT[status] || status || "";
    this.el.status.dataset.status = status || "";
    this.el.status.hidden = !status;
  }

  _selectFile(fileId) {
    this.fileId = fileId;
    this.el.doc.value = fileId;
    this.pinned = false;
    for (const row of this.rows.values()) row.node.hidden = row.file_id !== fileId;
    this.diff.reset(fileId);
    const passes = [...this.rows.values()]
      .filter((r) => r.file_id === fileId && r.state === "complete")
      .sort((a, b) => a.pass - b.pass);
    for (const r of passes) this.diff.addPass(r.pass, r.strategy);
    const latest = this._latestPass(fileId);
    this._show(latest || null);
  }

  _latestPass(fileId) {
    let latest = 0;
    for (const r of this.rows.values()) if (r.file_id === fileId) latest = Math.max(latest, r.pass);
    return latest;
  }

  _row(fileId, pass, fields) {
    const k = key(fileId, pass);
    let row = this.rows.get(k);
    if (!row) {
      row = { file_id: fileId, pass, node: h("li", { class: "pass-row" }) };
      this.rows.set(k, row);
      const after = [...this.el.passes.children].find(
        (n) => n.dataset.file === fileId && Number(n.dataset.pass) > pass,
      );
      this.el.passes.insertBefore(row.node, after || null);
      row.node.hidden = fileId !== this.fileId;
    }
    Object.assign(row, fields);
    this._renderRow(row);
    return row;
  }

  _renderRow(row) {
    const m = row.metrics || {};
    const node = row.node;
    node.dataset.file = row.file_id;
    node.dataset.pass = String(row.pass);
    node.dataset.state = row.state;
    node.classList.toggle("shown", row.file_id === this.fileId && row.pass === this.shown);
    const stopped = STOPPED[row.state];
    const progress = row.state === "complete"
      ? h("progress", { max: "1", value: "1", "aria-label": `Pass ${row.pass} complete` })
      : stopped
        ? h("span", { class: "stopped" }, stopped)
        : h("progress", {
          max: String(row.total || 1), value: row.total ? String(row.done) : null,
          "aria-label": `Pass ${row.pass} progress`,
        });
    const metrics = stopped
      ? h("span", { class: "metrics" }, "not finished")
      : row.state === "complete"
      ? h("span", { class: "metrics" },
        metric("words", num(m.words, 0)),
        // too few words for a readability score to mean anything
        m.words >= MIN_WORDS_FOR_READABILITY ? metric("readability", num(m.flesch_reading_ease)) : null,
        m.words >= MIN_WORDS_FOR_READABILITY ? metric("grade", num(m.grade_level)) : null,
        metric("changed", pct(m.changed_ratio)),
        metric("edits", num(m.edits, 0)))
      : h("span", { class: "metrics" }, row.total ? `${row.done}/${row.total}` : "running…");
    node.replaceChildren(
      h("button", {
        type: "button", class: "pass-pick",
        "aria-pressed": String(row.pass === this.shown && row.file_id === this.fileId),
        onclick: () => { this.pinned = true; this._show(row.pass); },
      }, h("span", { class: "pass-no" }, `Pass ${row.pass}`), " ",
      h("span", { class: "strategy" }, row.strategy || "")),
      progress,
      metrics,
    );
  }

  async _show(pass) {
    this.shown = pass;
    for (const row of this.rows.values()) this._markShown(row);
    if (!pass) {
      this._showText(null);
      return;
    }
    const row = this.rows.get(key(this.fileId, pass));
    this.el.textHead.textContent = `Pass ${pass}${row && row.strategy ? ` · ${row.strategy}` : ""}`;
    this.el.rate.hidden = !(row && row.state === "complete");
    this.el.rateResult.textContent = "";
    this._showVote(row);
    if (row && STOPPED[row.state]) {
      this.el.text.textContent =
        `Pass ${pass} did not finish: the job was ${row.state}. ` +
        "Its earlier passes are kept; pick one above.";
      this.el.text.dataset.pass = String(pass);
      this.el.text.dataset.state = row.state;
      return;
    }
    if (!row || row.state !== "complete") {
      this.el.text.textContent = (row && row.delta) || this._previousText(pass) || "Refining…";
      this.el.text.dataset.pass = String(pass);
      this.el.text.dataset.state = "running";
      return;
    }
    const fileId = this.fileId;
    const k = key(fileId, pass);
    let version = this.texts.get(k);
    if (!version) {
      try {
        version = await getJSON(`files/${encodeURIComponent(fileId)}/versions/${pass}`);
      } catch (error) {
        this.onNotice(`Pass ${pass} cannot be shown: ${error.detail}`);
        return;
      }
      this.texts.set(k, version);
    }
    if (this.shown !== pass || this.fileId !== fileId) return;
    this.el.text.textContent = version.text || "";
    this.el.text.dataset.pass = String(pass);
    this.el.text.dataset.state = "complete";
    this._showEdits(version.edits || []);
  }

  _previousText(pass) {
    const before = this.texts.get(key(this.fileId, pass - 1));
    return before ? before.text : "";
  }

  _markShown(row) {
    const shown = row.file_id === this.fileId && row.pass === this.shown;
    row.node.classList.toggle("shown", shown);
    const button = row.node.querySelector(".pass-pick");
    if (button) button.setAttribute("aria-pressed", String(shown));
  }

  _showText(pass) {
    this.el.textHead.textContent = "Text";
    this.el.text.textContent = "";
    delete this.el.text.dataset.pass;
    this.el.rate.hidden = true;
    this.el.rateResult.textContent = "";
    this._showEdits([]);
    if (pass === null && this.jobId) this.el.text.textContent = "Waiting for the first pass…";
  }

  _showEdits(edits) {
    // Where each edit's text is in the pass's output: edits hold offsets into
    // its input (code points), sorted and never overlapping.
    let shift = 0;
    const placed = edits.map((e) => {
      const at = (e.start ?? 0) + shift;
      shift += [...(e.after || "")].length - [...(e.before || "")].length;
      return { edit: e, at, length: [...(e.after || "")].length };
    });
    const items = placed.slice(0, 200).map((p, i) => h("li", {},
      h("button", {
        type: "button", class: "edit-pick", dataset: { edit: String(i) },
        "aria-label": `Show edit ${i + 1} in the text`,
        onclick: () => this._highlight(p),
      },
      h("del", {}, visible(p.edit.before, p.edit.after) || "∅"), " → ",
      h("ins", {}, visible(p.edit.after, p.edit.before) || "∅")),
      h("span", { class: "hint" }, ` ${p.edit.reason || p.edit.rule}`)));
    this.el.edits.replaceChildren(...items);
    this.el.editsBox.hidden = items.length === 0;
    this.el.editsBox.querySelector("summary").textContent =
      `${edits.length} edit${edits.length === 1 ? "" : "s"}, explained`;
  }

  // Marks one edit's text in the pass on screen (a deletion as a caret).
  _highlight({ at, length }) {
    const version = this.texts.get(key(this.fileId, this.shown));
    if (!version || this.el.text.dataset.state !== "complete") return;
    const points = [...(version.text || "")];
    if (at > points.length) return;
    const before = points.slice(0, at).join("");
    const marked = points.slice(at, at + length).join("");
    const after = points.slice(at + length).join("");
    const mark = h("mark", { class: marked ? "edit-mark" : "edit-mark deleted" }, marked || "‸");
    this.el.text.replaceChildren(before, mark, after);
    mark.scrollIntoView({ block: "nearest" });
  }

  // The vote given on this pass in this browser session, shown as pressed; a
  // different vote replaces it on the server (the same voter id, the same pass).
  _showVote(row) {
    const vote = row ? sessionStorage.getItem(voteKey(this.jobId, row)) : null;
    for (const rating of ["up", "down"]) {
      $(`#rate-${rating}`).setAttribute("aria-pressed", String(vote === rating));
    }
  }

  async _rate(rating) {
    const row = this.rows.get(key(this.fileId, this.shown));
    if (!row || !row.strategy) return;
    if (sessionStorage.getItem(voteKey(this.jobId, row)) === rating) return; // already given
    const engine = this.engine || "local";
    const before = await strategyScore(row.strategy, engine);
    try {
      await postJSON("strategy/feedback", {
        strategy: row.strategy, rating, job_id: this.jobId, file_id: row.file_id, pass: row.pass,
        voter: voterId(),
      });
    } catch (error) {
      this.el.rateResult.textContent = `Not recorded: ${error.detail}`;
      return;
    }
    const after = await strategyScore(row.strategy, engine);
    this.el.rateResult.textContent =
      `Thanks: “${row.strategy}” now scores ${num(after, 3)}` +
      (before === null ? "" : ` (was ${num(before, 3)})`);
    this.el.rateResult.dataset.score = String(after);
    this.el.rateResult.dataset.rating = rating;
    sessionStorage.setItem(voteKey(this.jobId, row), rating);
    this._showVote(row);
  }

  _renderDownloads() {
    const complete = (f) => [...this.rows.values()].some(
      (r) => r.file_id === f.file_id && r.state === "complete",
    );
    const ready = this.files.filter(complete);
    clear(this.el.downloads);
    if (!ready.length) return;
    this.el.downloads.append(h("h3", {}, "Download"));
    for (const f of ready) {
      const buttons = this.formats().map((fmt) => h("button", {
        type: "button", class: "download", dataset: { format: fmt },
        "aria-label": `Download ${f.name} as .${fmt}`,
        onclick: () => this._download(f, fmt),
      }, `.${fmt}`));
      this.el.downloads.append(h("div", { class: "download-row" },
        h("span", { class: "doc-name" }, f.name), ...buttons));
    }
  }

  async _download(file, fmt) {
    try {
      await download(
        `jobs/${encodeURIComponent(this.jobId)}/output`,
        { file_id: file.file_id, format: fmt },
        `${file.name}.refined.${fmt}`,
      );
    } catch (error) {
      this.onNotice(`Download failed: ${error.detail}`);
    }
  }

  _log(env) {
    if (env.type === "pass_progress") return;
    const d = env.data || {};
    const detail = env.type.startsWith("pass_")
      ? `pass ${d.pass}${d.strategy ? ` · ${d.strategy}` : ""}`
      : env.type === "error" ? d.message : env.type === "cancelled" ? d.reason : "";
    this.el.log.append(h("li", { dataset: { seq: String(env.seq), type: env.type } },
      h("span", { class: "seq" }, `#${env.seq}`), ` ${env.type}`,
      detail ? h("span", { class: "hint" }, ` ${detail}`) : null));
    this.logged += 1;
    this.el.logCount.textContent = String(this.logged);
  }
}

// An edit that changes only spaces shows them: "␣" for a space, "↵" for a line end.
function visible(text, other) {
  const value = text || "";
  const spacesOnly = value.replace(/\s/g, "") === (other || "").replace(/\s/g, "");
  return spacesOnly ? value.replace(/ /g, "␣").replace(/\n/g, "↵\n").replace(/\t/g, "⇥") : value;
}

// This browser's own random id, so that the server counts one vote per pass from it.
function voterId() {
  let id = localStorage.getItem("refiner.voter");
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem("refiner.voter", id);
  }
  return id;
}

function voteKey(jobId, row) {
  return `refiner.vote:${jobId}:${row.file_id}:${row.pass}`;
}

function key(fileId, pass) {
  return `${fileId}:${pass}`;
}

function metric(label, value) {
  return h("span", { class: "metric" }, h("span", { class: "label" }, label), " ", value);
}

async function strategyScore(strategy, engine) {
  try {
    const catalogue = await getJSON("strategies");
    const entry = catalogue.strategies.find((s) => s.name === strategy);
    return entry && entry.scores ? entry.scores[engine] ?? null : null;
  } catch {
    return null;
  }
}
