// DOM from <template>s and textContent only: user data never goes through innerHTML.
export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function clone(templateId) {
  return document.getElementById(templateId).content.firstElementChild.cloneNode(true);
}

export function element(tag, {className, text, attrs} = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [key, value] of Object.entries(attrs ?? {})) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

// A message next to the action it concerns (an element with role="status" or "alert"), in plain words.
export function say(target, message, kind = "info") {
  target.classList.remove("d-none", "text-success", "text-danger", "text-body-secondary", "alert-success", "alert-danger", "alert-info");
  target.classList.add(kind === "error" ? "text-danger" : kind === "success" ? "text-success" : "text-body-secondary");
  target.replaceChildren();
  const icon = kind === "error" ? "exclamation-triangle-fill" : kind === "success" ? "check-circle-fill" : "info-circle";
  target.append(element("i", {className: `bi bi-${icon} me-1`, attrs: {"aria-hidden": "true"}}), message);
}

// A toast for what finishes in the background (a job, an export), in the corner of the screen.
export function toast(message, kind = "success") {
  const node = clone("toast-template");
  node.classList.add(kind === "error" ? "text-bg-danger" : "text-bg-success");
  node.querySelector(".toast-body").textContent = message;
  document.getElementById("toasts").append(node);
  const shown = window.bootstrap.Toast.getOrCreateInstance(node, {delay: 6000});
  node.addEventListener("hidden.bs.toast", () => node.remove());
  shown.show();
}

export const formatNumber = (n) => Number(n).toLocaleString("en-US");

export function formatSeconds(seconds) {
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function setBar(bar, fraction) {
  const percent = Math.max(0, Math.min(100, Math.round(fraction * 100)));
  bar.style.width = `${percent}%`; // CSSOM, which a strict CSP allows (no style= attribute in the markup)
  bar.parentElement.setAttribute("aria-valuenow", String(percent));
}
