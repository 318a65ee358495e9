// Several tables in one go: one job per table (parents first, as the API orders them), then one workbook.
import {aiOptions, showAiError} from "./ai_job_options.js";
import {api, ApiError, followState, sleep} from "./api.js";
import {$, $$, clone, element, formatNumber, say, setBar, toast} from "./dom.js";

const FINISHED = ["completed", "failed", "cancelled"];
// A browser opens at most six connections to a server over HTTP/1.1, event streams included: a bigger batch
// polls its jobs instead of holding every connection the page has.
const MAX_STREAMS = 4;
const rows = $$(".batch-row");
const params = new URLSearchParams(window.location.search);

// ?t=<table id>:<rows> preselects tables and their rows (the builder's "generate and download" link).
for (const entry of params.getAll("t")) {
  const [id, count] = entry.split(":");
  const row = rows.find((r) => r.dataset.tableId === id);
  if (!row) continue;
  $(".b-pick", row).checked = true;
  if (count) $(".b-rows", row).value = count;
}
if (!params.getAll("t").length && rows.length <= 3) rows.forEach((row) => { $(".b-pick", row).checked = true; });

const picked = () => rows.filter((row) => $(".b-pick", row).checked);

async function run({download}) {
  const status = $("#batch-status");
  const chosen = picked();
  if (!chosen.length) { say(status, "Tick at least one table to fill.", "error"); return; }
  const body = {tables: chosen.map((row) => ({table_id: row.dataset.tableId, rows: Number($(".b-rows", row).value)})),
    locale: $("#batch-locale").value};
  if ($("#batch-seed").value !== "") body.seed = Number($("#batch-seed").value);
  $$(".is-invalid").forEach((n) => n.classList.remove("is-invalid"));
  const {ai, problem} = aiOptions();
  if (problem) { showAiError("ai.base_url", problem); say(status, problem, "error"); return; }
  if (ai) body.ai = ai;
  say(status, "Starting…");
  let batch;
  try {
    batch = await api("POST", "/jobs", body);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      // tables.N.rows → that table's rows box.
      for (const e of error.errors) {
        const match = /^tables\.(\d+)\.rows$/.exec(e.location);
        if (match) $(".b-rows", chosen[Number(match[1])]).classList.add("is-invalid");
        showAiError(e.location, e.message);
      }
    }
    say(status, error.message, "error");
    return;
  }
  status.classList.add("d-none");
  const names = Object.fromEntries(rows.map((row) => [row.dataset.tableId, row.dataset.tableName]));
  $("#batch-progress").classList.remove("d-none");
  $("#batch-result").replaceChildren();
  $("#batch-reports").replaceChildren();
  const bars = batch.jobs.map((job) => {
    const node = clone("batch-job-template");
    $(".bj-name", node).textContent = names[job.table_id];
    $(".bj-name", node).href = `/tables/${job.table_id}`;
    $(".progress", node).setAttribute("aria-label", `Rows generated in ${names[job.table_id]}`);
    return node;
  });
  $("#batch-jobs").replaceChildren(...bars);
  const show = (state, i) => {
    setBar($(".bj-bar", bars[i]), state.rows ? state.rows_done / state.rows : 0);
    $(".bj-text", bars[i]).textContent = `${state.status}: ${formatNumber(state.rows_done)} of ${formatNumber(state.rows)}`;
  };
  let states;
  if (batch.jobs.length <= MAX_STREAMS) {
    // Each job's events: the report (and the workbook) come the moment the last job ends, not at the next poll.
    states = await Promise.all(batch.jobs.map((job, i) =>
      followState(`/jobs/${job.job_id}`, "job", (state) => FINISHED.includes(state.status), {onState: (state) => show(state, i)})));
  } else {
    for (;;) {
      states = await Promise.all(batch.jobs.map((job) => api("GET", `/jobs/${job.job_id}`)));
      states.forEach(show);
      if (states.every((s) => FINISHED.includes(s.status))) break;
      await sleep(400);
    }
  }
  $("#batch-reports").replaceChildren(...states.map((s) => window.jobReport.renderJobReport(s, document, names[s.table_id])));
  const failed = states.filter((s) => s.status !== "completed");
  if (failed.length) {
    say(status, `${failed.map((s) => `${names[s.table_id]}: ${s.status}${s.reason ? ` (${s.reason})` : ""}`).join("; ")}`, "error");
    return;
  }
  toast(`${states.map((s) => `${formatNumber(s.rows_done)} ${names[s.table_id]}`).join(" + ")} rows generated.`);
  if (download) await workbook(batch.jobs.map((job) => job.table_id));
}

async function workbook(tables) {
  const result = $("#batch-result");
  const line = element("div", {className: "small", attrs: {role: "status"}});
  result.replaceChildren(line);
  say(line, "Preparing the workbook…");
  try {
    const requested = await api("POST", "/exports", {tables, format: "xlsx"});
    const exported = await followState(`/exports/${requested.id}`, "export", (state) => !["pending", "running"].includes(state.status), {
      onState: (state) => {
        if (state.status === "running" && state.rows_total) {
          say(line, `Writing the workbook: ${formatNumber(state.rows_written || 0)} of ${formatNumber(state.rows_total)} rows…`);
        }
      },
    });
    if (exported.status !== "completed") { say(line, `The export failed: ${exported.reason}`, "error"); return; }
    const link = element("a", {className: "btn btn-success", attrs: {href: `/api/v1/exports/${exported.id}/download`, download: ""}},
      element("i", {className: "bi bi-download me-1", attrs: {"aria-hidden": "true"}}), "Download the workbook again");
    say(line, `The workbook (${formatNumber(exported.rows)} rows, a sheet per table) is downloading.`, "success");
    result.append(element("div", {className: "mt-2 d-flex flex-wrap gap-2"}, link,
      ...tables.map((id) => element("a", {className: "btn btn-outline-secondary", text: `Browse ${rows.find((r) => r.dataset.tableId === id)?.dataset.tableName ?? "table"}`, attrs: {href: `/tables/${id}`}}))));
    link.click();
  } catch (error) { say(line, error.message, "error"); }
}

$("#batch-form")?.addEventListener("submit", (event) => { event.preventDefault(); run({download: true}); });
$("#batch-generate")?.addEventListener("click", () => run({download: false}));

api("GET", "/generators/catalogue").then((catalogue) => {
  $("#batch-locale").replaceChildren(...catalogue.locales.map((l) => element("option", {text: l, attrs: {value: l}})));
  $("#batch-locale").value = "en_US";
}).catch(() => {});
