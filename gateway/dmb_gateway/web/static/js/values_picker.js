// The values picker: a searchable catalogue of every generator (served by GET /api/v1/generators/catalogue),
// and the settings of the kinds a person configures (choices, range, pattern, sequence, template, ...).
import {$, $$, clone, element} from "./dom.js";

const TEXTUAL = new Set(["string", "text", "email", "url"]);
const TYPE_FITS = {
  text: (type) => TEXTUAL.has(type),
  integer: (type) => ["integer", "big_integer", "decimal", "float", "string", "text"].includes(type),
  number: (type) => ["decimal", "float", "string", "text"].includes(type),
  boolean: (type) => ["boolean", "string", "text"].includes(type),
  date: (type) => ["date", "string", "text"].includes(type),
  datetime: (type) => ["datetime", "date", "string", "text"].includes(type),
  time: (type) => ["time", "string", "text"].includes(type),
  any: (type) => type !== "foreign_key" && type !== "json",
  key: (type) => type === "foreign_key",
};

// A generator in a few words, for the field's Values button.
export function generatorLabel(generator) {
  if (!generator) return "Automatic";
  switch (generator.kind) {
    case "faker": return generator.provider.replaceAll("_", " ");
    case "choices": return `Choices: ${generator.values.slice(0, 3).join(", ")}${generator.values.length > 3 ? "…" : ""}`;
    case "range": return `Range ${generator.min ?? "…"} to ${generator.max ?? "…"}${generator.distribution && generator.distribution !== "uniform" ? ` (${generator.distribution})` : ""}`;
    case "regex": return `Pattern ${generator.pattern}`;
    case "sequence": return `Sequence from ${generator.start ?? 1}`;
    case "template": return `Template ${generator.template}`;
    case "constant": return `Always ${generator.value}`;
    case "reference": return generator.children_per_parent ? `Reference, ${generator.children_per_parent.min}–${generator.children_per_parent.max} per parent` : "Reference";
    case "ai": return `AI${generator.instructions ? `: ${generator.instructions}` : ""}`;
    case "bundle": return `${generator.bundle} ${generator.part}`;
    default: return generator.kind;
  }
}

const parseChoices = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
  const match = /^(.*?)\s*=\s*([0-9]+(?:\.[0-9]+)?)$/.exec(line);
  return match ? {value: match[1], weight: Number(match[2])} : {value: line, weight: null};
});

export class Catalogue {
  constructor({onPick, onOpen = null}) {
    this.onPick = onPick;
    this.onOpen = onOpen;  // (row, field) when the picker opens for a field (e.g. to offer AI suggestions)
    this.entries = [];
    this.modalNode = $("#values-modal");
    this.modal = window.bootstrap.Modal.getOrCreateInstance(this.modalNode);
    $("#catalogue-search").addEventListener("input", () => this.render());
    $("#catalogue-group").addEventListener("change", () => this.render());
    $("#values-default").addEventListener("click", () => this.pick(null));
    $("#config-back").addEventListener("click", () => this.showBrowser());
    $("#values-config").addEventListener("submit", (event) => { event.preventDefault(); this.applyConfig(); });
    $("#cfg-distribution").addEventListener("change", () => this.showDistribution());
    // Bootstrap ignores hide() while the modal is still fading in, so a quick pick waits for "shown".
    this.opening = false;
    this.closeWhenShown = false;
    this.modalNode.addEventListener("shown.bs.modal", () => {
      this.opening = false;
      if (this.closeWhenShown) {
        this.closeWhenShown = false;
        this.modal.hide();
      } else {
        $("#catalogue-search").focus();
      }
    });
    this.modalNode.addEventListener("hidden.bs.modal", () => this.row && $(".f-values-btn", this.row).focus());
  }

  load({groups, entries}) {
    this.entries = entries;
    $("#catalogue-group").replaceChildren(element("option", {text: "All groups", attrs: {value: ""}}),
      ...groups.map((group) => element("option", {text: group, attrs: {value: group}})));
  }

  fits(generator, type) {
    if (!generator) return true;
    if (type === "foreign_key") return generator.kind === "reference";
    if (generator.kind === "reference") return false;
    const entry = this.entries.find((e) => e.kind === generator.kind && (e.kind !== "faker" || e.provider === generator.provider));
    return entry ? TYPE_FITS[entry.value_type](type) : true;
  }

  open(row, field) {
    this.row = row;
    this.field = field;
    $("#values-field").textContent = field.name;
    $("#catalogue-search").value = "";
    $("#catalogue-group").value = "";
    this.showBrowser();
    this.render();
    if (field.generator && field.generator.kind !== "faker") {
      const entry = this.entries.find((e) => e.kind === field.generator.kind);
      if (entry) this.showConfig(entry, field.generator);
    }
    this.onOpen?.(row, field);
    this.opening = true;
    this.closeWhenShown = false;
    this.modal.show();
  }

  // The entries that fit the field's type and match the search (words in any order), grouped in order.
  render() {
    const words = $("#catalogue-search").value.toLowerCase().split(/\s+/).filter(Boolean);
    const wanted = $("#catalogue-group").value;
    const shown = this.entries.filter((entry) => TYPE_FITS[entry.value_type](this.field.type)
      && (!wanted || entry.group === wanted)
      && words.every((word) => `${entry.label} ${entry.group} ${entry.description} ${entry.provider ?? ""}`.toLowerCase().includes(word)));
    const list = $("#catalogue-list");
    let group = null;
    list.replaceChildren(...shown.slice(0, 300).flatMap((entry) => {
      const heading = entry.group !== group
        ? [element("div", {className: "list-group-item bg-body-secondary fw-semibold small catalogue-heading", text: entry.group, attrs: {role: "presentation"}})] : [];
      group = entry.group;
      const node = clone("catalogue-entry-template");
      $(".entry-label", node).textContent = entry.label;
      $(".entry-group", node).textContent = entry.group;
      $(".entry-description", node).textContent = entry.description;
      $(".entry-example", node).textContent = entry.example;
      const current = this.field.generator;
      if (current && current.kind === entry.kind && (entry.kind !== "faker" || current.provider === entry.provider)) {
        node.classList.add("active");
        node.setAttribute("aria-current", "true");
      }
      node.addEventListener("click", () => (entry.kind === "faker" ? this.pick({kind: "faker", provider: entry.provider}) : this.showConfig(entry, null)));
      return [...heading, node];
    }));
    $("#catalogue-count").textContent = shown.length ? `${shown.length} generators fit a ${this.field.type} field.` : "Nothing matches: try another word.";
  }

  pick(generator) {
    this.onPick(this.row, generator);
    if (this.opening) this.closeWhenShown = true;
    else this.modal.hide();
  }

  showBrowser() {
    $("#catalogue-browser").classList.remove("d-none");
    $("#values-config").classList.add("d-none");
    $("#values-suggest")?.classList.add("d-none");
    this.offerSuggestions();
  }

  // "Suggest values with AI" shows above the catalogue and a kind's settings, for the fields it fits.
  offerSuggestions() {
    const open = $("#suggest-open");
    open?.classList.toggle("d-none", open.dataset.fits !== "true");
  }

  showConfig(entry, generator) {
    this.kind = entry.kind;
    $("#catalogue-browser").classList.add("d-none");
    $("#values-suggest")?.classList.add("d-none");
    this.offerSuggestions();
    $("#values-config").classList.remove("d-none");
    $("#config-title").textContent = entry.label;
    $("#config-help").textContent = entry.description;
    $("#config-error").classList.add("d-none");
    $$(".config-kind").forEach((node) => node.classList.toggle("d-none", node.dataset.kind !== entry.kind));
    const g = generator ?? {};
    switch (entry.kind) {
      case "choices":
        $("#cfg-choices").value = (g.values ?? []).map((v, i) => (g.weights ? `${v} = ${g.weights[i]}` : String(v))).join("\n");
        break;
      case "range":
        $("#cfg-min").value = g.min ?? ""; $("#cfg-max").value = g.max ?? "";
        $("#cfg-distribution").value = g.distribution ?? "uniform";
        $("#cfg-mean").value = g.mean ?? ""; $("#cfg-stddev").value = g.stddev ?? ""; $("#cfg-scale").value = g.scale ?? "";
        this.showDistribution();
        break;
      case "regex": $("#cfg-pattern").value = g.pattern ?? ""; break;
      case "sequence": $("#cfg-start").value = g.start ?? 1; $("#cfg-step").value = g.step ?? 1; break;
      case "template": $("#cfg-template").value = g.template ?? ""; break;
      case "constant": $("#cfg-constant").value = g.value ?? ""; break;
      case "reference": {
        const c = g.children_per_parent;
        $("#cfg-children-min").value = c?.min ?? ""; $("#cfg-children-max").value = c?.max ?? "";
        $("#cfg-children-distribution").value = c?.distribution ?? "uniform";
        break;
      }
      case "ai": $("#cfg-ai").value = g.instructions ?? ""; break;
      default: break;
    }
    const first = $(`.config-kind[data-kind="${entry.kind}"] input, .config-kind[data-kind="${entry.kind}"] textarea`);
    first?.focus();
  }

  showDistribution() {
    const distribution = $("#cfg-distribution").value;
    $$(".cfg-normal").forEach((n) => n.classList.toggle("d-none", distribution !== "normal"));
    $$(".cfg-exponential").forEach((n) => n.classList.toggle("d-none", distribution !== "exponential"));
  }

  // The configured generator, or a plain-words reason it is not complete.
  configured() {
    const text = (id) => $(id).value.trim();
    const scalar = (value) => (value !== "" && !Number.isNaN(Number(value)) && !/^[-+]?\d+[ymdw]$/i.test(value) ? Number(value) : value);
    switch (this.kind) {
      case "choices": {
        const choices = parseChoices($("#cfg-choices").value);
        if (!choices.length) return "List at least one value.";
        const weighted = choices.some((c) => c.weight !== null);
        return {kind: "choices", values: choices.map((c) => c.value), ...(weighted ? {weights: choices.map((c) => c.weight ?? 1)} : {})};
      }
      case "range": {
        const g = {kind: "range", distribution: $("#cfg-distribution").value};
        if (text("#cfg-min")) g.min = scalar(text("#cfg-min"));
        if (text("#cfg-max")) g.max = scalar(text("#cfg-max"));
        if (g.distribution === "normal" && text("#cfg-mean")) g.mean = scalar(text("#cfg-mean"));
        if (g.distribution === "normal" && text("#cfg-stddev")) g.stddev = Number(text("#cfg-stddev"));
        if (g.distribution === "exponential" && text("#cfg-scale")) g.scale = Number(text("#cfg-scale"));
        return g;
      }
      case "regex": return text("#cfg-pattern") ? {kind: "regex", pattern: text("#cfg-pattern")} : "Write a pattern, e.g. [A-Z]{3}-[0-9]{4}.";
      case "sequence": return {kind: "sequence", start: Number(text("#cfg-start") || 1), step: Number(text("#cfg-step") || 1)};
      case "template": return text("#cfg-template") ? {kind: "template", template: text("#cfg-template")} : "Write a template, e.g. {first_name} {last_name}.";
      case "constant": return {kind: "constant", value: scalar(text("#cfg-constant"))};
      case "reference": {
        if (!text("#cfg-children-max")) return {kind: "reference"};
        return {kind: "reference", children_per_parent: {min: Number(text("#cfg-children-min") || 0), max: Number(text("#cfg-children-max")),
          distribution: $("#cfg-children-distribution").value}};
      }
      case "ai": return {kind: "ai", instructions: text("#cfg-ai")};
      default: return null;
    }
  }

  applyConfig() {
    const generator = this.configured();
    if (typeof generator === "string") {
      const box = $("#config-error");
      box.textContent = generator;
      box.classList.remove("d-none");
      return;
    }
    this.pick(generator);
  }
}
