// The diff between two passes of one document: two selectors, marked ops, stats.

import { getJSON } from "./api.js";
import { $, clear, h, pct } from "./dom.js";

export class DiffView {
  constructor() {
    this.from = $("#diff-from");
    this.to = $("#diff-to");
    this.stats = $("#diff-stats");
    this.body = $("#diff");
    this.fileId = null;
    this.latest = 0;
    this.touched = false; // the person picked passes: stop following the latest
    this.request = 0;
    this.from.addEventListener("change", () => { this.touched = true; this.show(); });
    this.to.addEventListener("change", () => { this.touched = true; this.show(); });
  }

  reset(fileId) {
    this.fileId = fileId;
    this.latest = 0;
    this.touched = false;
    this.request += 1;
    clear(this.from);
    clear(this.to);
    clear(this.body);
    this.stats.textContent = fileId ? "The diff appears once a pass completes." : "";
    this.from.disabled = true;
    this.to.disabled = true;
  }

  // A pass of the shown document completed: offer it, and show it unless the
  // person chose other passes.
  addPass(pass, strategy) {
    if (pass <= this.latest) return;
    if (this.latest === 0) {
      this.from.append(h("option", { value: "0" }, "0 · original"));
      this.to.append(h("option", { value: "0" }, "0 · original"));
    }
    for (let n = this.latest + 1; n <= pass; n += 1) {
      const label = n === pass && strategy ? `${n} · ${strategy}` : String(n);
      this.from.append(h("option", { value: String(n) }, label));
      this.to.append(h("option", { value: String(n) }, label));
    }
    this.latest = pass;
    this.from.disabled = false;
    this.to.disabled = false;
    if (!this.touched) {
      this.from.value = "0";
      this.to.value = String(pass);
      this.show();
    }
  }

  async show() {
    if (!this.fileId || this.latest === 0) return;
    const ticket = ++this.request;
    const fromPass = Number(this.from.value);
    const toPass = Number(this.to.value);
    let result;
    try {
      result = await getJSON("refine/diff", {
        fileId: this.fileId, fromPass, toPass, format: "json",
      });
    } catch (error) {
      if (ticket === this.request) this.stats.textContent = `Diff unavailable: ${error.detail}`;
      return;
    }
    if (ticket !== this.request) return;
    const s = result.stats;
    this.stats.textContent =
      `Pass ${fromPass} → ${toPass}: +${s.inserted_words} words, −${s.deleted_words} words, ` +
      `${s.words_before} → ${s.words_after} words, ${pct(s.changed_ratio)} changed`;
    const parts = result.ops.map((op) => {
      if (op.op === "insert") return h("ins", { title: "inserted" }, op.text);
      if (op.op === "delete") return h("del", { title: "deleted" }, op.text);
      return document.createTextNode(op.text);
    });
    this.body.replaceChildren(...parts);
    this.body.dataset.from = String(fromPass);
    this.body.dataset.to = String(toPass);
  }
}
