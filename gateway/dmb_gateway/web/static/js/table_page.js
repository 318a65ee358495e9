// A table's page: generate rows with live progress (SSE), cancel, export and download, browse the rows
// (paged, sorted, filtered per column), its definition and versions (restore).
import {api, ApiError, followState, settledTable} from "./api.js";
import {aiOptions} from "./ai_job_options.js";
import {$, $$, clone, element, formatNumber, formatSeconds, say, setBar, toast} from "./dom.js";

const tableId = $("#table-page").dataset.tableId;
const FINISHED = ["completed", "failed", "cancelled"];
const FINISHED_BAR = {completed: "bg-success", failed: "bg-danger", cancelled: "bg-secondary"};
const EXPORTING = ["pending", "running"];
let table = null;
let currentJob = null;
// Set when the person pressed Cancel and the job has not ended yet: progress then reads "Cancelling…".
let cancelRequested = false;

// The status line of a job: its state and rows, or "Cancelling…" while a cancel is on its way.
function statusText(state) {
  const rows = `${formatNumber(state.rows_done)} of ${formatNumber(state.rows)} rows`;
  if (cancelRequested && !FINISHED.includes(state.status)) return `Cancelling… (${rows} written)`;
  return `${state.status}: ${rows}`;
}

// ---- generate, follow, cancel ----------------------------------------------------------------------------------

function jobBody() {
  const body = {rows: Number($("#rows").value), locale: $("#locale").value};
  if ($("#seed").value !== "") body.seed = Number($("#seed").value);
  const mode = $('input[name="mode"]:checked');
  if (mode) body.mode = mode.value;
  const {ai} = aiOptions();
  if (ai) body.ai = ai;
  return body;
}

function showFieldErrors(error) {
  $$("#job-form .is-invalid").forEach((n) => n.classList.remove("is-invalid"));
  let placed = false;
  for (const {location, message} of error.errors ?? []) {
    const input = {rows: $("#rows"), seed: $("#seed"), "ai.base_url": $("#ai-job-base-url")}[location];
    if (input?.id === "ai-job-base-url") $("#ai-job-model").open = true;  // the box is inside the folded section
    if (input) {
      input.classList.add("is-invalid");
      $(`#${input.id}-error`).textContent = message;
      if (!placed) input.focus();
      placed = true;
    }
  }
  if (!placed) say($("#job-status"), error.message, "error");
  else $("#job-status").classList.add("d-none");
}

async function startJob({download}) {
  $$("#job-form .is-invalid").forEach((n) => n.classList.remove("is-invalid"));
  const {problem} = aiOptions();
  if (problem) { showFieldErrors({errors: [{location: "ai.base_url", message: problem}]}); return; }
  say($("#job-status"), "Starting…");
  try {
    const job = await api("POST", `/tables/${tableId}/jobs`, jobBody());
    $("#job-status").classList.add("d-none");
    const finished = await follow(job);
    await loadRows();  // a cancelled or failed job keeps the rows it wrote before it ended
    if (finished.status === "completed") {
      toast(`${formatNumber(finished.rows_done)} rows generated in ${table.table_name}.`);
      if (download) await exportAndDownload($("#download-format").value, finished);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) showFieldErrors(error);
    else say($("#job-status"), error.message, "error");
  }
}

$("#job-form").addEventListener("submit", (event) => { event.preventDefault(); startJob({download: false}); });
$("#generate-download").addEventListener("click", () => startJob({download: true}));
$("#download-format").addEventListener("change", () => {
  $("#bom-box").classList.toggle("d-none", $("#download-format").value !== "csv");
  $("#sql-box")?.classList.toggle("d-none", $("#download-format").value !== "sql");
});

// The SQL script's dialect (API: sql_dialect, sql_copy; CLI: --dialect, --copy); COPY is PostgreSQL's only.
const DIALECTS = {postgres: "PostgreSQL", mysql: "MySQL", sqlite: "SQLite"};
function sqlOptions() {
  const dialect = $("#sql-dialect")?.value ?? "postgres";
  const copy = dialect === "postgres" && Boolean($("#sql-copy")?.checked);
  return {sql_dialect: dialect, ...(copy ? {sql_copy: true} : {})};
}
function showSqlChoice() {
  if (!$("#sql-dialect")) return;
  const {sql_dialect: dialect, sql_copy: copy} = sqlOptions();
  $("#sql-copy-box").classList.toggle("d-none", dialect !== "postgres");
  const label = $('.export-btn[data-format="sql"] .export-label');
  if (label) label.textContent = `SQL (${DIALECTS[dialect]}${copy ? ", COPY" : ""})`;
}
$("#sql-dialect")?.addEventListener("change", showSqlChoice);
$("#sql-copy")?.addEventListener("change", showSqlChoice);
showSqlChoice();

// Progress from the job's server-sent events; the ETA comes from the rate since the first rows arrived.
function follow(job) {
  currentJob = job;
  cancelRequested = false;
  $("#job-title").textContent = "Progress";
  $("#job").classList.remove("d-none");
  $("#export-buttons").classList.add("d-none");
  $("#export-status").classList.add("d-none");
  $("#job-report").replaceChildren();
  $("#cancel-job").disabled = false;
  $("#cancel-job").classList.remove("d-none");
  $("#job-bar").classList.remove(...Object.values(FINISHED_BAR));
  $("#job-bar").classList.add("progress-bar-striped", "progress-bar-animated");
  let firstSeen = null;
  const show = (state) => {
    currentJob = state;
    setBar($("#job-bar"), state.rows ? state.rows_done / state.rows : 0);
    let text = statusText(state);
    if (state.status === "running" && state.rows_done > 0 && !cancelRequested) {
      const now = performance.now();
      if (!firstSeen) firstSeen = {at: now, rows: state.rows_done};
      const rate = (state.rows_done - firstSeen.rows) / ((now - firstSeen.at) / 1000);
      if (rate > 0) text += `, about ${formatSeconds((state.rows - state.rows_done) / rate)} left`;
    }
    if (state.reason) text += ` (${state.reason})`;
    $("#job-text").textContent = text;
  };
  return followState(`/jobs/${job.id}`, "job", (state) => FINISHED.includes(state.status), {onState: show})
    .then((state) => { finish(state); return state; });
}

function finish(state) {
  $("#cancel-job").classList.add("d-none");
  // A finished job's bar is plain and coloured by its outcome, so it no longer looks like work in progress.
  $("#job-bar").classList.remove("progress-bar-striped", "progress-bar-animated");
  $("#job-bar").classList.add(FINISHED_BAR[state.status]);
  $("#job-report").replaceChildren(window.jobReport.renderJobReport(state, document));
  $("#report-card").classList.remove("d-none");
  $("#report-link").classList.remove("d-none");
  $("#export-buttons").classList.toggle("d-none", state.status !== "completed");
  if (state.status === "failed") toast(`The job failed: ${state.reason}`, "error");
}

// "Cancelling…" shows before the request goes out: the job's stream may report "cancelled" before the
// request's own answer arrives, and that last word must stay on the page.
$("#cancel-job").addEventListener("click", async () => {
  $("#cancel-job").disabled = true;
  cancelRequested = true;
  $("#job-text").textContent = statusText(currentJob);
  try { await api("POST", `/jobs/${currentJob.id}/cancel`); }
  catch (error) {
    cancelRequested = false;
    $("#job-text").textContent = error.message;
    $("#cancel-job").disabled = false;
  }
});

// ---- export and download -----------------------------------------------------------------------------------------

async function exportAndDownload(format, job) {
  const status = $("#export-status");
  say(status, `Preparing the ${format.toUpperCase()} file…`);
  const body = {format, job_id: job.id};
  if (format === "csv" && $("#excel-bom").checked) body.csv_excel_bom = true;
  if (format === "sql") Object.assign(body, sqlOptions());
  try {
    const requested = await api("POST", `/tables/${tableId}/exports`, body);
    // pending, then running with the rows written so far (a crashed exporter's work is taken over: it goes on),
    // followed through the export's events: the file downloads the moment it is ready.
    const exported = await followState(`/exports/${requested.id}`, "export", (state) => !EXPORTING.includes(state.status), {
      onState: (state) => {
        if (state.status !== "running" || !state.rows_total) return;
        const written = state.rows_written || 0;
        say(status, `Writing the ${format.toUpperCase()} file: ${written.toLocaleString()} of ${state.rows_total.toLocaleString()} rows…`);
        $("#export-progress").classList.remove("d-none");
        setBar($("#export-bar"), written / state.rows_total);
      },
    });
    $("#export-progress").classList.add("d-none");
    await loadExports();
    if (exported.status !== "completed") { say(status, `The export failed: ${exported.reason}`, "error"); return; }
    say(status, `Your ${format.toUpperCase()} file is downloading.`, "success");
    const link = element("a", {attrs: {href: `/api/v1/exports/${exported.id}/download`, download: ""}});
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) { say(status, error.message, "error"); }
}

$$(".export-btn").forEach((button) => button.addEventListener("click", () => exportAndDownload(button.dataset.format, currentJob)));

async function loadExports() {
  const {items} = await api("GET", `/tables/${tableId}/exports?limit=10`);
  const box = $("#exports-box");
  if (!items.length) { box.replaceChildren(element("p", {className: "small text-body-secondary mb-0", text: "No exports yet: generate rows, then download them."})); return; }
  box.replaceChildren(element("ul", {className: "list-unstyled mb-0"}, ...items.map((e) => {
    const item = element("li", {className: "d-flex flex-wrap align-items-center gap-2 mb-2"},
      element("span", {className: "badge text-bg-light border text-uppercase", text: e.format}),
      element("span", {className: "small", text: `${e.rows !== null ? formatNumber(e.rows) + " rows" : ""} · ${new Date(e.created_at).toLocaleString()}`}));
    if (e.status === "completed") {
      item.append(element("a", {className: "btn btn-sm btn-success ms-auto", text: "Download",
        attrs: {href: `/api/v1/exports/${e.id}/download`, download: "", "aria-label": `Download the ${e.format} export of ${new Date(e.created_at).toLocaleString()}`}}));
    } else item.append(element("span", {className: `badge status-badge-${e.status} ms-auto`, text: e.status}));
    return item;
  })));
}

// ---- data browser -----------------------------------------------------------------------------------------------

const browse = {offset: 0, sort: null, order: "asc", filters: {}};
let filterTimer = null;

function buildHead(columns) {
  const head = $("#data-table").tHead;
  const names = element("tr");
  const filters = element("tr", {className: "filters"});
  for (const column of columns) {
    const sorted = browse.sort === column.name;
    const button = element("button", {className: "btn btn-link btn-sm p-0 fw-semibold text-decoration-none text-nowrap", attrs: {type: "button"}},
      column.name, element("i", {className: `bi ms-1 ${sorted ? (browse.order === "asc" ? "bi-sort-up" : "bi-sort-down") : "bi-arrow-down-up text-body-tertiary"}`, attrs: {"aria-hidden": "true"}}));
    button.addEventListener("click", () => {
      browse.order = browse.sort === column.name && browse.order === "asc" ? "desc" : "asc";
      browse.sort = column.name;
      browse.offset = 0;
      loadRows();
    });
    names.append(element("th", {attrs: {scope: "col", "aria-sort": sorted ? (browse.order === "asc" ? "ascending" : "descending") : "none"}}, button));
    const input = element("input", {className: "form-control form-control-sm", attrs: {type: "search", "aria-label": `Filter ${column.name}`, placeholder: "filter"}});
    input.value = browse.filters[column.name] ?? "";
    input.addEventListener("input", () => {
      browse.filters[column.name] = input.value;
      browse.offset = 0;
      clearTimeout(filterTimer);
      filterTimer = setTimeout(loadRows, 300);
    });
    filters.append(element("td", {}, input));
  }
  head.replaceChildren(names, filters);
}

let headBuilt = "";
async function loadRows() {
  const size = Number($("#data-size").value);
  const params = new URLSearchParams({offset: String(browse.offset), limit: String(size), order: browse.order});
  if (browse.sort) params.set("sort", browse.sort);
  for (const [name, value] of Object.entries(browse.filters)) if (value.trim()) params.set(`filter.${name}`, value.trim());
  try {
    const page = await api("GET", `/tables/${tableId}/rows?${params}`);
    const signature = JSON.stringify([page.columns, browse.sort, browse.order]);
    if (signature !== headBuilt) { buildHead(page.columns); headBuilt = signature; }
    const body = $("#data-table").tBodies[0];
    if (!page.rows.length) {
      const filtered = Object.values(browse.filters).some((v) => v.trim());
      body.replaceChildren(element("tr", {}, element("td", {className: "text-body-secondary", text: filtered ? "No row matches these filters." : "No rows yet: generate some.", attrs: {colspan: String(page.columns.length)}})));
    } else {
      body.replaceChildren(...page.rows.map((row) => element("tr", {}, ...row.map((value) =>
        value === null ? element("td", {className: "null-value", text: "empty"}) : element("td", {text: value, attrs: {title: value}})))));
    }
    const last = Math.min(page.offset + page.rows.length, page.total);
    $("#data-count").textContent = `${formatNumber(page.total)} rows${Object.values(browse.filters).some((v) => v.trim()) ? " match" : ""}`;
    $("#data-page").textContent = page.total ? `${formatNumber(page.offset + 1)}–${formatNumber(last)} of ${formatNumber(page.total)}` : "";
    $("#data-prev").disabled = page.offset === 0;
    $("#data-next").disabled = last >= page.total;
  } catch (error) {
    $("#data-count").textContent = error.message;
  }
}
$("#data-prev").addEventListener("click", () => { browse.offset = Math.max(0, browse.offset - Number($("#data-size").value)); loadRows(); });
$("#data-next").addEventListener("click", () => { browse.offset += Number($("#data-size").value); loadRows(); });
$("#data-size").addEventListener("change", () => { browse.offset = 0; loadRows(); });

// ---- definition and versions ------------------------------------------------------------------------------------

async function loadDefinition() {
  table = await api("GET", `/tables/${tableId}`);
  $("#definition").replaceChildren(window.fieldGenerators.renderFieldValues(table, document));
  const {items} = await api("GET", `/tables/${tableId}/versions`);
  $("#versions").replaceChildren(...items.slice().reverse().map((v) => {
    const node = clone("version-template");
    $(".v-title", node).textContent = `Version ${v.version}${v.version === table.version ? " (current)" : ""}`;
    $(".v-when", node).textContent = new Date(v.created_at).toLocaleString();
    $(".v-changes", node).replaceChildren(...(v.changes.length ? v.changes : ["created"]).map((c) => element("li", {text: c})));
    const restore = $(".v-restore", node);
    if (v.version !== table.version && table.status === "created") {
      restore.classList.remove("d-none");
      restore.setAttribute("aria-label", `Restore version ${v.version}`);
      restore.addEventListener("click", () => restoreVersion(v.version));
    }
    return node;
  }));
  await loadMigrations();
}

// The migration log: what the schema service did to the real table, applied or rolled back (and why).
const ACTIONS = {create: "Created", alter: "Changed", restore: "Restored", drop: "Dropped"};
const OUTCOMES = {applied: ["applied", "text-bg-success"], adopted: ["already in place", "text-bg-secondary"], rolled_back: ["rolled back", "text-bg-danger"]};

async function loadMigrations() {
  const {items} = await api("GET", `/tables/${tableId}/migrations`);
  if (!items.length) {
    $("#migrations").replaceChildren(element("li", {className: "small text-body-secondary", text: "No migration recorded yet."}));
    return;
  }
  $("#migrations").replaceChildren(...items.map((m) => {
    const node = clone("migration-template");
    const versions = [m.from_version, m.to_version].filter((v) => v !== null).map((v) => `version ${v}`).join(" → ");
    $(".m-title", node).textContent = `${ACTIONS[m.action]} · ${versions}`;
    const [outcome, style] = OUTCOMES[m.status];
    $(".m-status", node).textContent = outcome;
    $(".m-status", node).classList.add(style);
    node.classList.add(m.status === "rolled_back" ? "border-danger" : "border-success-subtle");
    const when = new Date(m.recorded_at);
    $(".m-when", node).textContent = when.toLocaleString() + (m.seconds > 0 ? ` · took ${formatSeconds(m.seconds)}` : "");
    $(".m-when", node).title = m.recorded_at;
    $(".m-changes", node).replaceChildren(...m.changes.map((c) => element("li", {text: c})));
    if (m.reason) {
      $(".m-reason", node).textContent = `Why: ${m.reason}`;
      $(".m-reason", node).classList.remove("d-none");
    }
    return node;
  }));
}

async function restoreVersion(version) {
  const status = $("#restore-status");
  say(status, `Restoring version ${version}…`);
  try {
    const before = table.version;
    await api("POST", `/tables/${tableId}/versions/${version}/restore`, {expected_version: before});
    const done = await settledTable(tableId);
    if (done.version > before) say(status, `Version ${version} is back, as version ${done.version}.`, "success");
    else say(status, `The restore was refused: ${done.reason ?? done.status}`, "error");
    await loadDefinition();
    headBuilt = "";
    await loadRows();
  } catch (error) { say(status, error.message, "error"); }
}

$("#drop-table").addEventListener("click", async () => {
  if (!window.confirm(`Drop ${table.table_name} and all its rows? Its history is kept.`)) return;
  try {
    await api("DELETE", `/tables/${tableId}`);
    say($("#drop-status"), "Dropping the table…");
    const done = await settledTable(tableId);
    if (done.status === "dropped") window.location.assign("/");
    else say($("#drop-status"), done.reason ?? `The table is ${done.status}.`, "error");
  } catch (error) { say($("#drop-status"), error.message, "error"); }
});

// ---- start --------------------------------------------------------------------------------------------------------

async function start() {
  const params = new URLSearchParams(window.location.search);
  if (params.get("rows")) $("#rows").value = params.get("rows");
  const [catalogue] = await Promise.all([api("GET", "/generators/catalogue"), loadDefinition()]);
  $("#locale").replaceChildren(...catalogue.locales.map((l) => element("option", {text: l, attrs: {value: l}})));
  $("#locale").value = "en_US";
  await Promise.all([loadRows(), loadExports()]);
  // A job still running (started here or elsewhere) is followed again.
  const {items} = await api("GET", `/jobs?table_id=${tableId}`);
  const running = items.find((job) => !FINISHED.includes(job.status));
  if (running) follow(running).then(loadRows);
  else if (items.length) {
    // The last job's report (time, fallbacks, constraint report) and its export buttons stay at hand.
    currentJob = items[0];
    $("#job").classList.remove("d-none");
    $("#job-title").textContent = "Last job";
    setBar($("#job-bar"), currentJob.rows ? currentJob.rows_done / currentJob.rows : 0);
    $("#job-text").textContent = statusText(currentJob);
    finish(currentJob);
  }
}

start().catch((error) => say($("#job-status"), error.message, "error"));
