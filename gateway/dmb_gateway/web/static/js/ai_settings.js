// The AI model settings page: PUT/DELETE /api/v1/ai/settings. The key is write-only: the page never holds it
// after saving (the box is emptied), and the API answers only whether one is set and its last 4 characters.
import {api, ApiError} from "./api.js";
import {$, $$, element, say} from "./dom.js";

const status = $("#ai-status");
const inputs = {base_url: $("#ai-base-url"), model: $("#ai-model"), api_key: $("#ai-key")};

function clearErrors() {
  $$("#ai-form .is-invalid").forEach((n) => { n.classList.remove("is-invalid"); n.removeAttribute("aria-invalid"); });
}

function showErrors(error) {
  clearErrors();
  let first = null;
  for (const {location, message} of error.errors ?? []) {
    const input = inputs[location];
    if (!input) continue;
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    $(`#${input.id}-error`).textContent = message;
    first ??= input;
  }
  if (first) { first.focus(); say(status, "Fix the highlighted field.", "error"); }
  else say(status, error.message, "error");
}

// The page as the API now describes it (after a save, a key removal or forgetting).
function show(settings) {
  const own = settings.source === "user";
  const source = $("#ai-source");
  source.replaceChildren();
  if (own) source.append(element("i", {className: "bi bi-check-circle-fill text-success me-1", attrs: {"aria-hidden": "true"}}), "Your own settings answer you.");
  else if (settings.source === "platform") source.append(element("i", {className: "bi bi-info-circle me-1", attrs: {"aria-hidden": "true"}}), "You use the platform's model ", element("strong", {text: settings.model}), ". Save your own below to use another.");
  else source.append(element("i", {className: "bi bi-exclamation-triangle-fill text-warning-emphasis me-1", attrs: {"aria-hidden": "true"}}), "No AI model is set up yet: AI fields fall back to Faker and the AI helpers are unavailable until you save a model here.");
  inputs.base_url.value = own ? settings.base_url ?? "" : "";
  inputs.model.value = own ? settings.model ?? "" : "";
  inputs.api_key.value = "";
  const keySet = own && settings.api_key_set;
  $("#ai-key-state").textContent = keySet
    ? `A key is set${settings.api_key_last4 ? `, ending with …${settings.api_key_last4}` : ""}. Leave this empty to keep it; type a new one to replace it. Stored encrypted; never shown again.`
    : "No key is set. A local server needs none. Stored encrypted; never shown again.";
  inputs.api_key.placeholder = keySet ? `set${settings.api_key_last4 ? `, ends with …${settings.api_key_last4}` : ""}` : "not set";
  $("#ai-remove-key").classList.toggle("d-none", !keySet);
  $("#ai-forget").classList.toggle("d-none", !own);
}

async function save(extra = {}) {
  clearErrors();
  const body = {model: inputs.model.value.trim(), ...extra};
  if (inputs.base_url.value.trim()) body.base_url = inputs.base_url.value.trim();
  if (inputs.api_key.value !== "" && !extra.clear_api_key) body.api_key = inputs.api_key.value;
  if (!body.model) {
    showErrors({errors: [{location: "model", message: "Name the model, e.g. gpt-4o-mini (a local server accepts any name)."}]});
    return;
  }
  say(status, "Saving…");
  try {
    show(await api("PUT", "/ai/settings", body));
    say(status, extra.clear_api_key ? "The key is removed." : "Saved. Your jobs, suggestions and designs use this model now.", "success");
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) showErrors(error);
    else say(status, error.message, "error");
  }
}

$("#ai-form").addEventListener("submit", (event) => { event.preventDefault(); save(); });
$("#ai-remove-key").addEventListener("click", () => save({clear_api_key: true}));
$("#ai-forget").addEventListener("click", async () => {
  try {
    await api("DELETE", "/ai/settings");
    show(await api("GET", "/ai/settings"));
    say(status, "Your settings are forgotten.", "success");
  } catch (error) { say(status, error.message, "error"); }
});
