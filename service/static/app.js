// The editor page: wires the form, the live connection, the job on screen
// and the jobs panel together. No framework, no build step.

import { apiKey, getJSON, onUnauthorized, setApiKey, url } from "./api.js";
import { $ } from "./dom.js";
import { JobForm } from "./form.js";
import { JobsPanel } from "./jobs.js";
import { Live } from "./live.js";
import { JobView } from "./view.js";

const CURRENT_JOB = "refiner.job";
const TERMINAL = new Set(["done", "error", "cancelled"]);
const REFRESH_MS = 10000;
const NARROW = "(max-width: 900px)";

const noticeEl = $("#notice");
function notice(message) {
  noticeEl.textContent = message;
  noticeEl.hidden = !message;
}

// --- the API key, asked for once per browser session ---

// Whether the server takes `key`: true, false, or null when it cannot be reached.
async function keyWorks(key) {
  try {
    const response = await fetch(url("jobs", { limit: 1 }), {
      headers: { "X-API-Key": key }, cache: "no-store",
    });
    return response.status !== 401;
  } catch {
    return null;
  }
}

let asking = null;
// Resolves once the person gave a key the server takes; every request that
// was refused then goes again with it.
function askKey(message) {
  if (asking) return asking;
  const dialog = $("#key-dialog");
  const input = $("#key-input");
  const say = (text) => { $("#key-message").textContent = text; };
  say(message || (apiKey()
    ? "The access key you gave earlier no longer works. Enter the current one."
    : "This server needs an access key. Ask whoever runs it for one."));
  input.value = "";
  asking = new Promise((resolve) => {
    const submit = async (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) { input.focus(); return; }
      const works = await keyWorks(key);
      if (works === false) {
        say("That key was not accepted; check it and try again.");
        input.select();
        return;
      }
      if (works === null) {
        say("The server cannot be reached just now; try again in a moment.");
        return;
      }
      setApiKey(key);
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
  askKey,
});
const form = new JobForm({ onSubmit: startJob });
const view = new JobView({ formats: () => form.formats(), onNotice: notice });
const panel = new JobsPanel({
  onOpen: openJob, onCancel: cancelJob, onDeleted: jobDeleted, formats: () => form.formats(),
  onNotice: notice,
});

function onEvent(env) {
  if (env.job_id !== view.jobId) return;
  view.apply(env);
  if (TERMINAL.has(env.type) || env.type === "job_started") panel.refresh();
}

// The open job is in the URL (#job=...): a link to it can be shared, and a
// reload opens it again.
function jobInUrl() {
  const match = /^#job=([^&]+)/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function show(jobId, title) {
  if (view.jobId && view.jobId !== jobId) live.unfollow(view.jobId);
  view.reset(jobId, title);
  panel.markCurrent(jobId);
  if (!jobId) return;
  sessionStorage.setItem(CURRENT_JOB, jobId);
  if (jobInUrl() !== jobId) {
    window.history.replaceState(null, "", `#job=${encodeURIComponent(jobId)}`);
  }
  if (!title) nameJob(jobId);
}

// A job opened from the list, a link or a reload is titled by its name, or
// by its first document.
async function nameJob(jobId) {
  let job;
  try {
    job = await getJSON(`jobs/${encodeURIComponent(jobId)}`);
  } catch {
    return; // its events say what is wrong
  }
  const name = job.name || (job.files && job.files.length ? job.files[0].name : null);
  if (name && view.jobId === jobId) view.setTitle(`“${name}”`);
}

async function startJob(request) {
  notice("");
  const jobId = await live.run(request);
  show(jobId, request.name ? `“${request.name}”` : null);
  panel.refresh();
  if (window.matchMedia(NARROW).matches) {
    // on a narrow screen the job is below the form: go to it
    $("#job").scrollIntoView();
    $("#job-h").focus({ preventScroll: true });
  }
}

// Reopens a job: its events are replayed from the first, then followed live.
function openJob(jobId) {
  notice("");
  if (jobId === view.jobId) return;
  show(jobId);
  live.follow(jobId, 0);
  $("#job-h").focus();
}

// "Cancelling…" shows at once; the job's own `cancelled` event ends it.
async function cancelJob(jobId) {
  const onScreen = jobId === view.jobId;
  const before = view.status;
  if (onScreen) view.cancelling();
  panel.cancelling(jobId);
  try {
    await live.cancel(jobId);
  } catch (error) {
    notice(`Cancel failed: ${error.detail}`);
    if (onScreen && view.status === "cancelling") view.cancelFailed(before);
  }
  panel.refresh();
}

function jobDeleted(jobId) {
  if (jobId !== view.jobId) return;
  show(null);
  sessionStorage.removeItem(CURRENT_JOB);
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
}

async function resumeJob() {
  const jobId = view.jobId;
  if (!jobId) return;
  notice("");
  view.resuming();
  try {
    await live.resume(jobId);
  } catch (error) {
    view.resumeFailed();
    notice(`Resume failed: ${error.detail}`);
  }
  panel.refresh();
}

$("#cancel-job").addEventListener("click", () => view.jobId && cancelJob(view.jobId));
$("#resume-job").addEventListener("click", resumeJob);
$("#key-button").addEventListener("click", async () => {
  setApiKey("");
  await askKey("Enter the access key to use from now on.");
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
  const current = jobInUrl() || sessionStorage.getItem(CURRENT_JOB);
  if (current) {
    show(current);
    live.follow(current, 0);
  }
  window.addEventListener("hashchange", () => {
    const linked = jobInUrl();
    if (linked) openJob(linked);
  });
  setInterval(() => { if (!document.hidden) panel.refresh(); }, REFRESH_MS);
  document.body.dataset.ready = "true";
}

boot();
