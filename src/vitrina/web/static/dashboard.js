// The dashboard refreshes its panels every few seconds (the server renders them) and retries
// dead jobs through the admin API, which accepts the dashboard's session cookie.
(function () {
  "use strict";
  const panels = document.getElementById("panels");
  const every = Number(panels.dataset.refreshS || 5) * 1000;
  const FRAGMENT = { "X-Vitrina-Fragment": "1", Accept: "text/html" };

  function state(text) {
    const span = document.getElementById("refresh-state");
    if (span) span.textContent = text;
  }

  async function refresh() {
    try {
      const response = await fetch("/dashboard", { headers: FRAGMENT, cache: "no-store" });
      if (response.status === 401) {
        window.location.assign("/dashboard/login");
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      panels.innerHTML = await response.text();
    } catch (error) {
      state(" · could not refresh (" + error.message + "); retrying");
    }
  }

  panels.addEventListener("submit", async function (event) {
    const form = event.target.closest("form.retry");
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = "Retrying…";
    const token = form.querySelector("input[name=csrf]");
    const response = await fetch("/api/v1/jobs/" + button.dataset.jobId + "/retry", {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRF-Token": token ? token.value : "" },
    });
    if (!response.ok) {
      const body = await response.json().catch(function () { return {}; });
      button.textContent = "Retry";
      button.disabled = false;
      state(" · retry failed: " + ((body.error && body.error.message) || response.status));
      return;
    }
    await refresh();
  });

  setInterval(refresh, every);
})();
