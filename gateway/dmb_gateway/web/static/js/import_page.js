// The import page: a whole schema dump (or, for admins, a live database) read into a proposal of every table,
// reviewed together (leave out, rename, edit as JSON), then created in one action, parents first, all or none
// (POST /tables/import or /tables/import/database, then POST /tables/sets: the same calls as the CLI).
import {api, ApiError, settledTable} from "./api.js";
import {$, $$, clone, element, say} from "./dom.js";

const DIALECTS = {postgres: "PostgreSQL", mysql: "MySQL / MariaDB", sqlite: "SQLite"};
// One entry per proposed table: {spec, warnings, picked, node, generators}.
let entries = [];

// ---- read a dump or a database ------------------------------------------------------------------------------

function fieldError(input, message) {
  input.classList.add("is-invalid");
  $(`#${input.id}-error`).textContent = message;
  input.focus();
}

function clearErrors() {
  $$(".is-invalid").forEach((node) => node.classList.remove("is-invalid"));
}

$("#dump-file").addEventListener("change", async () => {
  const file = $("#dump-file").files[0];
  if (!file) return;
  clearErrors();
  const limit = Number($("#dump").maxLength);
  if (file.size > limit * 4) { fieldError($("#dump"), `${file.name} is too large: at most ${limit.toLocaleString("en-US")} characters.`); return; }
  $("#dump").value = await file.text();
  say($("#read-status"), `${file.name} is in the box: read its tables when ready.`);
});

$("#dump-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const sql = $("#dump").value;
  if (!sql.trim()) { fieldError($("#dump"), "Paste a schema dump or upload a .sql file first."); return; }
  if (sql.length > Number($("#dump").maxLength)) { fieldError($("#dump"), "The dump is too long for one import."); return; }
  const dialect = $("#dialect").value;
  say($("#read-status"), "Reading the tables…");
  try {
    const proposal = await api("POST", "/tables/import", {sql, dialect});
    const how = dialect === "auto" ? `read as ${DIALECTS[proposal.dialect]} (found out from the file)` : `read as ${DIALECTS[proposal.dialect ?? dialect]}`;
    say($("#read-status"), `${plural(proposal.tables.length, "table")} found, ${how}.`, "success");
    await showProposal(proposal, how);
  } catch (error) {
    $("#read-status").classList.add("d-none");
    const detail = (error.errors ?? []).map((e) => e.message).filter((m) => m !== error.message);
    fieldError($("#dump"), [error.message, ...detail].join(" "));
  }
});

$("#db-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const url = $("#db-url").value.trim();
  if (!url) { fieldError($("#db-url"), "Give the database URL."); return; }
  const body = {url};
  if ($("#db-schema").value.trim()) body.schema = $("#db-schema").value.trim();
  say($("#db-status"), "Connecting and reading the catalogue…");
  try {
    const proposal = await api("POST", "/tables/import/database", body);
    say($("#db-status"), `${plural(proposal.tables.length, "table")} found.`, "success");
    await showProposal(proposal, "read from the database");
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && (error.errors ?? []).some((e) => e.location === "url" || e.location.startsWith("url"))) {
      $("#db-status").classList.add("d-none");
      fieldError($("#db-url"), error.message);
    } else say($("#db-status"), error.message, "error");
  }
});

// ---- review -------------------------------------------------------------------------------------------------

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function shape(field) {
  if (field.type === "foreign_key" && field.references) return "reference";
  if (field.max_length && ["string", "char"].includes(field.type)) return `${field.type}(${field.max_length})`;
  if (field.precision) return `${field.type}(${field.precision}${field.scale !== null && field.scale !== undefined ? `, ${field.scale}` : ""})`;
  return field.type;
}

function keyText(field) {
  const keys = [];
  if (field.primary_key) keys.push("primary key");
  if (field.unique) keys.push("unique");
  if (field.references) keys.push(`→ ${field.references.table}.${field.references.field}`);
  return keys.join(", ");
}

function parentsOf(spec) {
  return [...new Set(spec.fields.filter((f) => f.references && f.references.table !== spec.table_name).map((f) => f.references.table))];
}

async function showProposal(proposal, how) {
  entries = proposal.tables.map(({spec, warnings}) => ({spec, warnings, picked: true, generators: null}));
  $("#review-summary").textContent = `${plural(entries.length, "table")}, ${how}`;
  const notes = proposal.notes ?? [];
  $("#review-notes").replaceChildren(...notes.map((note) => element("li", {text: note})));
  $("#review-notes").classList.toggle("d-none", !notes.length);
  $("#proposed").replaceChildren(...entries.map((entry, index) => buildEntry(entry, index)));
  $("#created").classList.add("d-none");
  $("#create-status").classList.add("d-none");
  $("#create-set").disabled = false;
  refreshAll();
  $("#review").classList.remove("d-none");
  $("#review").scrollIntoView({block: "start"});
  $("#review").focus({preventScroll: true});
  await Promise.all(entries.map(loadGenerators));
}

function buildEntry(entry, index) {
  const node = clone("proposed-template");
  entry.node = node;
  const ids = {pick: `pick-${index}`, name: `name-${index}`, json: `json-${index}`};
  $(".p-pick", node).id = ids.pick;
  $(".p-pick-label", node).htmlFor = ids.pick;
  $(".p-name", node).id = ids.name;
  $(".p-name-label", node).htmlFor = ids.name;
  $(".p-json", node).id = ids.json;
  $(".p-json-label", node).htmlFor = ids.json;
  $(".p-pick", node).addEventListener("change", () => { entry.picked = $(".p-pick", node).checked; refreshAll(); });
  $(".p-name", node).addEventListener("change", () => rename(entry, $(".p-name", node).value.trim()));
  $(".p-json-apply", node).addEventListener("click", () => applyJson(entry));
  return node;
}

function render(entry) {
  const {node, spec} = entry;
  $(".p-pick-label", node).textContent = `Create ${spec.table_name}`;
  $(".p-name", node).value = spec.table_name;
  $(".p-caption", node).textContent = `Fields of ${spec.table_name}`;
  const parents = parentsOf(spec);
  $(".p-refs", node).textContent = `${plural(spec.fields.length, "field")}${parents.length ? ` · points at ${parents.join(", ")}` : ""}`;
  const values = new Map((entry.generators ?? []).map((g) => [g.name, g]));
  $(".p-fields tbody", node).replaceChildren(...spec.fields.map((field) => {
    const generator = values.get(field.name);
    const made = generator ? generator.summary : entry.generators === null ? "…" : "";
    return element("tr", {},
      element("td", {className: "font-monospace text-break", text: field.name}),
      element("td", {text: shape(field)}),
      element("td", {text: keyText(field)}),
      element("td", {text: field.nullable ? (field.null_percentage ? `yes, ${field.null_percentage}%` : "yes") : "no"}),
      element("td", {className: "text-break", text: made}));
  }));
  $(".p-warnings-title", node).textContent = `Could not be carried over exactly (${entry.warnings.length}):`;
  $(".p-warnings", node).replaceChildren(...entry.warnings.map((w) => element("li", {text: w})));
  $(".p-warnings-box", node).classList.toggle("d-none", !entry.warnings.length);
  $(".p-json", node).value = JSON.stringify(spec, null, 2);
  node.classList.toggle("opacity-75", !entry.picked);
  node.classList.toggle("bg-body-tertiary", !entry.picked);
}

// Every table's state, and a word on a kept table whose parent was left out (it must already exist then).
function refreshAll() {
  const left = new Set(entries.filter((e) => !e.picked).map((e) => e.spec.table_name));
  for (const entry of entries) {
    render(entry);
    const missing = entry.picked ? parentsOf(entry.spec).filter((name) => left.has(name)) : [];
    showEntryError(entry, missing.length ? `It points at ${missing.join(", ")}, which you left out: keep ${missing.length === 1 ? "it" : "them"} too, unless you already have ${missing.length === 1 ? "a table" : "tables"} of that name.` : "");
  }
  const picked = entries.filter((e) => e.picked).length;
  $("#create-label").textContent = picked ? `Create ${plural(picked, "table")}` : "Create the tables";
}

function showEntryError(entry, message) {
  const box = $(".p-error", entry.node);
  box.textContent = message;
  box.classList.toggle("d-none", !message);
}

async function loadGenerators(entry) {
  try {
    entry.generators = (await api("POST", "/tables/generators", entry.spec)).generators;
  } catch {
    entry.generators = []; // the definition has a problem the create step names next to the table
  }
  render(entry);
}

function rename(entry, name) {
  const old = entry.spec.table_name;
  if (!name || name === old) { render(entry); return; }
  if (entries.some((e) => e !== entry && e.spec.table_name === name)) {
    showEntryError(entry, `Another table of this schema is already named ${name}.`);
    return;
  }
  entry.spec = {...entry.spec, table_name: name};
  // Foreign keys follow the new name, in this table (self references) and in the others.
  for (const other of entries) {
    if (!other.spec.fields.some((f) => f.references?.table === old)) continue;
    other.spec = {...other.spec, fields: other.spec.fields.map((f) => (f.references?.table === old ? {...f, references: {...f.references, table: name}} : f))};
  }
  refreshAll();
}

async function applyJson(entry) {
  let spec;
  try {
    spec = JSON.parse($(".p-json", entry.node).value);
  } catch (error) {
    showEntryError(entry, `This is not valid JSON: ${error.message}`);
    return;
  }
  if (!spec || typeof spec !== "object" || !Array.isArray(spec.fields)) {
    showEntryError(entry, "A definition is an object with a table_name and a list of fields.");
    return;
  }
  entry.spec = spec;
  entry.generators = null;
  refreshAll();
  await loadGenerators(entry);
}

// ---- create the set -------------------------------------------------------------------------------------------

// "tables.2.fields.0.name" → the picked table it concerns, and the rest of the path in words.
function placeErrors(error, picked) {
  let placed = false;
  for (const {location = "", message} of error.errors ?? []) {
    const match = /^tables\.(\d+)\.?(.*)$/.exec(location);
    const entry = match ? picked[Number(match[1])] : undefined;
    if (!entry) continue;
    const where = match[2].replace(/^fields\.(\d+)/, (_, n) => `field ${entry.spec.fields[Number(n)]?.name ?? n}`).replaceAll(".", " ");
    showEntryError(entry, where ? `${where}: ${message}` : message);
    if (!placed) entry.node.scrollIntoView({block: "center"});
    placed = true;
  }
  return placed;
}

$("#create-set").addEventListener("click", async () => {
  refreshAll();
  const picked = entries.filter((e) => e.picked);
  if (!picked.length) { say($("#create-status"), "Tick at least one table to create.", "error"); return; }
  $("#create-set").disabled = true;
  say($("#create-status"), `Creating ${plural(picked.length, "table")}, parents first…`);
  try {
    const made = await api("POST", "/tables/sets", {tables: picked.map((e) => e.spec)});
    const settled = await Promise.all(made.tables.map((t) => settledTable(t.id)));
    const refused = settled.find((t) => t.status !== "created");
    if (refused) {
      say($("#create-status"), `Nothing was created: ${refused.reason ?? refused.status}. Change the definitions and try again.`, "error");
      $("#create-set").disabled = false;
      return;
    }
    say($("#create-status"), `${plural(settled.length, "table")} created: ${settled.map((t) => t.table_name).join(", ")}.`, "success");
    $("#created-links").replaceChildren(...settled.map((t) => element("li", {className: "list-inline-item"},
      element("a", {text: t.table_name, attrs: {href: `/tables/${t.id}`}}))));
    // The generate page with every new table ticked (parents are filled first there).
    $("#go-generate").href = `/generate?${settled.map((t) => `t=${encodeURIComponent(t.id)}`).join("&")}`;
    $("#create-label").textContent = "Created";
    $("#created").classList.remove("d-none");
  } catch (error) {
    const placed = error instanceof ApiError && error.status === 422 && placeErrors(error, picked);
    say($("#create-status"), placed ? "Nothing was created: fix what is marked on the tables above." : `Nothing was created: ${error.message}`, "error");
    $("#create-set").disabled = false;
  }
});
