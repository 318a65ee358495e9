// The table builder: create or change a table's definition, pick what makes each field's values, and see the
// first rows a job would write, refreshed as the design changes. Everything goes through the REST API.
import {api, ApiError, settledTable} from "./api.js";
import {$, $$, clone, element, say, toast, formatNumber} from "./dom.js";
import {ValueSuggestions} from "./suggest_values.js";
import {Catalogue, generatorLabel} from "./values_picker.js";

const root = $("#builder");
const tableId = root.dataset.tableId;
const form = $("#table-form");
const fieldsBox = $("#fields");
const PREVIEW_DELAY_MS = 400;

let editing = null;          // the table being changed (its current version), or null for a new table
let createdTables = [];      // the user's created tables, which a foreign key may point at
let starterQueue = [];       // the starter's tables still to create, in order (parents first)
let starterDone = [];        // [{table, rows}] created from the starter so far
const catalogue = new Catalogue({
  onPick: (row, generator) => { setGenerator(row, generator); changed(); },
  onOpen: (row, field) => suggestions.opened(row, field),
});
// "Suggest values with AI" asks about the saved table's field: the row's stored name, while editing a table.
const suggestions = new ValueSuggestions({catalogue, describe: (row) => ({
  tableId: editing?.id ?? null,
  field: editing && row.original ? row.original.name : null,
  name: $(".f-name", row).value.trim(),
  type: $(".f-type", row).value,
  description: $("#description").value.trim(),
  locale: $("#preview-locale").value,
  unique: $(".f-unique", row).checked,
  key: $(".f-pk", row).checked || $(".f-type", row).value === "foreign_key",
})});

const NUMERIC = new Set(["integer", "big_integer", "decimal", "float"]);
const TEXTUAL = new Set(["string", "text", "email", "url"]);
const BOUNDED = new Set([...NUMERIC, "date", "datetime", "time"]);
const keyFields = (spec) => spec.fields.filter((f) => f.primary_key || f.unique).map((f) => f.name);

// ---- field rows ---------------------------------------------------------------------------------------------

function addField(field = {name: "", type: "string"}, {focus = false} = {}) {
  const row = clone("field-template");
  row.original = editing ? field : null;   // while editing: the field as stored, so a new name is a rename
  row.extra = {...field};                  // settings the form does not show (default, choices...) are kept
  $(".f-name", row).value = field.name ?? "";
  $(".f-type", row).value = field.type ?? "string";
  $(".f-pk", row).checked = Boolean(field.primary_key);
  $(".f-unique", row).checked = Boolean(field.unique);
  $(".f-nullable", row).checked = Boolean(field.nullable);
  if (field.null_percentage) $(".f-null-pct", row).value = field.null_percentage;
  for (const [cls, key] of [["f-min-length", "min_length"], ["f-max-length", "max_length"], ["f-pattern", "pattern"],
    ["f-min", "min"], ["f-max", "max"], ["f-precision", "precision"], ["f-scale", "scale"], ["f-description", "description"]]) {
    if (field[key] !== undefined && field[key] !== null) $(`.${cls}`, row).value = field[key];
  }
  setGenerator(row, field.generator ?? null);
  wireRow(row);
  fieldsBox.append(row);
  showTypeParts(row);
  if (field.type === "foreign_key") fillReference(row, field.references);
  labelRow(row);
  if (focus) $(".f-name", row).focus();
  return row;
}

function setGenerator(row, generator) {
  row.generator = generator;
  $(".f-values-label", row).textContent = generatorLabel(generator);
}

// Accessible names that say which field a button acts on.
function labelRow(row) {
  const name = $(".f-name", row).value.trim() || "new field";
  $(".f-handle-label", row).textContent = `Move field ${name}`;
  $(".f-remove-label", row).textContent = `Remove field ${name}`;
  $(".f-values-btn", row).setAttribute("aria-label", `Values of ${name}: ${generatorLabel(row.generator)}`);
}

function showTypeParts(row) {
  const type = $(".f-type", row).value;
  $$(".c-text", row).forEach((n) => n.classList.toggle("d-none", !TEXTUAL.has(type)));
  $$(".c-range", row).forEach((n) => n.classList.toggle("d-none", !BOUNDED.has(type)));
  $$(".c-decimal", row).forEach((n) => n.classList.toggle("d-none", type !== "decimal"));
  $(".f-ref", row).classList.toggle("d-none", type !== "foreign_key");
  $(".f-null-box", row).classList.toggle("d-none", !$(".f-nullable", row).checked);
  if (type === "foreign_key" && !$(".f-ref-table", row).options.length) fillReference(row, null);
}

function wireRow(row) {
  $(".f-remove", row).addEventListener("click", () => {
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    (next ? $(".f-name", next) : $("#add-field")).focus();
    changed();
  });
  $(".f-type", row).addEventListener("change", () => {
    if (row.generator && !catalogue.fits(row.generator, $(".f-type", row).value)) setGenerator(row, null);
    showTypeParts(row);
  });
  $(".f-nullable", row).addEventListener("change", () => showTypeParts(row));
  $(".f-pk", row).addEventListener("change", () => { if ($(".f-pk", row).checked) $(".f-nullable", row).checked = false; showTypeParts(row); });
  $(".f-name", row).addEventListener("input", () => labelRow(row));
  $(".f-values-btn", row).addEventListener("click", () => catalogue.open(row, {
    name: $(".f-name", row).value.trim() || "new field", type: $(".f-type", row).value, generator: row.generator,
  }));
  wireReorder(row);
}

// A foreign key row: one of the user's tables (or this one), a key field of it, and what a delete does.
function fillReference(row, reference) {
  const tableSelect = $(".f-ref-table", row), fieldSelect = $(".f-ref-field", row);
  const specs = new Map(createdTables.map((t) => [t.spec.table_name, t.spec]));
  const own = currentSpec();
  specs.set(own.table_name || "this table", own);
  if (reference && !specs.has(reference.table)) specs.set(reference.table, {table_name: reference.table, fields: [{name: reference.field, unique: true}]});
  tableSelect.replaceChildren(...[...specs.keys()].map((name) => element("option", {text: name, attrs: {value: name}})));
  if (reference) tableSelect.value = reference.table;
  const fillFields = () => {
    const spec = specs.get(tableSelect.value);
    const names = spec ? keyFields(spec) : [];
    fieldSelect.replaceChildren(...names.map((name) => element("option", {text: name, attrs: {value: name}})));
    if (reference && reference.table === tableSelect.value) fieldSelect.value = reference.field;
  };
  tableSelect.onchange = () => { fillFields(); changed(); };
  fillFields();
  if (reference?.on_delete) $(".f-ref-delete", row).value = reference.on_delete;
}

// ---- reorder: drag the handle, or focus it and press the arrow keys ----------------------------------------

function wireReorder(row) {
  const handle = $(".drag-handle", row);
  handle.addEventListener("pointerdown", () => { row.draggable = true; });
  row.addEventListener("dragstart", (event) => { row.classList.add("dragging"); event.dataTransfer.effectAllowed = "move"; });
  row.addEventListener("dragend", () => {
    row.draggable = false;
    row.classList.remove("dragging");
    $$(".drop-target").forEach((n) => n.classList.remove("drop-target"));
    changed();
  });
  row.addEventListener("dragover", (event) => {
    const dragged = $(".field-row.dragging");
    if (!dragged || dragged === row) return;
    event.preventDefault();
    const after = event.clientY > row.getBoundingClientRect().top + row.offsetHeight / 2;
    row.parentElement.insertBefore(dragged, after ? row.nextElementSibling : row);
  });
  handle.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    event.preventDefault();
    const sibling = event.key === "ArrowUp" ? row.previousElementSibling : row.nextElementSibling;
    if (!sibling) return;
    fieldsBox.insertBefore(row, event.key === "ArrowUp" ? sibling : sibling.nextElementSibling);
    handle.focus();
    const rows = $$(".field-row");
    $("#reorder-status").textContent = `${$(".f-name", row).value || "Field"} moved to position ${rows.indexOf(row) + 1} of ${rows.length}.`;
    changed();
  });
}

// ---- indexes ------------------------------------------------------------------------------------------------

function addIndex(index = null) {
  const row = clone("index-template");
  if (index) {
    $(".i-name", row).value = index.name ?? "";
    $(".i-fields", row).value = index.fields.join(", ");
    $(".i-unique", row).checked = Boolean(index.unique);
  }
  $(".i-remove", row).addEventListener("click", () => { row.remove(); changed(); });
  $("#indexes").append(row);
  return row;
}

// ---- the definition the form describes --------------------------------------------------------------------

const numberOrNull = (text) => (text.trim() === "" ? null : Number(text));

function boundValue(type, text) {
  const value = text.trim();
  if (value === "") return null;
  return NUMERIC.has(type) && !Number.isNaN(Number(value)) ? Number(value) : value;
}

function rowField(row) {
  const type = $(".f-type", row).value;
  const field = {...row.extra, name: $(".f-name", row).value.trim(), type};
  delete field.renamed_from;
  if (row.original && row.original.name !== field.name) field.renamed_from = row.original.name;
  field.primary_key = $(".f-pk", row).checked;
  field.unique = $(".f-unique", row).checked && !field.primary_key;
  field.nullable = $(".f-nullable", row).checked;
  field.null_percentage = field.nullable ? Number($(".f-null-pct", row).value || 0) : 0;
  field.description = $(".f-description", row).value.trim();
  const text = TEXTUAL.has(type), bounded = BOUNDED.has(type), decimal = type === "decimal";
  field.min_length = text ? numberOrNull($(".f-min-length", row).value) : null;
  field.max_length = text ? numberOrNull($(".f-max-length", row).value) : null;
  field.pattern = text && $(".f-pattern", row).value.trim() ? $(".f-pattern", row).value.trim() : null;
  field.min = bounded ? boundValue(type, $(".f-min", row).value) : null;
  field.max = bounded ? boundValue(type, $(".f-max", row).value) : null;
  field.precision = decimal ? numberOrNull($(".f-precision", row).value) : null;
  field.scale = decimal ? numberOrNull($(".f-scale", row).value) : null;
  field.generator = row.generator;
  delete field.references;
  if (type === "foreign_key") {
    const table = $(".f-ref-table", row).value;
    field.references = {table: table === "this table" ? currentName() : table, field: $(".f-ref-field", row).value,
      on_delete: $(".f-ref-delete", row).value};
  }
  if (!text) { delete field.choices; }
  for (const key of Object.keys(field)) if (field[key] === null) delete field[key];
  return field;
}

const currentName = () => $("#table_name").value.trim();

function currentSpec() {
  const fields = $$(".field-row").map(rowField);
  // A field renamed in the form is renamed in the indexes too, so they keep pointing at it.
  const renamed = Object.fromEntries(fields.filter((f) => f.renamed_from).map((f) => [f.renamed_from, f.name]));
  const indexes = $$(".index-row").map((row) => {
    const index = {fields: $(".i-fields", row).value.split(",").map((n) => n.trim()).filter(Boolean).map((n) => renamed[n] ?? n),
      unique: $(".i-unique", row).checked};
    const name = $(".i-name", row).value.trim();
    if (name) index.name = name;
    return index;
  });
  return {table_name: currentName(), display_name: $("#display_name").value.trim(),
    description: $("#description").value.trim(), fields, indexes};
}

function fillForm(spec) {
  $("#table_name").value = spec.table_name ?? "";
  $("#display_name").value = spec.display_name ?? "";
  $("#description").value = spec.description ?? "";
  fieldsBox.replaceChildren();
  (spec.fields ?? []).forEach((field) => addField(field));
  $("#indexes").replaceChildren();
  (spec.indexes ?? []).forEach((index) => addIndex(index));
  clearErrors();
  changed();
}

// ---- errors next to what they concern ---------------------------------------------------------------------

function clearErrors() {
  $$(".is-invalid").forEach((n) => n.classList.remove("is-invalid"));
  $$(".is-invalid-row").forEach((n) => n.classList.remove("is-invalid-row"));
  $$(".f-error, .i-error").forEach((n) => { n.textContent = ""; n.classList.add("d-none"); });
  $("#table_name-error").textContent = "";
}

// Where an error goes: `fields.N.…` or a message starting "<field>: " is a field row; "indexes.N" an index
// row; "table_name" the name box. Returns the element to bring into view, or null.
function placeError({location = "", message}) {
  const rows = $$(".field-row");
  const path = location.replace(/^spec\./, "").split(".");
  let row = null, text = message;
  if (path[0] === "fields" && /^\d+$/.test(path[1] ?? "")) row = rows[Number(path[1])];
  const named = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/s.exec(message);
  if (!row && named) {
    row = rows.find((r) => $(".f-name", r).value.trim() === named[1]) ?? null;
    if (row) text = named[2];
  }
  if (row) {
    const box = $(".f-error", row);
    box.textContent = box.textContent ? `${box.textContent} ${text}` : text;
    box.classList.remove("d-none");
    row.classList.add("is-invalid-row");
    const input = path[2] === "name" || /name/.test(text) ? $(".f-name", row) : path[2] === "type" ? $(".f-type", row) : $(".f-name", row);
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    return input;
  }
  if (path[0] === "indexes" && /^\d+$/.test(path[1] ?? "")) {
    const indexRow = $$(".index-row")[Number(path[1])];
    if (indexRow) {
      const box = $(".i-error", indexRow);
      box.textContent = message;
      box.classList.remove("d-none");
      $(".i-fields", indexRow).classList.add("is-invalid");
      return $(".i-fields", indexRow);
    }
  }
  if (path[0] === "table_name" || /^table_name\b|table name/i.test(message)) {
    $("#table_name").classList.add("is-invalid");
    $("#table_name-error").textContent = message.replace(/^table_name: /, "");
    return $("#table_name");
  }
  return null;
}

// Shows every error at its place; the rest go next to the Create button. Scrolls to the first one.
function showErrors(errors, fallback, {scroll = true, target = $("#form-status")} = {}) {
  clearErrors();
  const placed = errors.map(placeError);
  const loose = errors.filter((_, i) => !placed[i]).map((e) => e.message);
  if (loose.length || !errors.length) say(target, (loose.length ? loose : [fallback]).join(" "), "error");
  else say(target, errors.length === 1 ? "Fix the highlighted field." : `Fix the ${errors.length} highlighted places.`, "error");
  const first = placed.find(Boolean);
  if (scroll && first) {
    first.closest(".field-row, .index-row, .card")?.scrollIntoView({block: "center"});
    first.focus({preventScroll: true});
  }
}

const problemsAsErrors = (problems) => (problems ?? []).map((p) => ({location: "", message: p.field ? `${p.field}: ${p.message}` : p.message}));

// ---- live preview and value hints ------------------------------------------------------------------------

let previewTimer = null, previewAsked = 0;
function changed() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY_MS);
}

async function refreshPreview() {
  const asked = ++previewAsked;
  const spec = currentSpec();
  const status = $("#preview-status");
  // A row still without a name (just added) is left out until it has one, rather than shown as an error.
  const kept = spec.fields.map((field, index) => [field, index]).filter(([field]) => field.name);
  if (!kept.length) { say(status, "Add a field to see rows."); renderPreview(null); return; }
  const named = {...spec, table_name: spec.table_name || "new_table", fields: kept.map(([field]) => field)};
  const rowIndex = (location) => location.replace(/^(spec\.)?fields\.(\d+)/, (_, prefix, n) => `fields.${kept[Number(n)]?.[1] ?? n}`);
  const body = {spec: named, seed: Number($("#preview-seed").value || 0), locale: $("#preview-locale").value, rows: 10};
  say(status, "Making sample rows…");
  try {
    const [preview, hints] = await Promise.all([api("POST", "/tables/preview", body), api("POST", "/tables/generators", named)]);
    if (asked !== previewAsked) return;
    window.fieldGenerators.showHints($$(".field-row"), hints.generators);
    clearErrors();
    // An error by the Create button is answered now; a success message there stays.
    if ($("#form-status").classList.contains("text-danger")) $("#form-status").classList.add("d-none");
    // Not an error in the design (e.g. a parent table without rows yet): said plainly, not in red.
    if (preview.problem) { say(status, `No sample rows yet: ${preview.problem}`); renderPreview(null); return; }
    renderPreview(preview);
    say(status, `Made in ${Math.round(preview.seconds * 1000)} ms by generator ${preview.generator_version} (seed ${preview.seed}, ${preview.locale}).`);
  } catch (error) {
    if (asked !== previewAsked) return;
    renderPreview(null);
    if (error instanceof ApiError && error.status === 422) {
      showErrors(error.errors.map((e) => ({...e, location: rowIndex(e.location ?? "")})), error.message, {scroll: false, target: status});
    } else say(status, error.message, "error");
  }
}

function renderPreview(preview) {
  const table = $("#preview-table");
  if (!preview) { table.tHead.replaceChildren(); table.tBodies[0].replaceChildren(); return; }
  table.tHead.replaceChildren(element("tr", {}, ...preview.columns.map((name) => element("th", {text: name, attrs: {scope: "col"}}))));
  table.tBodies[0].replaceChildren(...preview.rows.map((row) => element("tr", {}, ...row.map((value) =>
    value === null ? element("td", {className: "null-value", text: "empty"}) : element("td", {text: value, attrs: {title: value}})))));
}

// ---- create / save -----------------------------------------------------------------------------------------

form.addEventListener("input", (event) => { if (!event.target.closest("#values-modal")) changed(); });
form.addEventListener("change", changed);
$("#preview-seed").addEventListener("input", changed);
$("#preview-locale").addEventListener("change", changed);
$("#add-field").addEventListener("click", () => { addField(undefined, {focus: true}); changed(); });
$("#add-index").addEventListener("click", () => { $(".i-fields", addIndex()).focus(); });

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const spec = currentSpec();
  const status = $("#form-status"), button = $("#save-table");
  button.disabled = true;
  say(status, editing ? "Saving…" : "Creating the table…");
  try {
    if (editing) await saveChange(spec, status);
    else await create(spec, status);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) showErrors(error.errors, error.message);
    else say(status, error.message, "error");
  } finally {
    button.disabled = false;
  }
});

async function create(spec, status) {
  const table = await settledTable((await api("POST", "/tables", spec)).id);
  if (table.status !== "created") {
    showErrors(problemsAsErrors(table.problems), `The table was not created: ${table.reason}`);
    return;
  }
  createdTables = (await api("GET", "/tables?limit=500")).items.filter((t) => t.status === "created");
  const rows = starterDone.length < starterTotal() ? starterRows(starterDone.length) : 1000;
  starterDone.push({table, rows});
  toast(`Table ${table.table_name} created.`);
  if (starterQueue.length) {
    const next = starterQueue.shift();
    fillForm(next.spec);
    say(status, `Created ${table.table_name}. Next: ${next.spec.table_name} (${starterDone.length + 1} of ${starterTotal()}). Review it, then create it.`, "success");
    showStarterProgress();
    $("#table_name").focus({preventScroll: true});
    window.scrollTo({top: 0});
    return;
  }
  resetForm();
  say(status, `Created ${table.table_name}.`, "success");
  showNextStep();
}

async function saveChange(spec, status) {
  const before = editing.version;
  const change = await api("PUT", `/tables/${editing.id}`, {expected_version: before, spec});
  const table = await settledTable(change.id);
  if (table.version > before) {
    await loadTable(table.id);
    say(status, `Saved: ${table.table_name} is now at version ${table.version}.`, "success");
    const link = element("a", {className: "ms-2", text: "Open the table", attrs: {href: `/tables/${table.id}`}});
    status.append(link);
  } else {
    showErrors(problemsAsErrors(table.problems), `The change was refused: ${table.reason}`);
  }
}

function resetForm() {
  if (editing) { fillForm(editing.spec); return; }
  fillForm({table_name: "", fields: [{name: "id", type: "integer", primary_key: true}, {name: "name", type: "string"}]});
}
$("#reset-form").addEventListener("click", () => { resetForm(); $("#form-status").classList.add("d-none"); });

// ---- starters -------------------------------------------------------------------------------------------------

let starters = [], activeStarter = null;
const starterTotal = () => (activeStarter ? activeStarter.tables.length : 0);
const starterRows = (i) => activeStarter.tables[i].rows;

function useStarter(key) {
  activeStarter = starters.find((s) => s.key === key) ?? null;
  if (!activeStarter) return;
  starterDone = [];
  starterQueue = activeStarter.tables.slice(1);
  $("#next-step").classList.add("d-none");
  fillForm(activeStarter.tables[0].spec);
  showStarterProgress();
}

function showStarterProgress() {
  const total = starterTotal();
  $("#starter-progress").textContent = total > 1 ? `${activeStarter.label ?? `Template ${activeStarter.title}`}: table ${starterDone.length + 1} of ${total}` : "";
}

// An AI design (see /ai/design) opened for editing: its tables one after another, parents first, like a
// template's; each is created only when the user presses Create.
async function useDesign(id) {
  const design = await api("GET", `/ai/designs/${id}`);
  if (design.status !== "proposed" || !design.tables.length) {
    say($("#form-status"), "This AI design has no tables to edit (it is still in progress, it failed, or it was cancelled).", "error");
    resetForm();
    return;
  }
  activeStarter = {title: "AI design", label: "AI design", tables: design.tables.map((spec) => ({spec, rows: 100}))};
  starterDone = [];
  starterQueue = activeStarter.tables.slice(1);
  fillForm(activeStarter.tables[0].spec);
  showStarterProgress();
  say($("#form-status"), `The AI's proposal for “${design.sentence}”: change what you like, then create it.`);
}

// After the last table: generate and download in one step, or open the table.
function showNextStep() {
  const done = starterDone.length ? starterDone : [];
  if (!done.length) return;
  const box = $("#next-step");
  box.classList.remove("d-none");
  $("#starter-progress").textContent = "";
  const names = done.map((d) => d.table.table_name);
  $("#next-step-title").textContent = done.length > 1 ? `${names.join(" and ")} are ready` : `${names[0]} is ready`;
  $("#next-step-text").textContent = done.length > 1
    ? `Fill them (parents first) and get one workbook with a sheet per table.`
    : `Fill it with rows, browse them, and download them.`;
  const query = done.map((d) => `t=${encodeURIComponent(d.table.id)}:${d.rows}`).join("&");
  const summary = done.map((d) => `${formatNumber(d.rows)} ${d.table.table_name}`).join(" + ");
  const go = element("a", {className: "btn btn-success", attrs: {href: `/generate?${query}&download=xlsx`}},
    element("i", {className: "bi bi-lightning-charge me-1", attrs: {"aria-hidden": "true"}}), `Generate ${summary} and download`);
  const actions = [go, ...done.map((d) => element("a", {className: "btn btn-outline-secondary", text: `Open ${d.table.table_name}`, attrs: {href: `/tables/${d.table.id}`}}))];
  $("#next-step-actions").replaceChildren(...actions);
  starterDone = [];
  activeStarter = null;
  box.scrollIntoView({block: "center"});
  go.focus({preventScroll: true});
}

$$("[data-starter]", $("#starter-buttons") ?? document.createElement("div")).forEach((button) =>
  button.addEventListener("click", () => useStarter(button.dataset.starter)));

// ---- import --------------------------------------------------------------------------------------------------

function review({spec, warnings}) {
  activeStarter = null; starterQueue = [];
  fillForm(spec);
  $("#import-warnings").replaceChildren(...warnings.map((w) => element("li", {text: w})));
  say($("#import-status"), `Proposed definition of ${spec.table_name} with ${spec.fields.length} fields: review it below, then create it.`, "success");
}
async function importing(request) {
  try { review(await request()); } catch (error) { $("#import-warnings").replaceChildren(); say($("#import-status"), error.message, "error"); }
}
$("#import-sql")?.addEventListener("submit", (event) => {
  event.preventDefault();
  importing(() => api("POST", "/tables/import", {sql: $("#import-sql-text").value, dialect: $("#import-dialect").value}));
});
$("#import-db")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = {url: $("#import-url").value.trim(), table: $("#import-table").value.trim()};
  if ($("#import-schema").value.trim()) body.schema = $("#import-schema").value.trim();
  importing(() => api("POST", "/tables/import/database", body));
});

// ---- start ----------------------------------------------------------------------------------------------------

async function loadTable(id) {
  editing = await api("GET", `/tables/${id}`);
  $("#builder-title").textContent = `Change ${editing.table_name} (version ${editing.version})`;
  document.title = `Change ${editing.table_name} · DMB`;
  fillForm(editing.spec);
}

// A new table's form is ready at once: what the user types while the lists below load is kept. A table,
// design or template to open instead makes the form wait (inert) until it is filled, so nothing typed is lost.
async function start() {
  const opening = Boolean(tableId || root.dataset.design || root.dataset.starter);
  if (opening) { form.inert = true; form.setAttribute("aria-busy", "true"); }
  else resetForm();
  try { await load(); } finally { form.inert = false; form.removeAttribute("aria-busy"); }
}

async function load() {
  const [tables, catalogueData, starterList] = await Promise.all([
    api("GET", "/tables?limit=500"), api("GET", "/generators/catalogue"), api("GET", "/starters")]);
  createdTables = tables.items.filter((t) => t.status === "created");
  starters = starterList;
  catalogue.load(catalogueData);
  $("#preview-locale").replaceChildren(...catalogueData.locales.map((locale) => element("option", {text: locale, attrs: {value: locale}})));
  $("#preview-locale").value = "en_US";
  suggestions.setLocales(catalogueData.locales);
  if (tableId) await loadTable(tableId);
  else if (root.dataset.design) await useDesign(root.dataset.design);
  else if (root.dataset.starter) useStarter(root.dataset.starter);
  else changed();  // the value hints need the catalogue, now loaded
}

start().catch((error) => say($("#form-status"), error.message, "error"));
