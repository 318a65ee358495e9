// Every page: HTMX requests carry the CSRF token like fetch does; a failed or expired export can be retried.
import {api, csrfToken} from "./api.js";
import {toast} from "./dom.js";

document.body.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRF-Token"] = csrfToken();
});

document.body.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-retry-export]");
  if (!button) return;
  button.disabled = true;
  try {
    await api("POST", `/exports/${button.dataset.retryExport}/retry`);
    toast("The export was asked again; it shows in the list when ready.");
    window.setTimeout(() => window.location.reload(), 1500);
  } catch (error) {
    toast(error.message, "error");
    button.disabled = false;
  }
});
