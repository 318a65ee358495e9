// A finished job's summary below its progress: time, generator version and seed, fallbacks, constraint report
// (`dmb generate` prints the same, see libs/cli/dmb_cli/job_report.py). Every value may come from user data
// (field names, text minima), so nodes are built with createElement and textContent only, never innerHTML.
// Plain functions of a job and a document, so tests run them under Node.js with a small stand-in document.
(function (root) {
  // The report's lines for unique indexes are named so (no field name has a space): they come after the fields.
  const INDEX_PREFIX = "unique index ";
  // A min or max longer than this (a text column's, say) is cut with an ellipsis; the cell's title keeps it whole.
  const VALUE_WIDTH = 40;

  // "in 1.23 s: rows 1.01 s, constraint report 0.22 s", or just the total from an older generator; "" with no time.
  function timing(job) {
    if (job.seconds === null || job.seconds === undefined) return "";
    const total = `in ${job.seconds.toFixed(2)} s`;
    if (job.rows_seconds === null || job.rows_seconds === undefined || job.report_seconds === null
        || job.report_seconds === undefined) return total;
    return `${total}: rows ${job.rows_seconds.toFixed(2)} s, constraint report ${job.report_seconds.toFixed(2)} s`;
  }

  // How many rows the report counted, for the nulls' percentage: the whole table, which may hold rows of
  // earlier jobs. Generators since 1.2 say (table_rows); for older jobs each bound below is at most that count,
  // and the largest is exact for a table the job filled, or one with a unique index or an all-distinct field.
  function reportedRows(job) {
    if (job.table_rows !== null && job.table_rows !== undefined) return job.table_rows;
    return Math.max(job.rows, ...(job.report ?? []).map((line) => line.nulls + (line.distinct ?? 0)
      // An index line's violations are rows repeating a combination, so they complete its count; a field's
      // are rows breaking a constraint, already counted among its nulls or values.
      + (line.name.startsWith(INDEX_PREFIX) ? line.violations : 0)));
  }

  const text = (value) => (value === null || value === undefined ? "" : String(value));
  const short = (value) => (value.length <= VALUE_WIDTH ? value : `${value.slice(0, VALUE_WIDTH - 1)}…`);

  // The report as plain rows, fields first then unique indexes: what the table shows, cell by cell.
  function reportRows(job) {
    const rows = reportedRows(job);
    const lines = job.report ?? [];
    const isIndex = (line) => line.name.startsWith(INDEX_PREFIX);
    return [...lines.filter((line) => !isIndex(line)), ...lines.filter(isIndex)].map((line) => ({
      field: isIndex(line) ? line.name.slice(INDEX_PREFIX.length) : line.name,
      index: isIndex(line),
      nulls: `${line.nulls}` + (rows ? ` (${((100 * line.nulls) / rows).toFixed(1)}%)` : ""),
      distinct: text(line.distinct),
      min: text(line.min),
      max: text(line.max),
      violations: line.violations,
    }));
  }

  function element(doc, tag, className, content) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function reportTable(doc, job) {
    const table = element(doc, "table", "table table-sm table-bordered small mb-0 job-report-table");
    table.append(element(doc, "caption", "caption-top py-1", "Constraint report"));
    const head = element(doc, "tr");
    ["Field", "Nulls", "Distinct", "Min", "Max", "Violations"].forEach((name) => head.append(element(doc, "th", "", name)));
    const thead = element(doc, "thead");
    thead.append(head);
    const tbody = element(doc, "tbody");
    reportRows(job).forEach((row) => {
      const tr = element(doc, "tr", row.index ? "table-light job-report-index" : "");
      const field = element(doc, "td", "text-break");
      if (row.index) field.append(element(doc, "span", "badge text-bg-secondary me-1", "unique index"));
      field.append(element(doc, "span", row.index ? "fst-italic" : "", row.field));
      tr.append(field, element(doc, "td", "text-end text-nowrap", row.nulls), element(doc, "td", "text-end", row.distinct));
      for (const value of [row.min, row.max]) {
        const cell = element(doc, "td", "text-break", short(value));
        if (value.length > VALUE_WIDTH) cell.title = value;
        tr.append(cell);
      }
      tr.append(element(doc, "td", `text-end fw-semibold ${row.violations > 0 ? "table-danger" : "text-success"}`,
        String(row.violations)));
      tbody.append(tr);
    });
    table.append(thead, tbody);
    const scroll = element(doc, "div", "table-responsive");
    // Focusable, so a keyboard can scroll it sideways on a narrow screen.
    scroll.tabIndex = 0;
    scroll.ariaLabel = "Constraint report";
    scroll.append(table);
    return scroll;
  }

  // One job's section; `title` names its table in a batch (one section per table).
  function renderJobReport(job, doc, title) {
    const section = element(doc, "section", "job-report mt-2");
    if (title) section.append(element(doc, "h3", "h6 mb-1", title));
    const facts = [job.seconds !== null && job.seconds !== undefined ? `${job.status} ${timing(job)}` : job.status];
    if (job.generator_version) facts.push(`generator ${job.generator_version}`);
    if (job.seed !== null && job.seed !== undefined) facts.push(`seed ${job.seed}`);
    section.append(element(doc, "div", "small text-body-secondary job-report-facts", facts.join(" · ")));
    if ((job.fallbacks ?? []).length) {
      const box = element(doc, "div", "alert alert-warning small py-2 my-2 job-report-fallbacks");
      box.append(element(doc, "strong", "", "Fallbacks (fields not generated as defined):"));
      const list = element(doc, "ul", "mb-0");
      job.fallbacks.forEach((reason) => list.append(element(doc, "li", "", reason)));
      box.append(list);
      section.append(box);
    }
    if ((job.report ?? []).length) section.append(reportTable(doc, job));
    return section;
  }

  const api = {timing, reportedRows, reportRows, renderJobReport};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.jobReport = api;
})(this);
