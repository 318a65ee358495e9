// The AI options of a job or a batch (partials/ai_job_options.html): the context, and another model this time
// (base URL, model, key). Empty model boxes: the API uses the user's saved settings, else the platform's.
import {$} from "./dom.js";

// {ai} for the request body (undefined when nothing is set), or {problem} in plain words for ai.base_url.
export function aiOptions() {
  if (!$("#ai-context")) return {ai: undefined};
  const ai = {};
  if ($("#ai-context").value.trim()) ai.context = $("#ai-context").value.trim();
  const baseUrl = $("#ai-job-base-url").value.trim(), model = $("#ai-job-model-name").value.trim(), key = $("#ai-job-key").value;
  if (model && !baseUrl && !key) {
    $("#ai-job-model").open = true;
    return {problem: "Another model needs its endpoint: give its base URL (or, for OpenAI, an API key)."};
  }
  if (baseUrl || key) {
    if (baseUrl) ai.base_url = baseUrl;
    if (model) ai.model = model;
    if (key) ai.api_key = key;
  }
  return {ai: Object.keys(ai).length ? ai : undefined};
}

// Shows an API error at ai.base_url next to the box (opening the section); true when it was one.
export function showAiError(location, message) {
  if (location !== "ai.base_url" || !$("#ai-job-base-url")) return false;
  $("#ai-job-model").open = true;
  $("#ai-job-base-url").classList.add("is-invalid");
  $("#ai-job-base-url-error").textContent = message;
  $("#ai-job-base-url").focus();
  return true;
}
