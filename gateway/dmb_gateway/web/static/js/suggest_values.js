// "Suggest values with AI" in the values picker: POST /api/v1/ai/vocabularies for a text field of the saved
// table, polled until proposed or failed (a CPU model needs tens of seconds to minutes), then a list of values
// and weights to edit. "Apply" makes the field a `choices` generator of them; the user saves the table as usual.
// A suggestion goes on while the picker is closed: it shows when the field's values are opened again.
import {api, ApiError, sleep} from "./api.js";
import {$, $$, clone, element, formatSeconds, say, toast} from "./dom.js";

const POLL_MS = 1500;
const SUGGESTIBLE = new Set(["string", "text"]);
const round = (n) => Math.round(n * 10) / 10;

export class ValueSuggestions {
  // describe(row) → {tableId, field (its saved name, or null), name, type, description, locale, unique, key}
  constructor({catalogue, describe}) {
    this.catalogue = catalogue;
    this.describe = describe;
    this.states = new WeakMap();  // row → {id, status, started, vocabulary, items, timer}
    this.row = null;
    $("#suggest-open").addEventListener("click", () => this.show());
    $$(".suggest-back").forEach((button) => button.addEventListener("click", () => this.catalogue.showBrowser()));
    $("#suggest-ask").addEventListener("submit", (event) => { event.preventDefault(); this.ask(); });
    $("#suggest-cancel").addEventListener("click", () => this.cancel());
    $("#suggest-again").addEventListener("click", () => { this.states.delete(this.row); this.render(); $("#suggest-context").focus(); });
    $("#suggest-add").addEventListener("click", () => { const item = this.addItem({value: "", weight: 1}); this.shares(); $(".s-value", item).focus(); });
    $("#suggest-review").addEventListener("submit", (event) => { event.preventDefault(); this.apply(); });
    $("#suggest-items").addEventListener("input", () => this.shares());
    this.catalogue.modalNode.addEventListener("hidden.bs.modal", () => { this.row = null; });
  }

  setLocales(locales) {
    $("#suggest-locale").replaceChildren(...locales.map((l) => element("option", {text: l, attrs: {value: l}})));
  }

  // The picker opened for `row`: offer suggestions for a text field; come back to one under way or ready.
  opened(row, field) {
    this.row = row;
    $("#suggest-open").dataset.fits = String(SUGGESTIBLE.has(field.type));
    this.catalogue.offerSuggestions();
    const state = this.states.get(row);
    if (state && SUGGESTIBLE.has(field.type)) this.show();
  }

  show() {
    $("#suggest-open").classList.add("d-none");
    $("#catalogue-browser").classList.add("d-none");
    $("#values-config").classList.add("d-none");
    $("#values-suggest").classList.remove("d-none");
    const about = this.describe(this.row);
    if (!this.states.get(this.row)) {
      $("#suggest-context").value = about.description ?? "";
      $("#suggest-locale").value = about.locale ?? "en_US";
    }
    this.render();
    if (!this.states.get(this.row) && !$("#suggest-submit").disabled) $("#suggest-context").focus();
  }

  // Why this field cannot be asked about now, in plain words, or null.
  blocker(about) {
    if (!about.tableId) return "Suggestions use the saved table: create the table first, then open this field's values again.";
    if (!about.field) return `Save the table first: the AI reads the saved definition, where ${about.name || "this field"} is not yet.`;
    if (about.key) return `${about.name} is a key: its values come from the keys, not from a list.`;
    if (about.unique) return `${about.name} is unique: a list of values that repeat cannot fill it. Untick Unique to use suggestions.`;
    return null;
  }

  render() {
    const state = this.states.get(this.row);
    const about = this.describe(this.row);
    const blocked = this.blocker(about);
    const unsaved = $("#suggest-unsaved");
    unsaved.classList.toggle("d-none", !blocked || Boolean(state));
    unsaved.textContent = blocked ?? "";
    $("#suggest-submit").disabled = Boolean(blocked);
    const status = state?.status ?? "new";
    $("#suggest-ask").classList.toggle("d-none", status === "pending" || status === "asking" || status === "proposed");
    $("#suggest-progress").classList.toggle("d-none", status !== "pending" && status !== "asking");
    $("#suggest-review").classList.toggle("d-none", status !== "proposed");
    if (status === "pending" || status === "asking") this.tick();
    if (status === "failed") say($("#suggest-status"), state.message, "error");
    else if (status !== "proposed") $("#suggest-status").classList.add("d-none");
    if (status === "proposed") this.review(state);
  }

  tick() {
    const state = this.states.get(this.row);
    if (state?.started) $("#suggest-elapsed").textContent = `${formatSeconds((Date.now() - state.started) / 1000)} so far`;
  }

  async ask() {
    const row = this.row;
    const about = this.describe(row);
    if (this.blocker(about)) return;
    const state = {status: "asking", started: Date.now(), name: about.name};
    this.states.set(row, state);
    state.timer = setInterval(() => { if (this.row === row) this.tick(); }, 1000);
    this.render();
    $("#suggest-cancel").focus();
    try {
      const body = {table_id: about.tableId, field: about.field, locale: $("#suggest-locale").value, context: $("#suggest-context").value.trim()};
      const vocabulary = await api("POST", "/ai/vocabularies", body);
      if (this.states.get(row) !== state) { this.stopOnServer(vocabulary.id); return; }  // cancelled meanwhile
      state.id = vocabulary.id;
      state.status = "pending";
      this.follow(row, state);
    } catch (error) {
      this.fail(row, state, this.plain(error));
    }
  }

  plain(error) {
    if (error instanceof ApiError && error.status === 409) return "No AI model is set up for you yet: set one up under AI model (in the menu at the top), then ask again.";
    if (error instanceof ApiError && error.status === 422) return error.errors.map((e) => e.message).join(" ") || error.message;
    return error.message;
  }

  async follow(row, state) {
    while (this.states.get(row) === state) {
      await sleep(POLL_MS);
      if (this.states.get(row) !== state) return;
      let vocabulary;
      try { vocabulary = await api("GET", `/ai/vocabularies/${state.id}`); } catch (error) {
        if (error.status === 0) continue;  // the server restarting: keep waiting
        this.fail(row, state, error.message);
        return;
      }
      if (vocabulary.status === "pending") continue;
      clearInterval(state.timer);
      if (vocabulary.status === "cancelled") {
        this.fail(row, state, "The suggestion was cancelled: nothing changed.");
        return;
      }
      if (vocabulary.status === "failed") {
        this.fail(row, state, `The AI could not suggest values: ${vocabulary.reason ?? "no reason given"}.`);
        return;
      }
      state.status = "proposed";
      state.vocabulary = vocabulary;
      state.items = vocabulary.values.map((value, i) => ({value: String(value), weight: round((vocabulary.weights[i] ?? 0) * 100)}));
      if (this.row === row) { this.render(); $("#suggest-items .s-value")?.focus(); }
      else toast(`Values for ${state.name} are suggested: open its values to review them.`);
      return;
    }
  }

  fail(row, state, message) {
    clearInterval(state.timer);
    state.status = "failed";
    state.message = message;
    if (this.row === row) this.render();
    else toast(`No values for ${state.name}: ${message}`, "error");
  }

  // The AI's model calls stop too (POST …/cancel), so the next suggestion does not wait behind this one. A 409
  // (it finished just now) changes nothing: the suggestion is dropped here all the same.
  stopOnServer(id) {
    api("POST", `/ai/vocabularies/${id}/cancel`).catch((error) => {
      if (!(error instanceof ApiError && error.status === 409)) toast(`The AI may still be working on it: ${error.message}`, "error");
    });
  }

  cancel() {
    const state = this.states.get(this.row);
    if (state) clearInterval(state.timer);
    if (state?.id && state.status === "pending") this.stopOnServer(state.id);
    this.states.delete(this.row);
    this.render();
    say($("#suggest-status"), "Cancelled: nothing changed.");
    $("#suggest-submit").focus();
  }

  review(state) {
    const count = state.items.length;
    $("#suggest-caption").textContent = `${count} value${count === 1 ? "" : "s"} suggested${state.vocabulary.seconds != null ? ` in ${formatSeconds(state.vocabulary.seconds)}` : ""}. Change any value or weight, remove what does not fit, add what is missing.`;
    const notes = state.vocabulary.notes ?? [];
    $("#suggest-notes").classList.toggle("d-none", !notes.length);
    $("#suggest-notes").textContent = notes.length ? `Left out: ${notes.join("; ")}` : "";
    $("#suggest-items").replaceChildren();
    state.items.forEach((item) => this.addItem(item));
    $("#suggest-error").classList.add("d-none");
    this.shares();
  }

  addItem({value, weight}) {
    const item = clone("suggest-item-template");
    const index = $$("#suggest-items .suggest-item").length + 1;
    const ids = {value: `suggest-value-${index}`, weight: `suggest-weight-${index}`};
    $(".s-value", item).id = ids.value;
    $(".s-value-label", item).htmlFor = ids.value;
    $(".s-value-label", item).textContent = `Value ${index}`;
    $(".s-weight", item).id = ids.weight;
    $(".s-weight-label", item).htmlFor = ids.weight;
    $(".s-weight-label", item).textContent = `Weight of value ${index}`;
    $(".s-value", item).value = value;
    $(".s-weight", item).value = weight;
    $(".s-remove-label", item).textContent = `Remove ${value || `value ${index}`}`;
    $(".s-remove", item).addEventListener("click", () => {
      const next = item.nextElementSibling ?? item.previousElementSibling;
      item.remove();
      this.shares();
      (next ? $(".s-value", next) : $("#suggest-add")).focus();
    });
    $("#suggest-items").append(item);
    return item;
  }

  items() {
    return $$("#suggest-items .suggest-item").map((item) => ({value: $(".s-value", item).value.trim(), weight: Number($(".s-weight", item).value || 0)}));
  }

  // Each value's share of the rows, as the weights now say; the edits are kept if the picker is closed.
  shares() {
    const items = this.items();
    const total = items.reduce((sum, item) => sum + Math.max(0, item.weight), 0);
    $$("#suggest-items .suggest-item").forEach((node, i) => {
      $(".s-share", node).textContent = total > 0 ? `${round((Math.max(0, items[i].weight) / total) * 100)} %` : "—";
    });
    const state = this.states.get(this.row);
    if (state?.status === "proposed") state.items = items;
  }

  apply() {
    const items = this.items();
    const error = $("#suggest-error");
    const seen = new Set();
    let problem = null;
    if (!items.length) problem = "Keep at least one value.";
    for (const [i, item] of items.entries()) {
      if (problem) break;
      if (!item.value) problem = `Value ${i + 1} is empty: write it or remove it.`;
      else if (seen.has(item.value)) problem = `${item.value} is listed twice.`;
      else if (!(item.weight >= 0)) problem = `The weight of ${item.value} must be 0 or more.`;
      seen.add(item.value);
    }
    if (!problem && items.reduce((sum, item) => sum + item.weight, 0) <= 0) problem = "Give at least one value a weight above 0.";
    if (problem) { error.textContent = problem; error.classList.remove("d-none"); return; }
    const row = this.row, name = this.describe(row).name;
    this.states.delete(row);
    this.catalogue.pick({kind: "choices", values: items.map((item) => item.value), weights: items.map((item) => item.weight)});
    toast(`${items.length} values set for ${name}. Save the table to keep them.`);
  }
}
