// Design with AI: a sentence → POST /api/v1/ai/designs, polled until proposed or failed (minutes on a CPU model),
// then the proposal for review. Nothing is created until "Create these tables" (POST /api/v1/tables/sets, which
// creates them parents first, all or none) or until the user creates them one by one in the builder.
import {api, ApiError, settledTable, sleep} from "./api.js";
import {$, $$, clone, element, formatNumber, formatSeconds, say} from "./dom.js";
import {generatorLabel} from "./values_picker.js";

const page = $("#design-page");
const POLL_MS = 1500;
let waiting = null;      // {id, started, timer}: the design being waited for
let shown = null;        // the design under review

// ---- ask ---------------------------------------------------------------------------------------------------

$$(".design-example").forEach((button) => button.addEventListener("click", () => {
  $("#design-sentence").value = button.textContent.trim();
  $("#design-sentence").focus();
}));

$("#design-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const sentence = $("#design-sentence");
  sentence.classList.remove("is-invalid");
  const text = sentence.value.trim();
  if (text.length < 3) {
    sentence.classList.add("is-invalid");
    $("#design-sentence-error").textContent = "Say in a few words what the tables are about.";
    sentence.focus();
    return;
  }
  const status = $("#design-status");
  say(status, "Sending…");
  $("#design-submit").disabled = true;
  try {
    const design = await api("POST", "/ai/designs", {sentence: text, locale: $("#design-locale").value});
    status.classList.add("d-none");
    follow(design);
    loadRecent();
  } catch (error) {
    say(status, plain(error), "error");
  } finally {
    $("#design-submit").disabled = false;
  }
});

// The API's words, with a way forward when no model is set up.
function plain(error) {
  if (error instanceof ApiError && error.status === 409) return "No AI model is set up for you yet: set one up under AI model (in the menu), then try again.";
  if (error instanceof ApiError && error.status === 422) return error.errors.map((e) => e.message).join(" ") || error.message;
  return error.message;
}

// ---- wait ----------------------------------------------------------------------------------------------------

function follow(design) {
  stopWaiting();
  history.replaceState(null, "", `/ai/design?design=${design.id}`);
  if (design.status !== "pending") { review(design); return; }
  hide("#design-review");
  show("#design-progress");
  const started = Date.parse(design.created_at) || Date.now();
  const tick = () => { $("#design-elapsed").textContent = `${formatSeconds(Math.max(0, (Date.now() - started) / 1000))} so far`; };
  tick();
  waiting = {id: design.id, timer: setInterval(tick, 1000)};
  poll(design.id);
}

async function poll(id) {
  while (waiting?.id === id) {
    await sleep(POLL_MS);
    if (waiting?.id !== id) return;
    let design;
    try { design = await api("GET", `/ai/designs/${id}`); } catch (error) {
      if (error.status === 0) continue;  // the server restarting: keep waiting
      stopWaiting(); hide("#design-progress");
      say($("#design-status"), error.message, "error");
      return;
    }
    if (design.status !== "pending") {
      stopWaiting();
      review(design);
      loadRecent();
      return;
    }
  }
}

function stopWaiting() {
  if (waiting) clearInterval(waiting.timer);
  waiting = null;
}

// Cancel stops the AI's model calls on the server (POST …/cancel), not only the waiting here: a CPU model would
// otherwise hold one of the AI's two design slots for minutes and the next design would wait behind it.
$("#design-stop").addEventListener("click", async () => {
  const id = waiting?.id;
  stopWaiting();
  hide("#design-progress");
  $("#design-sentence").focus();
  if (!id) return;
  try {
    await api("POST", `/ai/designs/${id}/cancel`);
    say($("#design-status"), "Cancelled: the AI stopped working on this design. Nothing was created.");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) { say($("#design-status"), error.message, "error"); return; }
    // It finished just before the cancel: show what it came to.
    try { review(await api("GET", `/ai/designs/${id}`)); } catch (shown) { say($("#design-status"), shown.message, "error"); }
  }
  loadRecent();
});

// ---- review --------------------------------------------------------------------------------------------------

function review(design) {
  hide("#design-progress");
  if (design.status === "cancelled") {
    hide("#design-review");
    say($("#design-status"), "You cancelled this design: nothing was created. Send the sentence again to start over.");
    $("#design-sentence").value = design.sentence;
    return;
  }
  if (design.status === "failed") {
    hide("#design-review");
    say($("#design-status"), `The AI could not design these tables: ${design.reason ?? "no reason given"}. Try again, perhaps with a simpler sentence.`, "error");
    $("#design-sentence").value = design.sentence;
    return;
  }
  shown = design;
  $("#design-sentence").value = design.sentence;
  $("#review-sentence").replaceChildren(element("span", {className: "text-body-secondary", text: "For: "}), element("q", {text: design.sentence}));
  const took = design.seconds != null ? ` in ${formatSeconds(design.seconds)}` : "";
  $("#review-meta").textContent = `${design.tables.length} table${design.tables.length === 1 ? "" : "s"}, ${design.locale}${took}`;
  const notes = design.notes ?? [];
  $("#review-notes").classList.toggle("d-none", !notes.length);
  $("#review-notes-list").replaceChildren(...notes.map((note) => element("li", {text: note})));
  $("#review-tables").replaceChildren(...design.tables.map(tableCard));
  $("#design-create-label").textContent = design.tables.length === 1 ? "Create this table" : `Create these ${design.tables.length} tables`;
  $("#design-edit").href = `/tables/new?design=${design.id}`;
  $("#design-create").disabled = false;
  $("#design-create").classList.remove("d-none");
  $("#design-discard").classList.remove("d-none");
  $("#design-edit").classList.remove("d-none");
  $("#review-question").classList.remove("d-none");
  hide("#design-result");
  $("#design-next").replaceChildren();
  show("#design-review");
  $("#review-title").focus();
}

function rules(field) {
  const parts = [];
  if (field.primary_key) parts.push("primary key");
  else if (field.unique) parts.push("unique");
  if (field.nullable) parts.push(`can be empty${field.null_percentage ? ` (${field.null_percentage} %)` : ""}`);
  if (field.references) parts.push(`points at ${field.references.table}.${field.references.field}`);
  if (field.max_length != null) parts.push(`at most ${formatNumber(field.max_length)} characters`);
  if (field.min != null || field.max != null) parts.push(`${field.min ?? "…"} to ${field.max ?? "…"}`);
  if (field.pattern) parts.push(`pattern ${field.pattern}`);
  return parts.join("; ");
}

function tableCard(spec) {
  const card = clone("design-table-template");
  $(".dt-name", card).textContent = spec.table_name;
  $(".dt-display", card).textContent = spec.display_name && spec.display_name !== spec.table_name ? spec.display_name : "";
  $(".dt-description", card).textContent = spec.description ?? "";
  $(".dt-caption", card).textContent = `Fields of ${spec.table_name}`;
  $(".dt-scroll", card).setAttribute("aria-label", `Fields of ${spec.table_name} (scrolls sideways)`);
  $(".dt-fields", card).replaceChildren(...spec.fields.map((field) => element("tr", {},
    element("th", {className: "font-monospace fw-normal", text: field.name, attrs: {scope: "row"}}),
    element("td", {text: field.type}),
    element("td", {className: "small", text: rules(field)}),
    element("td", {className: "small text-break", text: values(field)}))));
  return card;
}

function values(field) {
  if (field.references) return "keys of the parent rows";
  if (field.generator) return generatorLabel(field.generator);
  if (field.choices?.length) return `one of ${field.choices.slice(0, 6).join(", ")}${field.choices.length > 6 ? ", …" : ""}`;
  return "Automatic (from the name and type)";
}

$("#design-discard").addEventListener("click", () => {
  shown = null;
  hide("#design-review");
  history.replaceState(null, "", "/ai/design");
  say($("#design-status"), "Discarded: nothing was created.");
  $("#design-sentence").focus();
});

$("#design-create").addEventListener("click", async () => {
  if (!shown) return;
  const result = $("#design-result"), button = $("#design-create");
  button.disabled = true;
  say(result, "Creating the tables, parents first…");
  try {
    const set = await api("POST", "/tables/sets", {tables: shown.tables});
    const tables = await Promise.all(set.tables.map((table) => settledTable(table.id)));
    const refused = tables.filter((table) => table.status !== "created");
    if (refused.length) {
      const why = refused.map((t) => `${t.table_name}: ${t.reason ?? t.status}`).join("; ");
      say(result, `Nothing was created: ${why}. Edit the tables in the builder to fix this.`, "error");
      button.disabled = false;
      return;
    }
    say(result, `Created ${tables.map((t) => t.table_name).join(", ")}.`, "success");
    ["#design-create", "#design-discard", "#design-edit", "#review-question"].forEach((s) => $(s).classList.add("d-none"));
    const query = tables.map((t) => `t=${encodeURIComponent(t.id)}:100`).join("&");
    $("#design-next").replaceChildren(
      element("a", {className: "btn btn-success", attrs: {href: `/generate?${query}`}},
        element("i", {className: "bi bi-lightning-charge me-1", attrs: {"aria-hidden": "true"}}), "Fill them with rows"),
      ...tables.map((t) => element("a", {className: "btn btn-outline-secondary", text: `Open ${t.table_name}`, attrs: {href: `/tables/${t.id}`}})));
  } catch (error) {
    say(result, error instanceof ApiError && error.status === 409 ? `${error.message}. Edit the tables in the builder to rename them.` : plain(error), "error");
    button.disabled = false;
  }
});

// ---- recent designs --------------------------------------------------------------------------------------------

async function loadRecent() {
  const list = $("#recent-designs");
  let designs;
  try { designs = (await api("GET", "/ai/designs")).items; } catch { return; }
  if (!designs.length) return;
  list.replaceChildren(...designs.slice(0, 10).map((design) => {
    const label = {pending: "in progress", proposed: `${design.tables.length} table${design.tables.length === 1 ? "" : "s"} proposed`, failed: "failed", cancelled: "cancelled"}[design.status] ?? design.status;
    const link = element("a", {text: design.sentence, attrs: {href: `/ai/design?design=${design.id}`}});
    link.addEventListener("click", (event) => { event.preventDefault(); follow(design); });
    return element("li", {className: "mb-1"}, link, element("span", {className: "text-body-secondary", text: ` — ${label}, ${new Date(design.created_at).toLocaleString()}`}));
  }));
}

// ---- start ---------------------------------------------------------------------------------------------------

function show(selector) { $(selector).classList.remove("d-none"); }
function hide(selector) { $(selector).classList.add("d-none"); }

api("GET", "/generators/catalogue").then((catalogue) => {
  $("#design-locale").replaceChildren(...catalogue.locales.map((l) => element("option", {text: l, attrs: {value: l}})));
  $("#design-locale").value = "en_US";
}).catch(() => {});
loadRecent();
if (page.dataset.designId) {
  api("GET", `/ai/designs/${page.dataset.designId}`).then(follow).catch((error) => say($("#design-status"), error.message, "error"));
}
