// Every page: HTMX requests carry the CSRF token like fetch does.
import {csrfToken} from "./api.js";

document.body.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRF-Token"] = csrfToken();
});
