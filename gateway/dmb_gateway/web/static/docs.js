// Swagger UI on /docs, from the vendored swagger-ui-dist (no CDN, no inline script: the CSP allows neither).
"use strict";
window.addEventListener("load", () => {
  window.ui = window.SwaggerUIBundle({
    url: document.body.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
