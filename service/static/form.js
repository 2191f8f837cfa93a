// The new-job form: text or an uploaded document, passes, engine, strategies,
// output format and style template, built from what the server offers.

import { ApiError, getJSON, setLimits, sizeProblem, upload } from "./api.js";
import { $, clear, h, num } from "./dom.js";

const PASTED_NAME = "Pasted text.txt";
const DRAFT = "refiner.draft";
// The diagnostics engine is offered only on ?diagnostics.
const DIAGNOSTIC_ENGINES = new Set(["probe"]);

export class JobForm {
  constructor({ onSubmit }) {
    this.form = $("#job-form");
    this.el = {
      text: $("#text"), file: $("#file"), fileInfo: $("#file-info"), passes: $("#passes"),
      engine: $("#engine"), strategies: $("#strategy-list"), hint: $("#strategy-hint"),
      output: $("#output-format"), templateField: $("#template-field"), template: $("#template"),
      probe: $("#probe-options"), stopEarly: $("#stop-early"), error: $("#form-error"),
      start: $("#start"),
    };
    this.catalogue = { strategies: [], auto_plan: {} };
    this.templates = null; // null: the server has no style templates endpoint
    this.uploaded = null;
    this.el.engine.addEventListener("change", () => this._renderStrategies());
    this.el.output.addEventListener("change", () => this._renderTemplate());
    this.el.file.addEventListener("change", () => this._upload());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this._submit(onSubmit);
    });
    // Ctrl/Cmd+Enter starts the job from anywhere in the form.
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this._submit(onSubmit);
      }
    });
    // An error goes once what it was about changes; what was typed outlives a reload.
    this.form.addEventListener("input", () => this.showError(""));
    this.form.addEventListener("change", () => this.showError(""));
    this.el.text.value = sessionStorage.getItem(DRAFT) || "";
    this.el.text.addEventListener("input", () => {
      try { sessionStorage.setItem(DRAFT, this.el.text.value); } catch { /* too large to keep */ }
    });
  }

  // Reads engines, strategies and templates; call once the key is known.
  async load() {
    const [health, catalogue] = await Promise.all([getJSON("health"), getJSON("strategies")]);
    this.catalogue = catalogue;
    setLimits(health.limits);
    clear(this.el.engine);
    const diagnostics = new URLSearchParams(window.location.search).has("diagnostics");
    const engines = (health.engines || ["local"])
      .filter((name) => diagnostics || !DIAGNOSTIC_ENGINES.has(name));
    for (const name of engines) this.el.engine.append(h("option", { value: name }, name));
    this.el.engine.value = engines.includes("openai") ? "openai" : "local";
    try {
      const listed = await getJSON("style/templates");
      this.templates = Array.isArray(listed) ? listed : listed.templates || [];
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      this.templates = null;
    }
    this.el.output.querySelector("option[value=docx]").hidden = this.templates === null;
    clear(this.el.template);
    this.el.template.append(h("option", { value: "" }, "default"));
    for (const t of this.templates || []) {
      if (t.error) continue;
      this.el.template.append(h("option", { value: t.name }, t.title || t.name));
    }
    this._renderStrategies();
    this._renderTemplate();
  }

  // Formats a refined document can be downloaded in.
  formats() {
    return this.templates === null ? ["txt", "md"] : ["txt", "md", "docx"];
  }

  setBusy(busy) {
    this.el.start.disabled = busy;
    this.el.start.textContent = busy ? "Starting…" : "Start job";
  }

  showError(message) {
    this.el.error.textContent = message || "";
  }

  _renderStrategies() {
    const engine = this.el.engine.value;
    const ticked = new Set(this._ticked());
    clear(this.el.strategies);
    for (const s of this.catalogue.strategies.filter((x) => x.engines.includes(engine))) {
      const id = `strategy-${s.name}`;
      const score = s.scores && s.scores[engine];
      this.el.strategies.append(h("div", { class: "check" },
        h("input", {
          type: "checkbox", id, name: "strategy", value: s.name, checked: ticked.has(s.name),
        }),
        h("label", { for: id, title: s.description },
          s.name, score === undefined ? null : h("span", {
            class: "hint", title: "How people rated this strategy, from 0 to 1; it orders the automatic plan",
          }, ` · rated ${num(score, 2)} of 1`))));
    }
    const plan = (this.catalogue.auto_plan || {})[engine] || [];
    this.el.hint.textContent =
      `None ticked: automatic plan by feedback (${plan.join(" → ") || "the engine's own"}).`;
    this.el.probe.hidden = engine !== "probe";
  }

  _renderTemplate() {
    const docx = this.el.output.value === "docx" ||
      (this.el.output.value === "" && this.uploaded && this.uploaded.format === "docx");
    this.el.templateField.hidden = this.templates === null || !docx;
  }

  _ticked() {
    return [...this.el.strategies.querySelectorAll("input[name=strategy]:checked")]
      .map((input) => input.value);
  }

  async _upload() {
    const file = this.el.file.files[0];
    this.uploaded = null;
    this.el.fileInfo.classList.remove("error");
    if (!file) {
      this.el.fileInfo.textContent = "";
      this._renderTemplate();
      return;
    }
    this.el.fileInfo.textContent = `Uploading ${file.name}…`;
    try {
      this.uploaded = await upload(file);
      const u = this.uploaded;
      this.el.fileInfo.replaceChildren(
        `${u.name} · ${u.words.toLocaleString("en")} words `,
        h("button", { type: "button", class: "link", onclick: () => this._clearFile() }, "Remove"),
      );
      this.el.fileInfo.dataset.fileId = u.file_id;
    } catch (error) {
      this.el.file.value = "";
      this.el.fileInfo.classList.add("error");
      this.el.fileInfo.textContent = `${file.name} was refused: ${error.detail}`;
      delete this.el.fileInfo.dataset.fileId;
    }
    this._renderTemplate();
  }

  _clearFile() {
    this.el.file.value = "";
    this._upload();
    this.el.file.focus();
  }

  _request() {
    const text = this.el.text.value;
    const request = {
      passes: Number(this.el.passes.value) || 3,
      engine: this.el.engine.value,
      strategies: this._ticked().length ? this._ticked() : "auto",
      stop_when_unchanged: this.el.stopEarly.checked,
    };
    if (this.uploaded) {
      request.file_ids = [this.uploaded.file_id];
      request.name = this.uploaded.name;
    }
    if (text.trim() && this.uploaded) {
      // two documents: the pasted one has its own name, never the upload's
      request.files = [{ name: PASTED_NAME, text }];
    } else if (text.trim()) {
      request.text = text;
      if (!request.name) request.name = text.trim().split(/\s+/).slice(0, 6).join(" ").slice(0, 60);
    }
    if (this.el.output.value) request.output_format = this.el.output.value;
    if (!this.el.templateField.hidden && this.el.template.value) {
      request.template = this.el.template.value;
    }
    if (request.engine === "probe") {
      request.events = Number($("#probe-events").value) || 10;
      request.rate = Number($("#probe-rate").value) || 0;
    }
    return request;
  }

  async _submit(onSubmit) {
    if (this.el.start.disabled) return; // already starting
    this.showError("");
    if (!this.el.passes.checkValidity()) {
      this.showError("Passes: a number from 1 to 10.");
      this.el.passes.focus();
      return;
    }
    const request = this._request();
    const text = this.el.text.value;
    if (!request.text && !request.file_ids && !request.files) {
      this.showError("Paste some text or upload a document first.");
      this.el.text.focus();
      return;
    }
    const tooLarge = text ? sizeProblem(text) : null;
    if (tooLarge) {
      this.showError(tooLarge);
      this.el.text.focus();
      return;
    }
    this.setBusy(true);
    try {
      await onSubmit(request);
    } catch (error) {
      this.showError(error.detail || error.message);
    } finally {
      this.setBusy(false);
    }
  }
}
