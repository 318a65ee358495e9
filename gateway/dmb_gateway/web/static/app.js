// The page talks to the same REST API as the CLI; JSON bodies only (a cross-site form cannot send them).
// Signed in with a browser session, every call that changes something carries the page's CSRF token.
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
const api = async (method, path, body) => {
  const headers = body ? {"Content-Type": "application/json"} : {};
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {method, headers, body: body ? JSON.stringify(body) : undefined});
  if (response.status === 401) { window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`); }
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(data && data.message ? data.message : `HTTP ${response.status}`);
  return data;
};
const $ = (selector) => document.querySelector(selector);
const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const show = (message, kind = "danger") => {
  const alert = $("#alert");
  alert.className = `alert alert-${kind}`;
  alert.textContent = message;
};

// While editing, each row remembers the field it came from: its other settings are kept, and a changed
// name becomes a rename (renamed_from) so the column keeps its rows.
let editing = null;
// The user's created tables, which a foreign_key field may reference (through their key fields).
let createdTables = [];
const keyFields = (table) => table.spec.fields.filter((f) => f.primary_key || f.unique).map((f) => f.name);

// A foreign_key row shows where it points: one of the user's tables, a key field of it, and on_delete.
function fillReference(row, reference) {
  const tableSelect = row.querySelector(".f-ref-table"), fieldSelect = row.querySelector(".f-ref-field");
  const names = createdTables.map((t) => t.spec.table_name);
  if (reference && !names.includes(reference.table)) names.push(reference.table);
  tableSelect.innerHTML = names.map((n) => `<option value="${esc(n)}">${esc(n)}</option>`).join("");
  if (reference) tableSelect.value = reference.table;
  const fillFields = () => {
    const table = createdTables.find((t) => t.spec.table_name === tableSelect.value);
    const fields = table ? keyFields(table) : [];
    if (reference && reference.table === tableSelect.value && !fields.includes(reference.field)) fields.push(reference.field);
    fieldSelect.innerHTML = fields.map((n) => `<option value="${esc(n)}">${esc(n)}</option>`).join("");
    if (reference && reference.table === tableSelect.value) fieldSelect.value = reference.field;
  };
  tableSelect.onchange = fillFields;
  fillFields();
  if (reference && reference.on_delete) row.querySelector(".f-ref-delete").value = reference.on_delete;
}

function showReference(row) {
  const isKey = row.querySelector(".f-type").value === "foreign_key";
  row.querySelector(".f-ref").classList.toggle("d-none", !isKey);
  if (isKey && !row.querySelector(".f-ref-table").options.length) fillReference(row, row.original?.references);
}

function addField(name = "", type = "string", original = null) {
  const row = $("#field-template").content.firstElementChild.cloneNode(true);
  row.querySelector(".f-name").value = name;
  row.querySelector(".f-type").value = type;
  row.original = original;
  if (original) {
    row.querySelector(".f-nullable").checked = Boolean(original.nullable);
    row.querySelector(".f-unique").checked = Boolean(original.unique);
  }
  row.querySelector(".f-remove").addEventListener("click", () => { row.remove(); previewGenerators(); });
  row.querySelector(".f-type").addEventListener("change", () => showReference(row));
  $("#fields").appendChild(row);
  showReference(row);
  previewGenerators();
}

// An index row: its fields are typed as names separated by commas (in the index's column order).
function addIndex(index = null) {
  const row = $("#index-template").content.firstElementChild.cloneNode(true);
  if (index) {
    row.querySelector(".i-name").value = index.name ?? "";
    row.querySelector(".i-fields").value = index.fields.join(", ");
    row.querySelector(".i-unique").checked = Boolean(index.unique);
  }
  row.querySelector(".i-remove").addEventListener("click", () => row.remove());
  $("#indexes").appendChild(row);
}

function fillForm(spec) {
  $("#table_name").value = spec.table_name;
  $("#display_name").value = spec.display_name ?? "";
  $("#description").value = spec.description ?? "";
  $("#fields").innerHTML = "";
  spec.fields.forEach((field) => addField(field.name, field.type, field));
  $("#indexes").innerHTML = "";
  (spec.indexes ?? []).forEach((index) => addIndex(index));
  previewGenerators();
}

async function refreshTables() {
  const {items} = await api("GET", "/tables?limit=200");
  createdTables = items.filter((t) => t.status === "created");
  $("#tables").innerHTML = items.map((t) => `<tr><td>${t.status === "created" ? `<input class="form-check-input" type="checkbox"
      data-select="${esc(t.id)}" aria-label="Select ${esc(t.table_name)} for a workbook">` : ""}</td><td>${esc(t.table_name)}</td>
    <td class="status-${esc(t.status)}" title="${esc(t.reason)}">${esc(t.status)}${t.reason ? ": " + esc(t.reason) : ""}</td>
    <td>${t.spec.fields.length}</td>
    <td class="text-nowrap">${t.status === "created" ? `<button class="btn btn-sm btn-outline-primary" data-edit="${t.id}">Edit</button>
      <button class="btn btn-sm btn-outline-secondary" data-history="${t.id}">History</button>
      <button class="btn btn-sm btn-outline-danger" data-drop="${t.id}">Drop</button>` : ""}</td></tr>`).join("");
  const select = $("#job-table"), current = select.value;
  select.innerHTML = items.filter((t) => t.status === "created").map((t) => `<option value="${t.id}">${esc(t.table_name)}</option>`).join("");
  if (current) select.value = current;
  updateSelection();
  // Foreign-key rows already in the form offer the tables just created too, keeping what they point at.
  document.querySelectorAll(".field-row").forEach((row) => {
    if (row.querySelector(".f-type").value !== "foreign_key") return;
    const tableSelect = row.querySelector(".f-ref-table");
    fillReference(row, tableSelect.options.length ? {table: tableSelect.value, field: row.querySelector(".f-ref-field").value,
      on_delete: row.querySelector(".f-ref-delete").value} : row.original?.references);
  });
  return items;
}

const EXPORTS_PAGE = 10;
let exportsOffset = 0;

async function refreshExports() {
  const page = await api("GET", `/exports?offset=${exportsOffset}&limit=${EXPORTS_PAGE}`);
  const tables = await api("GET", "/tables?limit=500&include_dropped=true");
  const names = Object.fromEntries(tables.items.map((t) => [t.id, t.table_name]));
  // A completed export's reason is a note (e.g. cells cut to Excel's limit); otherwise it says why it failed or expired.
  const reason = (e) => !e.reason ? "" : `<div class="small text-body-secondary text-break">${e.status === "completed" ? "Note: " : ""}${esc(e.reason)}</div>`;
  $("#exports").innerHTML = page.items.map((e) => `<tr><td>${(e.table_ids ?? [e.table_id]).map((id) => esc(names[id] ?? id)).join(", ")}</td><td>${esc(e.format)}</td>
    <td>${e.rows ?? ""}</td><td><span class="status-${esc(e.status)}">${esc(e.status)}</span>${reason(e)}</td>
    <td class="text-nowrap">${e.download_url && e.status === "completed" ? `<a class="btn btn-sm btn-success" href="${esc(e.download_url)}">Download</a>` : ""}
      ${["failed", "expired"].includes(e.status) ? `<button class="btn btn-sm btn-outline-warning" data-retry="${esc(e.id)}">Retry</button>` : ""}</td></tr>`).join("");
  const last = page.offset + page.items.length;
  $("#exports-page").textContent = page.total ? `${page.offset + 1}–${last} of ${page.total}` : "No exports yet.";
  $("#exports-newer").disabled = page.offset === 0;
  $("#exports-older").disabled = last >= page.total;
  return page.items;
}

// Polls the history until no export on the shown page is still pending.
async function followExports() {
  for (let i = 0; i < 240; i++) {
    const items = await refreshExports();
    if (!items.some((e) => e.status === "pending")) break;
    await sleep(500);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForTable(id) {
  for (let i = 0; i < 120; i++) {
    const table = await api("GET", `/tables/${id}`);
    if (!["pending", "altering"].includes(table.status)) return table;
    await sleep(250);
  }
  throw new Error("The table is taking unusually long to create; it will appear in the list when ready.");
}

// The definition the form describes (what Create / Save sends, and what the values preview is asked about).
function formSpec() {
  const fields = [...document.querySelectorAll(".field-row")].map((row) => {
    const name = row.querySelector(".f-name").value.trim();
    const field = {...(row.original || {}), name, type: row.querySelector(".f-type").value};
    delete field.renamed_from;
    if (editing && row.original && row.original.name !== name) field.renamed_from = row.original.name;
    field.nullable = row.querySelector(".f-nullable").checked;
    if (!field.nullable) delete field.null_percentage;
    field.unique = row.querySelector(".f-unique").checked;
    delete field.references;
    if (field.type === "foreign_key") {
      // key_type and key_max_length are filled in by the schema service from the referenced field.
      field.references = {table: row.querySelector(".f-ref-table").value, field: row.querySelector(".f-ref-field").value,
                          on_delete: row.querySelector(".f-ref-delete").value};
    }
    return field;
  });
  // A field renamed in the form is renamed in the indexes too, so they keep pointing at it.
  const renamed = Object.fromEntries(fields.filter((f) => f.renamed_from).map((f) => [f.renamed_from, f.name]));
  const indexes = [...document.querySelectorAll(".index-row")].map((row) => {
    const index = {fields: row.querySelector(".i-fields").value.split(",").map((n) => n.trim()).filter(Boolean)
      .map((n) => renamed[n] ?? n), unique: row.querySelector(".i-unique").checked};
    const name = row.querySelector(".i-name").value.trim();
    if (name) index.name = name;
    return index;
  });
  return {table_name: $("#table_name").value.trim(), display_name: $("#display_name").value.trim(),
          description: $("#description").value.trim(), fields, indexes};
}

// Under each field row, what will make its values: asked of the API ~300 ms after the last edit. Only the
// latest answer is shown; a definition the API refuses (not finished yet, say) just clears the hints, since
// creating it shows the reason. The values do not depend on the table's name, so a form without one yet
// is previewed under a stand-in name.
const PREVIEW_DELAY_MS = 300;
let previewTimer = null, previewAsked = 0;
function previewGenerators() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const asked = ++previewAsked;
    const spec = formSpec();
    let generators = [];
    try {
      generators = (await api("POST", "/tables/generators", {...spec, table_name: spec.table_name || "new_table"})).generators;
    } catch { /* refused or unreachable: the hints are cleared */ }
    if (asked === previewAsked) fieldGenerators.showHints([...document.querySelectorAll(".field-row")], generators);
  }, PREVIEW_DELAY_MS);
}
$("#table-form").addEventListener("input", previewGenerators);
$("#table-form").addEventListener("change", previewGenerators);

$("#table-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const spec = formSpec();
  try {
    if (editing) {
      const change = await api("PUT", `/tables/${editing.id}`, {expected_version: editing.version, spec});
      const done = await waitForTable(change.id);
      if (done.version > editing.version) { show(`Table ${done.table_name} is now at version ${done.version}.`, "success"); stopEditing(); }
      else show(`The change was refused: ${done.reason}`);
    } else {
      const created = await waitForTable((await api("POST", "/tables", spec)).id);
      if (created.status === "created") {
        show(`Table ${created.table_name} created.`, "success");
        $("#import-warnings").classList.add("d-none");
      }
      else show(`Table ${created.table_name} was rejected: ${created.reason}`);
    }
  } catch (error) { show(error.message); }
  await refreshTables();
});

function stopEditing() {
  editing = null;
  $("#design-title").textContent = "Design a table";
  $("#save-table").textContent = "Create table";
  $("#stop-editing").classList.add("d-none");
}
$("#stop-editing").addEventListener("click", stopEditing);
$("#close-history").addEventListener("click", () => $("#history").classList.add("d-none"));

$("#tables").addEventListener("click", async (event) => {
  const {edit, history} = event.target.dataset;
  if (edit) {
    const table = await api("GET", `/tables/${edit}`);
    editing = table;
    $("#design-title").textContent = `Change ${table.table_name} (version ${table.version})`;
    $("#save-table").textContent = "Save as a new version";
    $("#stop-editing").classList.remove("d-none");
    fillForm(table.spec);
    return;
  }
  if (history) {
    try { await showHistory(history); } catch (error) { show(error.message); }
    return;
  }
  const id = event.target.dataset.drop;
  if (!id || !confirm("Drop this table and all its rows?")) return;
  try { await api("DELETE", `/tables/${id}`); } catch (error) { show(error.message); }
  setTimeout(refreshTables, 500);
});

// The History card: every version, each but the current one with a Restore button.
async function showHistory(id) {
  const table = await api("GET", `/tables/${id}`);
  const {items} = await api("GET", `/tables/${id}/versions`);
  $("#history-title").textContent = `History of ${table.table_name}`;
  $("#history-items").innerHTML = items.map((v) => `<li class="mb-1">version ${v.version} (${esc(new Date(v.created_at).toLocaleString())}):
    ${v.changes.length ? v.changes.map(esc).join("; ") : "created"}
    ${v.version === table.version ? ' <span class="badge text-bg-secondary">current</span>'
      : ` <button class="btn btn-sm btn-outline-warning py-0" data-restore="${v.version}" data-table="${esc(table.id)}"
          data-expected="${table.version}" ${table.status === "created" ? "" : "disabled"}>Restore</button>`}</li>`).join("");
  $("#history-fields").replaceChildren(fieldGenerators.renderFieldValues(table, document));
  $("#history").classList.remove("d-none");
}

$("#history-items").addEventListener("click", async (event) => {
  const {restore, table, expected} = event.target.dataset;
  if (!restore || !confirm(`Bring back the definition of version ${restore} as a new version?`)) return;
  document.querySelectorAll("[data-restore]").forEach((b) => (b.disabled = true));
  show(`Restoring version ${restore}…`, "info");
  try {
    await api("POST", `/tables/${table}/versions/${restore}/restore`, {expected_version: Number(expected)});
    const done = await waitForTable(table);
    if (done.version > Number(expected)) show(`Table ${done.table_name} is now at version ${done.version} (version ${restore} restored).`, "success");
    else show(`The restore was refused: ${done.reason ?? done.status}`);
    await showHistory(table);
  } catch (error) { show(error.message); document.querySelectorAll("[data-restore]").forEach((b) => (b.disabled = false)); }
  await refreshTables();
});

// Several selected tables go into one workbook.
const selectedTables = () => [...document.querySelectorAll("[data-select]:checked")].map((box) => box.dataset.select);
function updateSelection() {
  $("#export-selected").disabled = selectedTables().length === 0;
  $("#generate-selected").disabled = selectedTables().length === 0;
}
$("#tables").addEventListener("change", (event) => { if (event.target.dataset.select) updateSelection(); });
$("#export-selected").addEventListener("click", async () => {
  const tables = selectedTables();
  if (!tables.length) return;
  try {
    await api("POST", "/exports", {tables, format: "xlsx"});
    document.querySelectorAll("[data-select]").forEach((box) => (box.checked = false));
    updateSelection();
    exportsOffset = 0;
    await followExports();
  } catch (error) { show(error.message); }
});

let currentJob = null;
$("#job-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {rows: Number($("#rows").value), locale: $("#locale").value.trim()};
  if ($("#seed").value !== "") body.seed = Number($("#seed").value);
  try {
    const job = await api("POST", `/tables/${$("#job-table").value}/jobs`, body);
    follow(job);
  } catch (error) { show(error.message); }
});

// Several selected tables filled in one batch: one job per table, parents first, followed together.
$("#generate-selected").addEventListener("click", async () => {
  const rows = Number($("#rows").value);
  const body = {tables: selectedTables().map((table_id) => ({table_id, rows})), locale: $("#locale").value.trim()};
  if ($("#seed").value !== "") body.seed = Number($("#seed").value);
  try {
    const batch = await api("POST", "/jobs", body);
    await followBatch(batch.jobs);
  } catch (error) { show(error.message); }
});

// A finished job's time, fallbacks and constraint report, below the progress (see job_report.js).
const showReports = (sections) => $("#job-report").replaceChildren(...sections);

async function followBatch(jobs) {
  currentJob = null;
  $("#job").classList.remove("d-none");
  showReports([]);
  document.querySelectorAll(".export-btn").forEach((b) => (b.disabled = true));
  $("#cancel-job").disabled = true;
  const name = (id) => createdTables.find((t) => t.id === id)?.table_name ?? id;
  for (;;) {
    const states = await Promise.all(jobs.map((job) => api("GET", `/jobs/${job.job_id}`)));
    const done = states.reduce((sum, s) => sum + s.rows_done, 0), total = states.reduce((sum, s) => sum + s.rows, 0);
    $("#job-bar").style.width = `${Math.round((100 * done) / total)}%`;
    $("#job-text").textContent = states.map((s) => `${name(s.table_id)}: ${s.status}, ${s.rows_done.toLocaleString()} of ` +
      `${s.rows.toLocaleString()} rows` + (s.reason ? ` (${s.reason})` : "")).join("; ");
    if (states.every((s) => ["completed", "failed", "cancelled"].includes(s.status))) {
      showReports(states.map((s) => jobReport.renderJobReport(s, document, name(s.table_id))));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function follow(job) {
  currentJob = job;
  $("#job").classList.remove("d-none");
  document.querySelectorAll(".export-btn").forEach((b) => (b.disabled = true));
  $("#cancel-job").disabled = false;
  showReports([]);
  const source = new EventSource(`/api/v1/jobs/${job.id}/events`);
  source.addEventListener("job", (message) => {
    const state = JSON.parse(message.data);
    currentJob = state;
    const percent = Math.round((100 * state.rows_done) / state.rows);
    $("#job-bar").style.width = `${percent}%`;
    $("#job-text").textContent = `${state.status}: ${state.rows_done.toLocaleString()} of ${state.rows.toLocaleString()} rows` +
      (state.seed !== null ? ` (seed ${state.seed})` : "") + (state.reason ? ` (${state.reason})` : "") +
      (state.seconds ? ` in ${state.seconds.toFixed(2)} s` : "");
    if (["completed", "failed", "cancelled"].includes(state.status)) {
      source.close();
      $("#cancel-job").disabled = true;
      document.querySelectorAll(".export-btn").forEach((b) => (b.disabled = state.status !== "completed"));
      showReports([jobReport.renderJobReport(state, document)]);
    }
  });
  source.onerror = () => source.close();
}

document.querySelectorAll(".export-btn").forEach((button) => button.addEventListener("click", async () => {
  const body = {format: button.dataset.format, job_id: currentJob.id};
  if (body.format === "csv" && $("#excel-bom").checked) body.csv_excel_bom = true;
  try {
    await api("POST", `/tables/${currentJob.table_id}/exports`, body);
    exportsOffset = 0;
    await followExports();
  } catch (error) { show(error.message); }
}));

$("#exports").addEventListener("click", async (event) => {
  const id = event.target.dataset.retry;
  if (!id) return;
  event.target.disabled = true;
  try {
    await api("POST", `/exports/${id}/retry`);
    exportsOffset = 0;
    await followExports();
  } catch (error) { show(error.message); event.target.disabled = false; }
});
$("#exports-newer").addEventListener("click", () => {
  exportsOffset = Math.max(0, exportsOffset - EXPORTS_PAGE);
  refreshExports().catch((error) => show(error.message));
});
$("#exports-older").addEventListener("click", () => {
  exportsOffset += EXPORTS_PAGE;
  refreshExports().catch((error) => show(error.message));
});

// Import: the server proposes a definition; it fills the design form (every inferred setting kept on the
// row) for the user to review, edit and create as usual.
function review({spec, warnings}) {
  stopEditing();
  fillForm(spec);
  const box = $("#import-warnings");
  box.innerHTML = warnings.length
    ? `<strong>Check before creating:</strong><ul class="mb-0">${warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>` : "";
  box.classList.toggle("d-none", !warnings.length);
  show(`Proposed definition of ${spec.table_name} with ${spec.fields.length} fields: review it below, then create it.`, "info");
  $("#table-form").scrollIntoView({behavior: "smooth"});
}

$("#import-sql").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    review(await api("POST", "/tables/import", {sql: $("#import-sql-text").value, dialect: $("#import-dialect").value}));
  } catch (error) { $("#import-warnings").classList.add("d-none"); show(error.message); }
});

$("#import-db").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {url: $("#import-url").value.trim(), table: $("#import-table").value.trim()};
  if ($("#import-schema").value.trim()) body.schema = $("#import-schema").value.trim();
  try { review(await api("POST", "/tables/import/database", body)); }
  catch (error) { $("#import-warnings").classList.add("d-none"); show(error.message); }
});

$("#cancel-job").addEventListener("click", async () => {
  try { await api("POST", `/jobs/${currentJob.id}/cancel`); } catch (error) { show(error.message); }
});

$("#add-field").addEventListener("click", () => addField());
$("#add-index").addEventListener("click", () => addIndex());
[["id", "integer"], ["first_name", "string"], ["last_name", "string"], ["email", "email"], ["signup_date", "date"]]
  .forEach(([name, type]) => addField(name, type));
refreshTables().then(refreshExports).catch((error) => show(error.message));
