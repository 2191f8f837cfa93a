// The editor page: wires the form, the live connection, the job on screen
// and the jobs panel together. No framework, no build step.

import { apiKey, onUnauthorized, setApiKey } from "./api.js";
import { $ } from "./dom.js";
import { JobForm } from "./form.js";
import { JobsPanel } from "./jobs.js";
import { Live } from "./live.js";
import { JobView } from "./view.js";

const CURRENT_JOB = "refiner.job";
const TERMINAL = new Set(["done", "error", "cancelled"]);
const REFRESH_MS = 10000;

const noticeEl = $("#notice");
function notice(message) {
  noticeEl.textContent = message;
  noticeEl.hidden = !message;
}

// --- the API key, asked for once per browser session ---

let asking = null;
function askKey(message) {
  if (asking) return asking;
  const dialog = $("#key-dialog");
  const input = $("#key-input");
  $("#key-message").textContent = message || "This server needs an API key.";
  input.value = "";
  asking = new Promise((resolve) => {
    const submit = (event) => {
      event.preventDefault();
      if (!input.value.trim()) { input.focus(); return; }
      setApiKey(input.value.trim());
      $("#key-form").removeEventListener("submit", submit);
      dialog.close();
      asking = null;
      $("#key-button").hidden = false;
      resolve();
    };
    $("#key-form").addEventListener("submit", submit);
    dialog.addEventListener("cancel", (event) => event.preventDefault());
    dialog.showModal();
    input.focus();
  });
  return asking;
}

// --- the parts ---

const conn = $("#conn");
const live = new Live({
  onEvent,
  onStatus(mode, text) {
    conn.dataset.mode = mode;
    $("#conn-text").textContent = text;
  },
  onNotice: notice,
});
const form = new JobForm({ onSubmit: startJob });
const view = new JobView({ formats: () => form.formats(), onNotice: notice });
const panel = new JobsPanel({
  onOpen: openJob, onCancel: cancelJob, formats: () => form.formats(), onNotice: notice,
});

function onEvent(env) {
  if (env.job_id !== view.jobId) return;
  view.apply(env);
  if (TERMINAL.has(env.type) || env.type === "job_started") panel.refresh();
}

function show(jobId, title) {
  if (view.jobId && view.jobId !== jobId) live.unfollow(view.jobId);
  view.reset(jobId, title);
  panel.markCurrent(jobId);
  if (jobId) sessionStorage.setItem(CURRENT_JOB, jobId);
}

async function startJob(request) {
  notice("");
  const jobId = await live.run(request);
  show(jobId, request.name ? `“${request.name}”` : null);
  panel.refresh();
}

// Reopens a job: its events are replayed from the first, then followed live.
function openJob(jobId) {
  notice("");
  if (jobId === view.jobId) return;
  show(jobId);
  live.follow(jobId, 0);
  $("#job-h").focus();
}

async function cancelJob(jobId) {
  try {
    await live.cancel(jobId);
  } catch (error) {
    notice(`Cancel failed: ${error.detail}`);
  }
  panel.refresh();
}

$("#cancel-job").addEventListener("click", () => view.jobId && cancelJob(view.jobId));
$("#key-button").addEventListener("click", async () => {
  setApiKey("");
  await askKey("Enter the API key to use from now on.");
  window.location.reload();
});

async function boot() {
  onUnauthorized(askKey);
  $("#key-button").hidden = !apiKey();
  try {
    await form.load();
  } catch (error) {
    notice(`The server cannot be reached: ${error.detail || error.message}`);
  }
  await live.start();
  await panel.refresh();
  const current = sessionStorage.getItem(CURRENT_JOB);
  if (current) {
    show(current);
    live.follow(current, 0);
  }
  setInterval(() => { if (!document.hidden) panel.refresh(); }, REFRESH_MS);
  document.body.dataset.ready = "true";
}

boot();
