// The page talks to the same REST API as the CLI; JSON bodies only (a cross-site form cannot send them).
const api = async (method, path, body) => {
  const response = await fetch(`/api/v1${path}`, {
    method, headers: body ? {"Content-Type": "application/json"} : {}, body: body ? JSON.stringify(body) : undefined,
  });
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

function addField(name = "", type = "string", original = null) {
  const row = $("#field-template").content.firstElementChild.cloneNode(true);
  row.querySelector(".f-name").value = name;
  row.querySelector(".f-type").value = type;
  row.original = original;
  if (original) {
    row.querySelector(".f-nullable").checked = Boolean(original.nullable);
    row.querySelector(".f-unique").checked = Boolean(original.unique);
  }
  row.querySelector(".f-remove").addEventListener("click", () => row.remove());
  $("#fields").appendChild(row);
}

async function refreshTables() {
  const {items} = await api("GET", "/tables?limit=200");
  $("#tables").innerHTML = items.map((t) => `<tr><td>${esc(t.table_name)}</td>
    <td class="status-${esc(t.status)}" title="${esc(t.reason)}">${esc(t.status)}${t.reason ? ": " + esc(t.reason) : ""}</td>
    <td>${t.spec.fields.length}</td>
    <td class="text-nowrap">${t.status === "created" ? `<button class="btn btn-sm btn-outline-primary" data-edit="${t.id}">Edit</button>
      <button class="btn btn-sm btn-outline-secondary" data-history="${t.id}">History</button>
      <button class="btn btn-sm btn-outline-danger" data-drop="${t.id}">Drop</button>` : ""}</td></tr>`).join("");
  const select = $("#job-table"), current = select.value;
  select.innerHTML = items.filter((t) => t.status === "created").map((t) => `<option value="${t.id}">${esc(t.table_name)}</option>`).join("");
  if (current) select.value = current;
  return items;
}

const EXPORTS_PAGE = 10;
let exportsOffset = 0;

async function refreshExports() {
  const page = await api("GET", `/exports?offset=${exportsOffset}&limit=${EXPORTS_PAGE}`);
  const tables = await api("GET", "/tables?limit=500&include_dropped=true");
  const names = Object.fromEntries(tables.items.map((t) => [t.id, t.table_name]));
  $("#exports").innerHTML = page.items.map((e) => `<tr><td>${esc(names[e.table_id] ?? e.table_id)}</td><td>${esc(e.format)}</td>
    <td>${e.rows ?? ""}</td><td><span class="status-${esc(e.status)}">${esc(e.status)}</span>
      ${e.reason ? `<div class="small text-body-secondary text-break">${esc(e.reason)}</div>` : ""}</td>
    <td class="text-nowrap">${e.download_url ? `<a class="btn btn-sm btn-success" href="${esc(e.download_url)}">Download</a>` : ""}
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

$("#table-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = [...document.querySelectorAll(".field-row")].map((row) => {
    const name = row.querySelector(".f-name").value.trim();
    const field = {...(row.original || {}), name, type: row.querySelector(".f-type").value};
    delete field.renamed_from;
    if (editing && row.original && row.original.name !== name) field.renamed_from = row.original.name;
    field.nullable = row.querySelector(".f-nullable").checked;
    if (!field.nullable) delete field.null_percentage;
    field.unique = row.querySelector(".f-unique").checked;
    return field;
  });
  const spec = {table_name: $("#table_name").value.trim(), display_name: $("#display_name").value.trim(),
                description: $("#description").value.trim(), fields};
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
    $("#table_name").value = table.spec.table_name;
    $("#display_name").value = table.spec.display_name;
    $("#description").value = table.spec.description;
    $("#fields").innerHTML = "";
    table.spec.fields.forEach((field) => addField(field.name, field.type, field));
    return;
  }
  if (history) {
    const {items} = await api("GET", `/tables/${history}/versions`);
    $("#history-items").innerHTML = items.map((v) => `<li>version ${v.version} (${esc(new Date(v.created_at).toLocaleString())}):
      ${v.changes.length ? v.changes.map(esc).join("; ") : "created"}</li>`).join("");
    $("#history").classList.remove("d-none");
    return;
  }
  const id = event.target.dataset.drop;
  if (!id || !confirm("Drop this table and all its rows?")) return;
  try { await api("DELETE", `/tables/${id}`); } catch (error) { show(error.message); }
  setTimeout(refreshTables, 500);
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

function follow(job) {
  currentJob = job;
  $("#job").classList.remove("d-none");
  document.querySelectorAll(".export-btn").forEach((b) => (b.disabled = true));
  $("#cancel-job").disabled = false;
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
  $("#table_name").value = spec.table_name;
  $("#display_name").value = spec.display_name ?? "";
  $("#description").value = spec.description ?? "";
  $("#fields").innerHTML = "";
  spec.fields.forEach((field) => addField(field.name, field.type, field));
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
[["id", "integer"], ["first_name", "string"], ["last_name", "string"], ["email", "email"], ["signup_date", "date"]]
  .forEach(([name, type]) => addField(name, type));
refreshTables().then(refreshExports).catch((error) => show(error.message));
