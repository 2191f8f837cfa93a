// The recent jobs: status, reopen, cancel, download.

import { download, getJSON } from "./api.js";
import { $, h, when } from "./dom.js";

const ACTIVE = new Set(["queued", "running"]);

export class JobsPanel {
  constructor({ onOpen, onCancel, formats, onNotice }) {
    this.list = $("#jobs");
    this.onOpen = onOpen;
    this.onCancel = onCancel;
    this.formats = formats;
    this.onNotice = onNotice;
    this.current = null;
    this.asked = 0; // refreshes asked for
    this.applied = 0; // the latest whose answer is on screen
    $("#jobs-refresh").addEventListener("click", () => this.refresh());
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
      page = await getJSON("jobs", { limit: 15 });
    } catch (error) {
      if (asked === this.asked) this.onNotice(`The job list cannot be loaded: ${error.detail}`);
      return;
    }
    if (asked < this.applied) return;
    this.applied = asked;
    const items = page.jobs.map((job) => this._item(job));
    if (!items.length) items.push(h("li", { class: "hint" }, "No jobs yet."));
    this.list.replaceChildren(...items);
  }

  _item(job) {
    const label = job.name || job.job_id;
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
    } else if (job.status === "succeeded") {
      for (const fmt of this.formats()) {
        actions.push(h("button", {
          type: "button", class: "download", dataset: { format: fmt },
          "aria-label": `Download ${label} as .${fmt}`,
          onclick: () => this._download(job.job_id, fmt),
        }, `.${fmt}`));
      }
    }
    return h("li", {
      class: `job-item${job.job_id === this.current ? " current" : ""}`,
      dataset: { jobId: job.job_id, status: job.status },
    },
    h("div", { class: "job-line" },
      h("span", { class: "job-name", title: job.job_id }, label),
      h("span", { class: "badge", dataset: { status: job.status } }, job.status)),
    h("div", { class: "hint" },
      `${when(job.created_at)} · ${job.engine} · ${job.passes} pass${job.passes === 1 ? "" : "es"}`),
    h("div", { class: "row-actions" }, ...actions));
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
