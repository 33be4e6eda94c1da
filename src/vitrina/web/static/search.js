// The search page without reloads: drop or pick a photo, see results in place.
// Everything here is an enhancement: the form posts to /search and works without it.
(function () {
  "use strict";
  const form = document.getElementById("search-form");
  const results = document.getElementById("results");
  const drop = document.getElementById("drop");
  const file = document.getElementById("file");
  const camera = document.getElementById("camera");
  const preview = document.getElementById("preview");
  const maxBytes = Number(form.dataset.maxBytes || 0);
  const FRAGMENT = { "X-Vitrina-Fragment": "1", Accept: "text/html" };

  function message(text) {
    const p = document.createElement("p");
    p.className = "message error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    results.replaceChildren(p);
  }

  function show(input) {
    const chosen = input.files && input.files[0];
    if (!chosen) return;
    if (input !== file) {
      // One photo at a time: a camera shot replaces a picked file and vice versa.
      const transfer = new DataTransfer();
      transfer.items.add(chosen);
      file.files = transfer.files;
      input.value = "";
    }
    document.getElementById("image_url").value = "";
    preview.src = URL.createObjectURL(chosen);
    preview.hidden = false;
    send();
  }

  async function load(url, options) {
    results.classList.add("busy");
    try {
      const response = await fetch(url, { ...options, headers: FRAGMENT });
      results.innerHTML = await response.text();
    } catch (error) {
      message(form.dataset.msgOffline);
    } finally {
      results.classList.remove("busy");
    }
  }

  function send() {
    const chosen = file.files && file.files[0];
    if (chosen && maxBytes && chosen.size > maxBytes) {
      message(form.dataset.msgTooLarge);
      return;
    }
    const data = new FormData(form);
    data.delete("camera");
    load(form.action, { method: "POST", body: data });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });
  file.addEventListener("change", function () { show(file); });
  camera.addEventListener("change", function () { show(camera); });

  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  }
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer.files.length) {
      file.files = event.dataTransfer.files;
      show(file);
    }
  });

  // "More like this" stays on the page, keeping the filters.
  results.addEventListener("click", function (event) {
    const link = event.target.closest("a.more");
    if (!link) return;
    event.preventDefault();
    const url = new URL(link.href);
    for (const name of ["shop_id", "price_min", "price_max"]) {
      const field = form.elements[name];  // no shop filter when there is one shop
      if (field && field.value) url.searchParams.set(name, field.value);
    }
    load(url.toString(), { method: "GET" });
    results.scrollIntoView({ behavior: "smooth" });
  });
})();
