/* Vitrina «Найти по фото» for a shop's pages. Install with one line:
     <script src="https://VITRINA/widget.js" defer></script>
   Options (attributes of that tag): data-target="#css-selector" puts the button inside that
   element instead of floating it; data-lang="en" or "kk" (else the page's lang, else Russian);
   data-color="#b0305a". Everything lives in an open shadow root, so the shop's CSS and the
   widget's never meet. Plain JavaScript, no build step. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__vitrinaWidget) return;
  window.__vitrinaWidget = true;
  var api = me.src.replace(/\/widget\.js(\?.*)?$/, "");
  var lang = (me.getAttribute("data-lang") || document.documentElement.lang || "ru").slice(0, 2).toLowerCase();
  var T = lang === "en" ? {
    open: "Find by photo", title: "Search by photo", find: "Find", again: "Another photo",
    camera: "Camera", shot: "Take a photo", close: "Close", hint: "Move or resize the frame around the bouquet to refine the search.",
    busy: "Searching…", none: "No similar bouquets. Try another photo.", nearest: "Nothing close; the nearest we have:",
    exact: "Exactly this", failed: "The search did not answer; try again.",
    large: "The photo is too large; choose a smaller one.", bad: "This is not a photo; choose a JPEG, PNG or WebP picture.",
    words: "Add a few words: the same but white, under 20 000"
  } : lang === "kk" ? {
    open: "Фото арқылы табу", title: "Фото арқылы іздеу", find: "Іздеу", again: "Басқа фото",
    camera: "Камера", shot: "Суретке түсіру", close: "Жабу", hint: "Іздеуді нақтылау үшін рамканы гүл шоғының айналасына жылжытыңыз немесе кішірейтіңіз.",
    busy: "Іздеп жатырмыз…", none: "Ұқсас гүл шоқтары табылмады. Басқа фотоны көріңіз.", nearest: "Дәл осындай жоқ; ең жақындары мыналар:",
    exact: "Дәл осы", failed: "Іздеу жауап бермеді; қайталап көріңіз.",
    large: "Фото тым үлкен; кішірек фотоны таңдаңыз.", bad: "Бұл фото емес; JPEG, PNG немесе WebP суретін таңдаңыз.",
    words: "Сөзбен нақтылаңыз: дәл осындай, бірақ ақ, 20 000 дейін"
  } : {
    open: "Найти по фото", title: "Поиск по фото", find: "Найти", again: "Другое фото",
    camera: "Камера", shot: "Сфотографировать", close: "Закрыть", hint: "Подвиньте или уменьшите рамку вокруг букета — поиск уточнится.",
    busy: "Ищем…", none: "Похожих букетов не нашлось. Попробуйте другое фото.", nearest: "Точно таких нет; ближе всего вот эти:",
    exact: "Точно такой", failed: "Поиск не ответил; попробуйте ещё раз.",
    large: "Фото слишком большое, выберите поменьше.", bad: "Это не фотография; выберите снимок JPEG, PNG или WebP.",
    words: "Уточните словами: такой же, но белый, до 20 000"
  };
  var target = me.getAttribute("data-target");
  var color = me.getAttribute("data-color") || "#b0305a";
  var CSS = ":host{all:initial;font:16px/1.35 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d1d1f}" +
    "*{box-sizing:border-box}[hidden]{display:none!important}" +
    "button{font:inherit;min-height:44px;min-width:44px;border-radius:10px;border:1px solid #d8d4ce;background:#fff;color:inherit;padding:8px 14px;cursor:pointer}" +
    ".main,.find,.shot{background:var(--c);border-color:var(--c);color:#fff;font-weight:600}" +
    ".main{min-height:48px;padding:10px 18px;box-shadow:0 4px 14px rgba(0,0,0,.2)}" +
    ".bar{display:inline-flex;gap:8px}.float{position:fixed;right:16px;bottom:16px;z-index:2147483000}" +
    ".shot{display:none;padding:0 12px;box-shadow:0 4px 14px rgba(0,0,0,.2)}.shot svg{width:24px;height:24px;fill:currentColor;vertical-align:middle}" +
    "@media (pointer:coarse){.shot{display:inline-block}}" +
    ".overlay{position:fixed;inset:0;z-index:2147483001;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;padding:16px}" +
    ".sheet{background:#fff;border-radius:14px;width:100%;max-width:760px;max-height:100%;overflow:auto;padding:14px}" +
    "header{display:flex;justify-content:space-between;align-items:center;gap:8px}header b{font-size:18px}" +
    ".close{border:0;font-size:24px;line-height:1;padding:0}" +
    ".photo{position:relative;margin:10px auto;width:fit-content;max-width:100%;overflow:hidden;touch-action:none;user-select:none}" +
    ".photo img{display:block;max-width:100%;max-height:40vh}" +
    ".crop{position:absolute;border:2px solid #fff;box-shadow:0 0 0 9999px rgba(0,0,0,.35);cursor:move;min-width:44px;min-height:44px}" +
    ".crop i{position:absolute;right:0;bottom:0;width:32px;height:32px;border-radius:50%;background:var(--c);border:2px solid #fff;cursor:nwse-resize}" +
    ".hint,.status{font-size:14px;color:#6b6b70;margin:6px 0}.status.err{color:#c62828}" +
    ".words{display:block;width:100%;font:inherit;min-height:44px;padding:8px 12px;margin:0 0 8px;border:1px solid #d8d4ce;border-radius:10px}" +
    ".understood{font-size:14px;margin:6px 0;color:#1d1d1f}" +
    ".actions{display:flex;flex-wrap:wrap;gap:8px}.actions button{padding:8px 12px}.actions .find{margin-left:auto}" +
    "ul{list-style:none;margin:10px 0 0;padding:0;display:grid;gap:10px;grid-template-columns:repeat(auto-fill,minmax(140px,1fr))}" +
    "li a,li div{display:flex;flex-direction:column;color:inherit;text-decoration:none;border:1px solid #e3e1dc;border-radius:10px;overflow:hidden;height:100%}" +
    "li img{width:100%;aspect-ratio:1;object-fit:cover;background:#eee}" +
    ".name{padding:6px 8px 0;font-size:14px}.price{padding:2px 8px 8px;font-weight:700}" +
    ".tag{margin:6px 8px 0;font-size:12px;color:#2e7d32;font-weight:600}" +
    "@media (max-width:600px){.overlay{padding:0}.sheet{border-radius:0;height:100%;max-width:none;padding:10px}.photo img{max-height:28vh}}";

  var host = document.createElement("div");
  host.setAttribute("data-vitrina", "");
  var root = host.attachShadow({ mode: "open" });
  // A constructed stylesheet where the browser has them: a shop's Content-Security-Policy that
  // forbids inline <style> does not apply to it.
  var sheet = null;
  try { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); } catch (e) { sheet = null; }
  if (sheet) root.adoptedStyleSheets = [sheet];
  root.innerHTML = (sheet ? "" : "<style>" + CSS + "</style>") +
    '<div class="bar' + (target ? "" : " float") + '"><button class="main" type="button"></button>' +
    '<button class="shot" type="button"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/></svg></button></div>' +
    '<input class="pick" type="file" accept="image/*" hidden>' +
    '<input class="shoot" type="file" accept="image/*" capture="environment" hidden>' +
    '<div class="overlay" role="dialog" aria-modal="true" hidden><div class="sheet">' +
    '<header><b></b><button class="close" type="button">×</button></header>' +
    '<div class="photo"><img alt=""><div class="crop"><i></i></div></div>' +
    '<p class="hint"></p><input class="words" type="text" maxlength="200" enterkeyhint="search">' +
    '<div class="actions"><button class="again" type="button"></button>' +
    '<button class="camera" type="button"></button><button class="find" type="button"></button></div>' +
    '<p class="status" role="status" aria-live="polite"></p><p class="understood" hidden></p><ul></ul></div></div>';
  host.style.setProperty("--c", color);
  function $(s) { return root.querySelector(s); }
  var main = $(".main"), pick = $(".pick"), shoot = $(".shoot"), overlay = $(".overlay"),
    img = $(".photo img"), crop = $(".crop"), status = $(".status"), list = $("ul"),
    words = $(".words"), heard = $(".understood");
  main.textContent = T.open;
  $(".shot").setAttribute("aria-label", T.shot);
  $("header b").textContent = T.title;
  $(".close").setAttribute("aria-label", T.close);
  overlay.setAttribute("aria-label", T.title);
  $(".hint").textContent = T.hint;
  $(".again").textContent = T.again;
  $(".camera").textContent = T.camera;
  $(".find").textContent = T.find;
  words.placeholder = T.words;
  words.setAttribute("aria-label", T.words);

  var box = [0, 0, 1, 1], photo = null, asked = 0, timer = 0, overflow = "";

  function place() {
    crop.style.left = box[0] * 100 + "%"; crop.style.top = box[1] * 100 + "%";
    crop.style.width = box[2] * 100 + "%"; crop.style.height = box[3] * 100 + "%";
  }
  function open() {
    if (overlay.hidden) { overflow = document.body.style.overflow; document.body.style.overflow = "hidden"; }
    overlay.hidden = false;
    $(".close").focus();
  }
  function close() {
    overlay.hidden = true;
    document.body.style.overflow = overflow;
    main.focus();
  }
  function chosen(input) {
    var file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    photo = file;
    box = [0, 0, 1, 1];
    place();
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(file);
    open();
    img.decode().then(search, function () { say(T.bad, true); });
  }
  function say(text, error) {
    status.textContent = text;
    status.className = "status" + (error ? " err" : "");
  }
  function tenge(minor) {
    var whole = String(Math.floor(minor / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, " "), t = minor % 100;
    return whole + (t ? "," + (t < 10 ? "0" : "") + t : "") + " ₸";
  }
  // The chosen part of the photo, at most 1024 px on the long side: phones upload less.
  function cropped() {
    return new Promise(function (resolve) {
      var w = img.naturalWidth, h = img.naturalHeight;
      var sx = box[0] * w, sy = box[1] * h, sw = box[2] * w, sh = box[3] * h;
      var scale = Math.min(1, 1024 / Math.max(sw, sh));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(sw * scale));
      canvas.height = Math.max(1, Math.round(sh * scale));
      canvas.getContext("2d").drawImage(img, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { resolve(blob || photo); }, "image/jpeg", 0.9);
    });
  }
  function search() {
    if (!photo) return;
    var mine = ++asked;
    say(T.busy);
    cropped().then(function (blob) {
      var body = new FormData();
      body.append("file", blob, "photo.jpg");
      body.append("top_k", "12");
      body.append("channel", "widget");
      if (words.value.trim()) { body.append("text", words.value.trim()); body.append("language", lang); }
      return fetch(api + "/api/v1/search/upload", { method: "POST", body: body, headers: { Accept: "application/json" } });
    }).then(function (response) {
      if (response.status === 413) throw { text: T.large };
      if (response.status === 422) throw { text: T.bad };
      if (!response.ok) throw { text: T.failed };
      return response.json();
    }).then(function (answer) {
      if (mine === asked) show(answer);
    }).catch(function (error) {
      if (mine === asked) { list.replaceChildren(); say((error && error.text) || T.failed, true); }
    });
  }
  function show(answer) {
    var exact = {}, good = answer.exact.concat(answer.similar);
    answer.exact.forEach(function (r) { exact[r.product_id] = true; });
    var shown = good.length ? good : answer.results.slice(0, 6);
    heard.textContent = answer.understood_text || "";  // «Понял: белые, до 20 000 ₸»
    heard.hidden = !heard.textContent;
    say(good.length ? "" : answer.results.length ? T.nearest : T.none);
    list.replaceChildren.apply(list, shown.map(function (r) {
      var li = document.createElement("li"), card;
      var page = r.page_url || "", href = /^https?:\/\//i.test(page) ?
        api + "/go/" + r.product_id + (answer.search_id != null ? "?s=" + answer.search_id : "") :
        /^[a-z][a-z0-9+.-]*:/i.test(page) ? "" : page;  // relative only; never another scheme
      card = document.createElement(href ? "a" : "div");
      if (href) card.href = href;
      card.setAttribute("data-product-id", r.product_id);
      var pic = document.createElement("img");
      pic.loading = "lazy"; pic.alt = r.name; pic.src = r.matched_image_url || r.image_url || "";
      card.appendChild(pic);
      if (exact[r.product_id]) { var tag = document.createElement("span"); tag.className = "tag"; tag.textContent = T.exact; card.appendChild(tag); }
      var name = document.createElement("span"); name.className = "name"; name.textContent = r.name;
      var price = document.createElement("span"); price.className = "price"; price.textContent = tenge(r.price);
      card.appendChild(name); card.appendChild(price);
      li.appendChild(card);
      return li;
    }));
  }

  // The frame: drag it to move, drag its corner to resize; searching again when let go.
  var drag = null;
  crop.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    crop.setPointerCapture(event.pointerId);
    drag = { x: event.clientX, y: event.clientY, box: box.slice(), resize: event.target !== crop };
  });
  crop.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var rect = img.getBoundingClientRect();
    var dx = (event.clientX - drag.x) / rect.width, dy = (event.clientY - drag.y) / rect.height, b = drag.box;
    if (drag.resize) {
      box = [b[0], b[1], Math.min(1 - b[0], Math.max(0.1, b[2] + dx)), Math.min(1 - b[1], Math.max(0.1, b[3] + dy))];
    } else {
      box = [Math.min(1 - b[2], Math.max(0, b[0] + dx)), Math.min(1 - b[3], Math.max(0, b[1] + dy)), b[2], b[3]];
    }
    place();
  });
  function release() {
    if (!drag) return;
    drag = null;
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  }
  crop.addEventListener("pointerup", release);
  crop.addEventListener("pointercancel", release);

  main.addEventListener("click", function () { pick.click(); });
  $(".shot").addEventListener("click", function () { shoot.click(); });  // phones: the camera in one tap
  $(".again").addEventListener("click", function () { pick.click(); });
  $(".camera").addEventListener("click", function () { shoot.click(); });
  $(".find").addEventListener("click", search);
  words.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); search(); } });
  $(".close").addEventListener("click", close);
  pick.addEventListener("change", function () { chosen(pick); });
  shoot.addEventListener("change", function () { chosen(shoot); });
  overlay.addEventListener("click", function (event) { if (event.target === overlay) close(); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape" && !overlay.hidden) close(); });

  function mount() {
    var into = target && document.querySelector(target);
    (into || document.body).appendChild(host);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
