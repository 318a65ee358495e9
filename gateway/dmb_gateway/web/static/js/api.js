// The pages talk to the same REST API as the CLI, with JSON bodies and the CSRF token of the page's <meta>.
export const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

// An API error carries the server's message and its per-location errors ({location, message}).
export class ApiError extends Error {
  constructor(message, status, errors) {
    super(message);
    this.status = status;
    this.errors = errors ?? [];
  }
}

export async function api(method, path, body) {
  const headers = {"X-CSRF-Token": csrfToken()};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  } catch {
    throw new ApiError("The server cannot be reached. Check that DMB is running, then try again.", 0, []);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(data?.message ?? `The server answered ${response.status}.`, response.status, data?.errors);
  }
  return data;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Poll a table until the schema service has acted on it (created, altered, rejected).
export async function settledTable(id, {within = 60000} = {}) {
  const deadline = Date.now() + within;
  for (;;) {
    const table = await api("GET", `/tables/${id}`);
    if (!["pending", "altering", "dropping"].includes(table.status)) return table;
    if (Date.now() > deadline) throw new ApiError("The table is taking unusually long; it will show up when ready.", 0, []);
    await sleep(200);
  }
}
