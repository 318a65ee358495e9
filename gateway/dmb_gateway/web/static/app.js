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

function addField(name = "", type = "string") {
  const row = $("#field-template").content.firstElementChild.cloneNode(true);
  row.querySelector(".f-name").value = name;
  row.querySelector(".f-type").value = type;
  row.querySelector(".f-remove").addEventListener("click", () => row.remove());
  $("#fields").appendChild(row);
}

async function refreshTables() {
  const {items} = await api("GET", "/tables?limit=200");
  $("#tables").innerHTML = items.map((t) => `<tr><td>${esc(t.table_name)}</td>
    <td class="status-${esc(t.status)}" title="${esc(t.reason)}">${esc(t.status)}${t.reason ? ": " + esc(t.reason) : ""}</td>
    <td>${t.spec.fields.length}</td>
    <td>${t.status === "created" ? `<button class="btn btn-sm btn-outline-danger" data-drop="${t.id}">Drop</button>` : ""}</td></tr>`).join("");
  const select = $("#job-table"), current = select.value;
  select.innerHTML = items.filter((t) => t.status === "created").map((t) => `<option value="${t.id}">${esc(t.table_name)}</option>`).join("");
  if (current) select.value = current;
  return items;
}

async function refreshExports() {
  const [{items}, tables] = [await api("GET", "/exports"), await api("GET", "/tables?limit=500&include_dropped=true")];
  const names = Object.fromEntries(tables.items.map((t) => [t.id, t.table_name]));
  $("#exports").innerHTML = items.map((e) => `<tr><td>${esc(names[e.table_id] ?? e.table_id)}</td><td>${esc(e.format)}</td>
    <td>${e.rows ?? ""}</td><td class="status-${esc(e.status)}">${esc(e.status)}${e.reason ? ": " + esc(e.reason) : ""}</td>
    <td>${e.download_url ? `<a class="btn btn-sm btn-success" href="${esc(e.download_url)}">Download</a>` : ""}</td></tr>`).join("");
  return items;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForTable(id) {
  for (let i = 0; i < 120; i++) {
    const table = await api("GET", `/tables/${id}`);
    if (table.status !== "pending") return table;
    await sleep(250);
  }
  throw new Error("The table is taking unusually long to create; it will appear in the list when ready.");
}

$("#table-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = [...document.querySelectorAll(".field-row")].map((row) => {
    const field = {name: row.querySelector(".f-name").value.trim(), type: row.querySelector(".f-type").value};
    if (row.querySelector(".f-nullable").checked) field.nullable = true;
    if (row.querySelector(".f-unique").checked) field.unique = true;
    return field;
  });
  const spec = {table_name: $("#table_name").value.trim(), display_name: $("#display_name").value.trim(),
                description: $("#description").value.trim(), fields};
  try {
    const created = await waitForTable((await api("POST", "/tables", spec)).id);
    if (created.status === "created") show(`Table ${created.table_name} created.`, "success");
    else show(`Table ${created.table_name} was rejected: ${created.reason}`);
  } catch (error) { show(error.message); }
  await refreshTables();
});

$("#tables").addEventListener("click", async (event) => {
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
  try {
    await api("POST", `/tables/${currentJob.table_id}/exports`, {format: button.dataset.format, job_id: currentJob.id});
    for (let i = 0; i < 240; i++) {
      const items = await refreshExports();
      if (!items.some((e) => e.status === "pending")) break;
      await sleep(500);
    }
  } catch (error) { show(error.message); }
}));

$("#cancel-job").addEventListener("click", async () => {
  try { await api("POST", `/jobs/${currentJob.id}/cancel`); } catch (error) { show(error.message); }
});

$("#add-field").addEventListener("click", () => addField());
[["id", "integer"], ["first_name", "string"], ["last_name", "string"], ["email", "email"], ["signup_date", "date"]]
  .forEach(([name, type]) => addField(name, type));
refreshTables().then(refreshExports).catch((error) => show(error.message));
