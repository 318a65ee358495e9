// Admin actions on any owner's work call the same REST endpoints as the CLI, with the page's CSRF token.
const adminCsrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
const adminAlert = document.getElementById("admin-alert");

document.querySelectorAll("[data-admin-url]").forEach((button) => {
  button.addEventListener("click", async () => {
    const question = button.dataset.adminConfirm;
    if (question && !window.confirm(question)) return;
    button.disabled = true;
    const response = await fetch(button.dataset.adminUrl, {
      method: button.dataset.adminMethod, headers: {"X-CSRF-Token": adminCsrf},
    });
    if (response.ok) { window.location.reload(); return; }
    const body = await response.json().catch(() => ({}));
    adminAlert.textContent = body.message || `HTTP ${response.status}`;
    adminAlert.classList.remove("d-none");
    button.disabled = false;
  });
});
