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

// Follow a table, job or export (`path`, e.g. "/exports/<id>") through its server-sent events until `done(state)`:
// each state goes to `onState` as the gateway learns it, with no polling delay. Should the stream not open or
// break off, it polls every 300 ms instead. Gives up (ApiError) after `within` ms.
export function followState(path, event, done, {onState = () => {}, within = 0} = {}) {
  const deadline = within ? Date.now() + within : Infinity;
  const tooLong = () => new ApiError("This is taking unusually long; it will show up when ready.", 0, []);
  return new Promise((resolve, reject) => {
    const source = new EventSource(`/api/v1${path}/events`);
    const timer = within ? setTimeout(() => { source.close(); reject(tooLong()); }, within) : null;
    const settle = (state) => { clearTimeout(timer); resolve(state); };
    source.addEventListener(event, (message) => {
      const state = JSON.parse(message.data);
      onState(state);
      if (done(state)) { source.close(); settle(state); }
    });
    source.onerror = async () => {
      source.close();
      try {
        for (;;) {
          const state = await api("GET", path);
          onState(state);
          if (done(state)) return settle(state);
          if (Date.now() > deadline) throw tooLong();
          await sleep(300);
        }
      } catch (error) { clearTimeout(timer); reject(error); }
    };
  });
}

// A table once the schema service has acted on it (created, altered, rejected, dropped).
export function settledTable(id, {within = 60000} = {}) {
  return followState(`/tables/${id}`, "table", (table) => !["pending", "altering", "dropping"].includes(table.status), {within});
}
