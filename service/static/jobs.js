// The jobs: status, reopen, cancel, download, delete; paged with the API's
// cursor and filtered by status.

import { download, getJSON, request } from "./api.js";
import { $, h, when } from "./dom.js";

const ACTIVE = new Set(["queued", "running"]);
const PAGE = 15;
const MAX_LIMIT = 200; // GET /jobs's largest page

export class JobsPanel {
  constructor({ onOpen, onCancel, onDeleted, formats, onNotice }) {
    this.list = $("#jobs");
    this.more = $("#jobs-more");
    this.filter = $("#jobs-status");
    this.onOpen = onOpen;
    this.onCancel = onCancel;
    this.onDeleted = onDeleted;
    this.formats = formats;
    this.onNotice = onNotice;
    this.current = null;
    this.asked = 0; // refreshes asked for
    this.applied = 0; // the latest whose answer is on screen
    this.limit = PAGE; // jobs on screen: the first page and every "More" since
    this.details = new Map(); // "job_id:status" -> {name, hasPasses}, for rows that need them
    $("#jobs-refresh").addEventListener("click", () => this.refresh());
    this.filter.addEventListener("change", () => { this.limit = PAGE; this.refresh(); });
    this.more.addEventListener("click", () => this._more());
  }

  markCurrent(jobId) {
    this.current = jobId;
    for (const item of this.list.children) {
      item.classList.toggle("current", item.dataset.jobId === jobId);
    }
  }

  // Refreshes may overlap: the answer to the latest one asked wins, and an
  // older answer that arrives after it is dropped.
  async refresh() {
    const asked = ++this.asked;
    let page;
    try {
      page = await getJSON("jobs", { limit: this.limit, status: this.filter.value });
    } catch (error) {
      if (asked === this.asked) this.onNotice(`The job list cannot be loaded: ${error.detail}`);
      return;
    }
    if (asked < this.applied) return;
    this.applied = asked;
    this._render(page.jobs, page.next_cursor, false);
  }

  // The next page, from the cursor of the last one.
  async _more() {
    const cursor = this.more.dataset.cursor;
    if (!cursor) return;
    let page;
    try {
      page = await getJSON("jobs", { limit: PAGE, cursor, status: this.filter.value });
    } catch (error) {
      this.onNotice(`More jobs cannot be loaded: ${error.detail}`);
      return;
    }
    this.limit = Math.min(this.limit + PAGE, MAX_LIMIT);
    this.asked += 1;
    this.applied = this.asked; // a refresh asked before this answer is older
    this._render(page.jobs, page.next_cursor, true);
  }

  _render(jobs, nextCursor, append) {
    const items = jobs.map((job) => this._item(job));
    if (!append && !items.length) {
      items.push(h("li", { class: "hint" },
        this.filter.value ? `No ${this.filter.value} jobs.` : "No jobs yet."));
    }
    // Keyboard focus stays on the same control of the same job.
    const focused = this.list.contains(document.activeElement)
      ? document.activeElement.getAttribute("aria-label") : null;
    if (append) this.list.append(...items);
    else this.list.replaceChildren(...items);
    if (focused) {
      const again = [...this.list.querySelectorAll("button")]
        .find((b) => b.getAttribute("aria-label") === focused);
      if (again) again.focus();
    }
    this.more.hidden = !nextCursor;
    if (nextCursor) this.more.dataset.cursor = nextCursor;
    else delete this.more.dataset.cursor;
  }

  _item(job) {
    const known = this.details.get(`${job.job_id}:${job.status}`);
    const label = job.name || (known && known.name) || job.job_id;
    const actions = [
      h("button", {
        type: "button", "aria-label": `Open ${label}`, onclick: () => this.onOpen(job.job_id),
      }, "Open"),
    ];
    if (ACTIVE.has(job.status)) {
      actions.push(h("button", {
        type: "button", class: "danger", "aria-label": `Cancel ${label}`,
        onclick: () => this.onCancel(job.job_id),
      }, "Cancel"));
    } else {
      const downloads = h("span", { class: "row-downloads" });
      if (job.status === "succeeded" || (known && known.hasPasses)) {
        downloads.append(...this._downloadButtons(job.job_id, label));
      }
      actions.push(downloads, h("button", {
        type: "button", class: "danger", "aria-label": `Delete ${label}`,
        onclick: () => this._delete(job.job_id, label),
      }, "Delete"));
    }
    const item = h("li", {
      class: `job-item${job.job_id === this.current ? " current" : ""}`,
      dataset: { jobId: job.job_id, status: job.status },
    },
    h("div", { class: "job-line" },
      h("span", { class: "job-name", title: job.job_id }, label),
      h("span", { class: "badge", dataset: { status: job.status } }, job.status)),
    h("div", { class: "hint" },
      `${when(job.created_at)} · ${job.engine} · ${job.passes} pass${job.passes === 1 ? "" : "es"}`),
    h("div", { class: "row-actions" }, ...actions));
    const needed = !job.name || (!ACTIVE.has(job.status) && job.status !== "succeeded");
    if (needed && !known) this._fillIn(job, item);
    return item;
  }

  _downloadButtons(jobId, label) {
    return this.formats().map((fmt) => h("button", {
      type: "button", class: "download", dataset: { format: fmt },
      "aria-label": `Download ${label} as .${fmt}`,
      onclick: () => this._download(jobId, fmt),
    }, `.${fmt}`));
  }

  // An unnamed job is named by its first document; an unfinished one offers
  // downloads when it has passes to download.
  async _fillIn(job, item) {
    let detail;
    try {
      detail = await getJSON(`jobs/${encodeURIComponent(job.job_id)}`);
    } catch {
      return;
    }
    const files = detail.files || [];
    const known = {
      name: files.length ? files[0].name : null,
      hasPasses: files.some((f) => (f.passes || []).some((p) => p.pass > 0)),
    };
    this.details.set(`${job.job_id}:${job.status}`, known);
    if (!item.isConnected || item.dataset.status !== job.status) return;
    const label = job.name || known.name || job.job_id;
    item.querySelector(".job-name").textContent = label;
    const downloads = item.querySelector(".row-downloads");
    if (downloads && known.hasPasses && !downloads.childElementCount) {
      downloads.append(...this._downloadButtons(job.job_id, label));
    }
  }

  // Cancel was asked for: say so on the job's row until the list refreshes.
  cancelling(jobId) {
    const item = [...this.list.children].find((li) => li.dataset.jobId === jobId);
    const button = item && item.querySelector("button.danger");
    if (button) {
      button.disabled = true;
      button.textContent = "Cancelling…";
    }
  }

  async _delete(jobId, label) {
    if (!window.confirm(`Delete “${label}” with its passes and results? This cannot be undone.`)) {
      return;
    }
    try {
      await request("DELETE", `jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      this.onNotice(`Delete failed: ${error.detail}`);
      return;
    }
    this.onDeleted(jobId);
    this.refresh();
  }

  async _download(jobId, fmt) {
    try {
      const job = await getJSON(`jobs/${encodeURIComponent(jobId)}`);
      for (const file of job.files) {
        await download(
          `jobs/${encodeURIComponent(jobId)}/output`,
          { file_id: file.file_id, format: fmt },
          `${file.name}.refined.${fmt}`,
        );
      }
    } catch (error) {
      this.onNotice(`Download failed: ${error.detail}`);
    }
  }
}
