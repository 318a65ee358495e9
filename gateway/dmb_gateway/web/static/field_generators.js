// What makes each field's values, as the API reports it (a table's `generators`, or POST /tables/generators for
// the design form): a one-line hint under each field row, and a field list for a saved table. Field names and
// instructions are user data, so nodes are built with createElement and textContent only, never innerHTML.
// Plain functions of their inputs and a document, so tests run them under Node.js with a stand-in document.
(function (root) {
  // "values: faker city() (inferred from its name and type)": the API words the summary and its source.
  const hint = (generator) => `values: ${generator.explanation}`;

  // Each form row gets the hint of the field it names; rows the generators do not name (an empty list when
  // the API refused the definition, a row renamed since the request) get none.
  function showHints(rows, generators) {
    const byName = new Map(generators.map((generator) => [generator.name, generator]));
    rows.forEach((row) => {
      const generator = byName.get(row.querySelector(".f-name").value.trim());
      row.querySelector(".f-values").textContent = generator ? hint(generator) : "";
    });
  }

  function element(doc, tag, className, content) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  // A saved table's fields with their types and values, in field order (the History card shows it).
  function renderFieldValues(table, doc) {
    const types = new Map(table.spec.fields.map((field) => [field.name, field.type]));
    const node = element(doc, "table", "table table-sm small mb-0 field-values");
    node.append(element(doc, "caption", "caption-top py-1", `Fields of version ${table.version} and their values`));
    const head = element(doc, "tr");
    ["Field", "Type", "Values"].forEach((name) => head.append(element(doc, "th", "", name)));
    const thead = element(doc, "thead");
    thead.append(head);
    const tbody = element(doc, "tbody");
    (table.generators ?? []).forEach((generator) => {
      const row = element(doc, "tr");
      const values = element(doc, "td", "text-break", generator.summary);
      values.append(element(doc, "span", "text-body-secondary", ` (${generator.source_text})`));
      if (generator.fallback_summary) {
        values.append(element(doc, "div", "text-body-secondary", `if the AI step fails: ${generator.fallback_summary}`));
      }
      // A name of up to 20 characters stays whole (the auto layout broke "opened" into "opene d" beside long
      // values); a longer one may wrap anywhere so the table still fits a phone.
      const nameWrap = generator.name.length <= 20 ? "text-nowrap" : "text-break";
      row.append(element(doc, "td", `${nameWrap} font-monospace`, generator.name),
                 element(doc, "td", "", types.get(generator.name) ?? ""), values);
      tbody.append(row);
    });
    node.append(thead, tbody);
    return node;
  }

  const api = {hint, showHints, renderFieldValues};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.fieldGenerators = api;
})(this);
