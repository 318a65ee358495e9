// The admin page for dead letters: it drives /api/v1/dead-letters, the same API as `dmb dead-letters`.
(() => {
  const $ = (selector) => document.querySelector(selector);
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  const api = async (method, path) => {
    const response = await fetch(`/api/v1/dead-letters${path}`, {
      method, headers: method === "GET" ? {} : {"X-CSRF-Token": csrf()},
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data && data.message ? data.message : `HTTP ${response.status}`);
    return data;
  };
  const say = (message, kind) => {
    const alert = $("#dl-alert");
    alert.className = `alert alert-${kind}`;
    alert.textContent = message;
  };
  const path = (queue, id) => `/${encodeURIComponent(queue)}${id ? `/${encodeURIComponent(id)}` : ""}`;
  let current = null;

  async function loadQueues() {
    const {queues} = await api("GET", "");
    const list = $("#dl-queues");
    list.replaceChildren();
    for (const {queue, count} of queues) {
      const item = $("#dl-queue-template").content.firstElementChild.cloneNode(true);
      item.querySelector(".dl-queue-name").textContent = queue;
      const badge = item.querySelector(".dl-queue-count");
      badge.textContent = String(count);
      badge.classList.add(count ? "text-bg-danger" : "text-bg-secondary");
      item.classList.toggle("active", queue === current);
      item.addEventListener("click", () => openQueue(queue).catch((e) => say(e.message, "danger")));
      list.append(item);
    }
  }

  async function openQueue(queue) {
    current = queue;
    $("#dl-detail").classList.add("d-none");
    const {items} = await api("GET", path(queue));
    $("#dl-queue-title").textContent = `Queue ${queue}`;
    $("#dl-queue-actions").classList.toggle("d-none", items.length === 0);
    $("#dl-empty").classList.toggle("d-none", items.length !== 0);
    $("#dl-table").classList.toggle("d-none", items.length === 0);
    const rows = $("#dl-rows");
    rows.replaceChildren();
    for (const letter of items) {
      const row = $("#dl-row-template").content.firstElementChild.cloneNode(true);
      row.querySelector(".dl-id").textContent = letter.id;
      row.querySelector(".dl-type").textContent = letter.type || "(untyped)";
      row.querySelector(".dl-reason").textContent = letter.reason;
      row.querySelector(".dl-attempts").textContent = String(letter.attempts);
      row.querySelector(".dl-dead-at").textContent = new Date(letter.dead_at).toLocaleString();
      row.querySelector(".dl-show").addEventListener("click", () => act(showLetter(queue, letter.id)));
      row.querySelector(".dl-replay").addEventListener("click", () => act(change("POST", `${path(queue, letter.id)}/replay`)));
      row.querySelector(".dl-discard").addEventListener("click", () => {
        if (confirm("Discard this message for good?")) act(change("DELETE", path(queue, letter.id)));
      });
      rows.append(row);
    }
    await loadQueues();
  }

  async function showLetter(queue, id) {
    const letter = await api("GET", path(queue, id));
    $("#dl-detail-id").textContent = letter.id;
    $("#dl-detail-reason").textContent = letter.reason;
    $("#dl-detail-headers").textContent = JSON.stringify(letter.headers, null, 2);
    $("#dl-detail-body").textContent = letter.body_json === null ? letter.body : JSON.stringify(letter.body_json, null, 2);
    $("#dl-detail").classList.remove("d-none");
  }

  async function change(method, target) {
    const outcome = await api(method, target);
    const done = outcome.replayed ? `${outcome.replayed} replayed` : `${outcome.discarded} discarded`;
    say(`${done} in ${outcome.queue}.`, "success");
    await openQueue(outcome.queue);
  }

  const act = (promise) => promise.catch((e) => say(e.message, "danger"));
  $("#dl-replay-all").addEventListener("click", () => act(change("POST", `${path(current)}/replay`)));
  $("#dl-discard-all").addEventListener("click", () => {
    if (confirm(`Discard every dead letter of ${current} for good?`)) act(change("DELETE", path(current)));
  });
  // ?queue=exporter opens that queue at once (a link from an alert or the runbook).
  const asked = new URLSearchParams(location.search).get("queue");
  act(asked ? openQueue(asked) : loadQueues());
})();
