// The search page without reloads: drop or pick a photo, see results in place.
// Everything here is an enhancement: the form posts to /search and works without it.
(function () {
  "use strict";
  const form = document.getElementById("search-form");
  const results = document.getElementById("results");
  const progress = document.getElementById("progress");
  const drop = document.getElementById("drop");
  const file = document.getElementById("file");
  const camera = document.getElementById("camera");
  const preview = document.getElementById("preview");
  const chosenName = document.getElementById("chosen");
  const maxBytes = Number(form.dataset.maxBytes || 0);
  const FRAGMENT = { "X-Vitrina-Fragment": "1", Accept: "text/html" };
  const LONG_SIDE = 1024;  // as the widget: phones upload a tenth of their camera's bytes
  const SAVED = "vitrina-results";
  let asked = 0;

  function message(text) {
    const p = document.createElement("p");
    p.className = "message error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    results.replaceChildren(p);
  }

  // A big photo is drawn again at most LONG_SIDE px long before it is sent.
  async function downsized(photo) {
    try {
      const bitmap = await createImageBitmap(photo);
      const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && photo.size <= 1024 * 1024) return photo;
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.9); });
      return blob || photo;
    } catch (error) {
      return photo;  // not a picture the browser can draw: the server says what is wrong with it
    }
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
    chosenName.textContent = chosen.name;
    chosenName.hidden = false;
    send();
  }

  async function load(url, options) {
    const mine = ++asked;
    results.replaceChildren();  // an earlier photo's results go at once
    progress.hidden = false;
    progress.scrollIntoView({ behavior: "smooth", block: "center" });
    try {
      const response = await fetch(url, { ...options, headers: FRAGMENT });
      const html = await response.text();
      if (mine !== asked) return;
      results.innerHTML = html;
      remember(html);
    } catch (error) {
      if (mine === asked) message(form.dataset.msgOffline);
    } finally {
      if (mine === asked) {
        progress.hidden = true;
        results.scrollIntoView({ behavior: "smooth", block: "start" });
      }
    }
  }

  // Back from a product's page shows these results again (this tab only).
  function remember(html) {
    try { sessionStorage.setItem(SAVED, html); } catch (error) { /* storage off: nothing kept */ }
  }
  function restore() {
    const nav = performance.getEntriesByType("navigation")[0];
    if (!nav || nav.type !== "back_forward" || results.children.length) return;
    try {
      const html = sessionStorage.getItem(SAVED);
      if (html) results.innerHTML = html;
    } catch (error) { /* nothing kept */ }
  }

  async function send() {
    const chosen = file.files && file.files[0];
    if (chosen && maxBytes && chosen.size > maxBytes && !/^image\//.test(chosen.type)) {
      message(form.dataset.msgTooLarge);
      return;
    }
    const data = new FormData(form);
    data.delete("camera");
    if (chosen) {
      const small = await downsized(chosen);
      if (maxBytes && small.size > maxBytes) {
        message(form.dataset.msgTooLarge);
        return;
      }
      data.set("file", small, chosen.name.replace(/\.[^.]*$/, "") + ".jpg");
    }
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
  });
  // «Закажите похожий»: the request goes to the API; the photo only when the box is ticked.
  results.addEventListener("submit", async function (event) {
    const lead = event.target.closest("#lead-form");
    if (!lead) return;
    event.preventDefault();
    const reply = lead.querySelector(".lead-reply");
    const data = new FormData(lead);
    const chosen = file.files && file.files[0];
    if (data.get("photo_consent") && chosen) data.set("photo", await downsized(chosen), "photo.jpg");
    try {
      const response = await fetch(lead.action, { method: "POST", body: data, headers: { Accept: "application/json" } });
      if (response.status === 429) {
        throw { busy: lead.dataset.msgBusy.replace("{s}", response.headers.get("Retry-After") || "60") };
      }
      if (!response.ok) throw response.status;
      const done = document.createElement("p");
      done.className = "message ok";
      done.textContent = lead.dataset.msgSent;
      lead.replaceWith(done);
    } catch (status) {
      reply.className = "lead-reply message error";
      reply.textContent = status && status.busy ? status.busy
        : status === 422 ? lead.dataset.msgBad : form.dataset.msgOffline;
    }
  });
  restore();
})();
