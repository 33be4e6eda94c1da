/* Vitrina «Найти по фото» for a shop's pages. Install with one line:
     <script src="https://VITRINA/widget.js" defer></script>
   Options (attributes of that tag; docs/storefront.md has them all):
     data-position="left|right"  the floating button's corner (right by default);
     data-offset="16 88"         its distance from the side and from the bottom, px (one number: both);
     data-target="#selector"     put the button inside that element instead of floating it;
     data-mode="icon"            a compact camera icon (44 px) that fits beside a search box;
     data-similar-to="ID"        no button: a row of bouquets like product ID (a product page);
     data-shop-id="N"            only shop N's bouquets, linked to its pages (a multi-site shop:
                                 the Vitrina shop of this site, VITRINA_BITRIX_SITE_SHOPS);
     data-lang="ru|kk|en"        the language (else the page's lang, else Russian);
     data-color="#b0305a"        the accent colour.
   Everything lives in an open shadow root, so the shop's CSS and the widget's never meet. Plain
   JavaScript, no build step. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var similarTo = me.getAttribute("data-similar-to");
  if (!similarTo && window.__vitrinaWidget) return;  // one search button per page
  if (!similarTo) window.__vitrinaWidget = true;
  var api = me.src.replace(/\/widget\.js(\?.*)?$/, "");
  var shop = me.getAttribute("data-shop-id");
  if (shop !== null && !/^[0-9]{1,19}$/.test(shop)) { console.error("Vitrina: data-shop-id must be a shop id, got " + JSON.stringify(shop)); return; }
  var lang = (me.getAttribute("data-lang") || document.documentElement.lang || "ru").slice(0, 2).toLowerCase();
  var T = lang === "en" ? {
    open: "Find by photo", title: "Search by photo", find: "Find", again: "Another photo",
    camera: "Camera", shot: "Take a photo", close: "Close", hint: "Move or resize the frame around the bouquet to refine the search.",
    busy: "Searching…", none: "No close match for this photo. The nearest we have:", nothing: "Nothing similar in the catalog.",
    exact: "Exactly this", similar: "Similar", soldout: "Sold out", alternatives: "Available and alike:",
    failed: "The search did not answer; try again.", refused: "Search by photo is not set up for this site yet.",
    busyWait: "Too many searches right now; trying again in {s} s…",
    large: "The photo is too large; choose a smaller one.", bad: "This is not a photo; choose a JPEG, PNG or WebP picture.",
    like: "Similar bouquets", order: "Order one like this", orderHint: "Our florists can make a bouquet like the one in your photo.",
    name: "Name", phone: "Phone", comment: "Comment", consent: "Attach my photo to the request", send: "Send",
    sent: "Thank you! The shop will call you back.", leadBad: "Check the name and the phone number.",
    leadBusy: "Too many requests; please try again in a minute.",
    words: "Add a few words: the same but white, under 20 000"
  } : lang === "kk" ? {
    open: "Фото арқылы табу", title: "Фото арқылы іздеу", find: "Іздеу", again: "Басқа фото",
    camera: "Камера", shot: "Суретке түсіру", close: "Жабу", hint: "Іздеуді нақтылау үшін рамканы гүл шоғының айналасына жылжытыңыз немесе кішірейтіңіз.",
    busy: "Іздеп жатырмыз…", none: "Бұл фотоға дәл сәйкес келетін жоқ. Ең жақындары:", nothing: "Каталогта ұқсас ештеңе жоқ.",
    exact: "Дәл осы", similar: "Ұқсас", soldout: "Сатылып кетті", alternatives: "Қолда бар ұқсастары:",
    failed: "Іздеу жауап бермеді; қайталап көріңіз.", refused: "Бұл сайт үшін фото арқылы іздеу әлі бапталмаған.",
    busyWait: "Қазір іздеу көп; {s} с кейін қайталаймыз…",
    large: "Фото тым үлкен; кішірек фотоны таңдаңыз.", bad: "Бұл фото емес; JPEG, PNG немесе WebP суретін таңдаңыз.",
    like: "Ұқсас гүл шоқтары", order: "Осындайға тапсырыс беру", orderHint: "Гүлшілеріміз сіздің фотоңыздағыдай гүл шоғын жасай алады.",
    name: "Аты", phone: "Телефон", comment: "Түсініктеме", consent: "Фотомды өтінімге қосу", send: "Жіберу",
    sent: "Рақмет! Дүкен сізге қайта қоңырау шалады.", leadBad: "Аты мен телефон нөмірін тексеріңіз.",
    leadBusy: "Өтінім тым көп; бір минуттан кейін қайталаңыз.",
    words: "Сөзбен нақтылаңыз: дәл осындай, бірақ ақ, 20 000 дейін"
  } : {
    open: "Найти по фото", title: "Поиск по фото", find: "Найти", again: "Другое фото",
    camera: "Камера", shot: "Сфотографировать", close: "Закрыть", hint: "Подвиньте или уменьшите рамку вокруг букета — поиск уточнится.",
    busy: "Ищем…", none: "Точно такого букета нет. Ближе всего вот эти:", nothing: "Похожих букетов в каталоге нет.",
    exact: "Точно такой", similar: "Похожий", soldout: "Нет в наличии", alternatives: "В наличии и похожи:",
    failed: "Поиск не ответил; попробуйте ещё раз.", refused: "Поиск по фото ещё не настроен для этого сайта.",
    busyWait: "Сейчас много запросов; повторим через {s} с…",
    large: "Фото слишком большое, выберите поменьше.", bad: "Это не фотография; выберите снимок JPEG, PNG или WebP.",
    like: "Похожие букеты", order: "Закажите похожий", orderHint: "Флористы соберут букет как на вашем фото.",
    name: "Имя", phone: "Телефон", comment: "Комментарий", consent: "Приложить моё фото к заявке", send: "Отправить",
    sent: "Спасибо! Магазин вам перезвонит.", leadBad: "Проверьте имя и номер телефона.",
    leadBusy: "Слишком много заявок; попробуйте через минуту.",
    words: "Уточните словами: такой же, но белый, до 20 000"
  };
  var target = me.getAttribute("data-target");
  var icon = me.getAttribute("data-mode") === "icon";
  var left = me.getAttribute("data-position") === "left";
  var offsets = (me.getAttribute("data-offset") || "16").trim().split(/[\s,]+/).map(function (n) {
    var v = parseInt(n, 10); return isFinite(v) ? Math.max(0, Math.min(v, 400)) : 16;
  });
  var color = me.getAttribute("data-color") || "#b0305a";
  var CAMERA = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/></svg>';
  var CSS = ":host{all:initial;display:inline-block;max-width:100%;vertical-align:middle;font:16px/1.35 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d1d1f}" +
    "*{box-sizing:border-box}[hidden]{display:none!important}" +
    "button{font:inherit;min-height:44px;min-width:44px;border-radius:10px;border:1px solid #d8d4ce;background:#fff;color:inherit;padding:8px 14px;cursor:pointer}" +
    "svg{width:24px;height:24px;fill:currentColor;vertical-align:middle}" +
    ".main,.find,.shot,.send{background:var(--c);border-color:var(--c);color:#fff;font-weight:600}" +
    ".main{min-height:48px;padding:10px 18px;white-space:nowrap;max-width:100%;overflow:hidden;text-overflow:ellipsis}" +
    ".float .main,.float .shot{box-shadow:0 4px 14px rgba(0,0,0,.2)}.main.icon{padding:0 10px;min-height:44px}" +
    ".bar{display:inline-flex;gap:8px;max-width:100%}.float{position:fixed;right:var(--ox);bottom:var(--oy);z-index:2147483000}" +
    ".float.left{left:var(--ox);right:auto}" +
    ".shot{display:none;padding:0 12px}@media (pointer:coarse){.float .shot{display:inline-block}}" +
    ".overlay{position:fixed;inset:0;z-index:2147483001;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;padding:16px}" +
    ".sheet{background:#fff;border-radius:14px;width:100%;max-width:760px;max-height:100%;overflow:auto;padding:14px}" +
    "header{display:flex;justify-content:space-between;align-items:center;gap:8px}header b{font-size:18px}" +
    ".close{border:0;font-size:24px;line-height:1;padding:0}" +
    ".photo{position:relative;margin:10px auto;width:fit-content;max-width:100%;overflow:hidden;touch-action:none;user-select:none}" +
    ".photo img{display:block;max-width:100%;max-height:40vh}" +
    ".crop{position:absolute;border:2px solid #fff;box-shadow:0 0 0 9999px rgba(0,0,0,.35);cursor:move;min-width:44px;min-height:44px}" +
    ".crop i{position:absolute;right:0;bottom:0;width:32px;height:32px;border-radius:50%;background:var(--c);border:2px solid #fff;cursor:nwse-resize}" +
    ".hint,.status,.note,.reply{font-size:14px;color:#6b6b70;margin:6px 0}.status.err,.reply.err{color:#c62828}" +
    ".words{display:block;width:100%;font:inherit;min-height:44px;padding:8px 12px;margin:0 0 8px;border:1px solid #d8d4ce;border-radius:10px}" +
    ".understood{font-size:14px;margin:6px 0;color:#1d1d1f}" +
    ".actions{display:flex;flex-wrap:wrap;gap:8px}.actions button{padding:8px 12px}.actions .find{margin-left:auto}" +
    "ul{list-style:none;margin:10px 0 0;padding:0;display:grid;gap:10px;grid-template-columns:repeat(auto-fill,minmax(140px,1fr))}" +
    ".row ul{grid-auto-flow:column;grid-template-columns:none;grid-auto-columns:minmax(140px,160px);overflow-x:auto;max-width:100%}" +
    ".row{display:block;max-width:100%}.row h3{font-size:18px;margin:0}" +
    "li a,li div{display:flex;flex-direction:column;color:inherit;text-decoration:none;border:1px solid #e3e1dc;border-radius:10px;overflow:hidden;height:100%}" +
    "li img{width:100%;aspect-ratio:1;object-fit:cover;background:#eee}li.out img{filter:grayscale(.7);opacity:.75}" +
    ".name{padding:6px 8px 0;font-size:14px}.price{padding:2px 8px 8px;font-weight:700}" +
    ".tag{margin:6px 8px 0;font-size:12px;font-weight:600;color:#6b6b70}.tag.exact{color:#2e7d32}.tag.out{color:#c62828}" +
    "form{display:grid;gap:8px;margin:10px 0;padding:10px;border:1px solid #e3e1dc;border-radius:10px}" +
    "form input,form textarea{font:inherit;width:100%;min-height:44px;padding:8px;border:1px solid #d8d4ce;border-radius:8px}" +
    "form label{font-size:14px;display:grid;gap:4px}form .tick{display:flex;gap:8px;align-items:center}form .tick input{width:24px;min-height:24px}" +
    ".lead{margin-top:10px}" +
    "@media (max-width:600px){.overlay{padding:0}.sheet{border-radius:0;height:100%;max-width:none;padding:10px}.photo img{max-height:28vh}}";

  var host = document.createElement("div");
  host.setAttribute("data-vitrina", similarTo ? "similar" : "");
  var root = host.attachShadow({ mode: "open" });
  // A constructed stylesheet where the browser has them: a shop's Content-Security-Policy that
  // forbids inline <style> does not apply to it.
  var sheet = null;
  try { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); } catch (e) { sheet = null; }
  if (sheet) root.adoptedStyleSheets = [sheet];
  host.style.setProperty("--c", color);
  host.style.setProperty("--ox", offsets[0] + "px");
  host.style.setProperty("--oy", (offsets.length > 1 ? offsets[1] : offsets[0]) + "px");
  var style = sheet ? "" : "<style>" + CSS + "</style>";

  function tenge(minor) {
    var whole = String(Math.floor(minor / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, " "), t = minor % 100;
    return whole + (t ? "," + (t < 10 ? "0" : "") + t : "") + " ₸";
  }
  function link(r, searchId) {
    var page = r.page_url || "";
    var asked = [];
    if (searchId != null) asked.push("s=" + searchId);
    if (shop) asked.push("shop_id=" + shop);
    if (/^https?:\/\//i.test(page)) return api + "/go/" + r.product_id + (asked.length ? "?" + asked.join("&") : "");
    return /^[a-z][a-z0-9+.-]*:/i.test(page) ? "" : page;  // relative only; never another scheme
  }
  // One card: the photo, at most one verdict («Точно такой», «Похожий», «Нет в наличии»), name, price.
  function card(r, verdict, searchId) {
    var li = document.createElement("li"), href = link(r, searchId);
    var box = document.createElement(href ? "a" : "div");
    if (href) box.href = href;
    box.setAttribute("data-product-id", r.product_id);
    var pic = document.createElement("img");
    pic.loading = "lazy"; pic.alt = r.name; pic.src = r.matched_image_url || r.image_url || "";
    box.appendChild(pic);
    if (r.available === false) { verdict = "out"; li.className = "out"; }
    if (verdict) {
      var tag = document.createElement("span");
      tag.className = "tag " + verdict;
      tag.textContent = verdict === "out" ? T.soldout : verdict === "exact" ? T.exact : T.similar;
      box.appendChild(tag);
    }
    var name = document.createElement("span"); name.className = "name"; name.textContent = r.name;
    var price = document.createElement("span"); price.className = "price"; price.textContent = tenge(r.price);
    box.appendChild(name); box.appendChild(price);
    li.appendChild(box);
    return li;
  }

  // --- «Похожие букеты» on a product page: a row, no button ------------------------------------
  if (similarTo) {
    if (!/^[0-9]{1,19}$/.test(similarTo)) { console.error("Vitrina: data-similar-to must be a product id, got " + JSON.stringify(similarTo)); return; }
    root.innerHTML = style + '<section class="row" hidden><h3></h3><ul></ul></section>';
    root.querySelector("h3").textContent = T.like;
    host.style.display = "block";
    var mountRow = function () {
      var into = target && document.querySelector(target);
      if (into) into.appendChild(host); else me.parentNode.insertBefore(host, me);
      fetch(api + "/api/v1/products/" + similarTo + "/similar?top_k=8" + (shop ? "&shop_id=" + shop : ""), { headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw response.status; return response.json(); })
        .then(function (answer) {
          var shown = answer.results.filter(function (r) { return r.available !== false; });
          if (!shown.length) return;
          root.querySelector("ul").replaceChildren.apply(root.querySelector("ul"), shown.map(function (r) { return card(r, "", answer.search_id); }));
          root.querySelector(".row").hidden = false;
        }).catch(function (error) {
          if (error instanceof TypeError) console.error("Vitrina: " + api + " refused " + location.origin + ". Add this origin to VITRINA_CORS_ORIGINS on the Vitrina server.");
        });
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountRow); else mountRow();
    return;
  }

  // --- the search button and its overlay ---------------------------------------------------------
  root.innerHTML = style +
    '<div class="bar' + (target ? "" : " float" + (left ? " left" : "")) + '"><button class="main' + (icon ? " icon" : "") + '" type="button"></button>' +
    '<button class="shot" type="button">' + CAMERA + '</button></div>' +
    '<input class="pick" type="file" accept="image/*" hidden>' +
    '<input class="shoot" type="file" accept="image/*" capture="environment" hidden>' +
    '<div class="overlay" role="dialog" aria-modal="true" hidden><div class="sheet">' +
    '<header><b></b><button class="close" type="button">×</button></header>' +
    '<div class="photo"><img alt=""><div class="crop"><i></i></div></div>' +
    '<p class="hint"></p><input class="words" type="text" maxlength="200" enterkeyhint="search">' +
    '<div class="actions"><button class="again" type="button"></button>' +
    '<button class="camera" type="button"></button><button class="find" type="button"></button></div>' +
    '<p class="status" role="status" aria-live="polite"></p><p class="understood" hidden></p><ul class="found"></ul>' +
    '<p class="note" hidden></p><ul class="more"></ul>' +
    '<div class="lead" hidden><p class="note"></p><button class="order" type="button"></button>' +
    '<form hidden novalidate><label><span></span><input name="name" autocomplete="name" maxlength="200" required></label>' +
    '<label><span></span><input name="phone" type="tel" autocomplete="tel" inputmode="tel" maxlength="40" required></label>' +
    '<label><span></span><textarea name="comment" rows="2" maxlength="2000"></textarea></label>' +
    '<label class="tick"><input name="consent" type="checkbox"><span></span></label>' +
    '<button class="send" type="submit"></button><p class="reply" role="status"></p></form></div>' +
    "</div></div>";
  function $(s) { return root.querySelector(s); }
  var main = $(".main"), pick = $(".pick"), shoot = $(".shoot"), overlay = $(".overlay"),
    img = $(".photo img"), crop = $(".crop"), status = $(".status"), list = $("ul.found"),
    note = $("p.note"), more = $("ul.more"), lead = $(".lead"), form = $("form"),
    words = $(".words"), heard = $(".understood");
  if (icon) { main.innerHTML = CAMERA; main.setAttribute("aria-label", T.open); main.title = T.open; }
  else main.textContent = T.open;
  $(".shot").setAttribute("aria-label", T.shot);
  $("header b").textContent = T.title;
  $(".close").setAttribute("aria-label", T.close);
  overlay.setAttribute("aria-label", T.title);
  $(".hint").textContent = T.hint;
  $(".again").textContent = T.again;
  $(".camera").textContent = T.camera;
  $(".find").textContent = T.find;
  $(".lead .note").textContent = T.orderHint;
  $(".order").textContent = T.order;
  var labels = form.querySelectorAll("label");
  [T.name, T.phone, T.comment, T.consent].forEach(function (text, i) { labels[i].querySelector("span").textContent = text; });
  $(".send").textContent = T.send;
  words.placeholder = T.words;
  words.setAttribute("aria-label", T.words);

  var box = [0, 0, 1, 1], photo = null, asked = 0, timer = 0, retry = 0, overflow = "";
  var SAVED = "vitrina-widget:" + location.pathname;

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
    try { sessionStorage.removeItem(SAVED); } catch (e) { /* storage off: nothing to forget */ }
    main.focus();
  }
  // Whatever an earlier photo found goes the moment another one is chosen.
  function clear() {
    list.replaceChildren(); more.replaceChildren(); note.hidden = true; lead.hidden = true;
    form.hidden = true; $(".order").hidden = false; heard.hidden = true;
  }
  function chosen(input) {
    var file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    photo = file;
    box = [0, 0, 1, 1];
    place();
    clear();
    ++asked;  // an answer still on its way for the previous photo is dropped
    clearTimeout(retry);
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(file);
    open();
    say(T.busy);
    img.decode().then(search, function () { say(T.bad, true); });
  }
  function say(text, error) {
    status.textContent = text;
    status.className = "status" + (error ? " err" : "");
  }
  // The chosen part of the photo, at most `side` px on the long side: phones upload less.
  function cropped(side) {
    return new Promise(function (resolve) {
      var w = img.naturalWidth, h = img.naturalHeight;
      var sx = box[0] * w, sy = box[1] * h, sw = box[2] * w, sh = box[3] * h;
      var scale = Math.min(1, side / Math.max(sw, sh));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(sw * scale));
      canvas.height = Math.max(1, Math.round(sh * scale));
      canvas.getContext("2d").drawImage(img, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { resolve(blob || photo); }, "image/jpeg", 0.9);
    });
  }
  function refusedHere() {
    console.error("Vitrina: the search at " + api + " refused this site (" + location.origin + "). " +
      "Add " + location.origin + " to VITRINA_CORS_ORIGINS on the Vitrina server (docs/storefront.md).");
  }
  function search() {
    if (!photo) return;
    var mine = ++asked;
    clearTimeout(retry);
    clear();
    say(T.busy);
    cropped(1024).then(function (blob) {
      var body = new FormData();
      body.append("file", blob, "photo.jpg");
      body.append("top_k", "12");
      body.append("channel", "widget");
      if (shop) body.append("shop_id", shop);
      if (words.value.trim()) { body.append("text", words.value.trim()); body.append("language", lang); }
      return fetch(api + "/api/v1/search/upload", { method: "POST", body: body, headers: { Accept: "application/json" } });
    }).then(function (response) {
      if (response.status === 429 || response.status === 503) {
        var wait = Math.min(60, Math.max(1, parseInt(response.headers.get("Retry-After"), 10) || 5));
        throw { text: T.busyWait.replace("{s}", wait), wait: wait };
      }
      if (response.status === 403) { refusedHere(); throw { text: T.refused }; }
      if (response.status === 413) throw { text: T.large };
      if (response.status === 422) throw { text: T.bad };
      if (!response.ok) throw { text: T.failed };
      return response.json();
    }).then(function (answer) {
      if (mine === asked) { show(answer); remember(answer); }
    }).catch(function (error) {
      if (mine !== asked) return;
      clear();
      if (error instanceof TypeError) refusedHere();  // CORS refusals look like network errors
      say((error && error.text) || T.failed, true);
      if (error && error.wait) retry = setTimeout(function () { if (mine === asked && !overlay.hidden) search(); }, error.wait * 1000);
    });
  }
  // The first frame is where Vitrina found the product (a story's or a screen's photo inside
  // its frame); the customer may still move it, which searches that part again.
  function frame(region) {
    if (!region || region.length !== 4 || box.join() !== "0,0,1,1") return;
    box = region.map(Number); place();
  }
  // What is on the screen: a verdict per card, in the order the API ranks them.
  function show(answer) {
    clear();
    frame(answer.region);
    heard.textContent = answer.understood_text || "";  // «Понял: белые, до 20 000 ₸»
    heard.hidden = !heard.textContent;
    var id = answer.search_id, exact = answer.exact, similar = answer.similar.filter(function (r) { return r.available !== false; });
    var soldOut = exact.length > 0 && exact.every(function (r) { return r.available === false; });
    list.replaceChildren.apply(list, exact.map(function (r) { return card(r, "exact", id); })
      .concat((soldOut ? [] : similar).map(function (r) { return card(r, "similar", id); })));
    if (soldOut && similar.length) {
      note.textContent = T.alternatives; note.hidden = false;
      more.replaceChildren.apply(more, similar.map(function (r) { return card(r, "similar", id); }));
    }
    if (!exact.length && !similar.length) {
      var nearest = answer.results.filter(function (r) { return r.available !== false; }).slice(0, 6);
      say(nearest.length ? T.none : T.nothing);
      more.replaceChildren.apply(more, nearest.map(function (r) { return card(r, "", id); }));
    } else say("");
    lead.hidden = !(soldOut || (!exact.length && !similar.length));
  }
  // Back from a product page shows the same results again (this tab only).
  function remember(answer) {
    try {
      sessionStorage.setItem(SAVED, JSON.stringify({ answer: answer, photo: thumbnail() }));
    } catch (e) { /* storage off or full: Back just shows the page */ }
  }
  function thumbnail() {
    var canvas = document.createElement("canvas"), w = img.naturalWidth, h = img.naturalHeight;
    var scale = Math.min(1, 480 / Math.max(w, h, 1));
    canvas.width = Math.max(1, Math.round(w * scale)); canvas.height = Math.max(1, Math.round(h * scale));
    canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", 0.8);
  }
  function fromDataUrl(url) {
    var bytes = atob(String(url).split(",")[1] || ""), data = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) data[i] = bytes.charCodeAt(i);
    return new Blob([data], { type: "image/jpeg" });
  }
  function restore() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(SAVED) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.answer) return;
    img.src = saved.photo || "";
    photo = fromDataUrl(saved.photo);  // «Найти» and the frame work on the restored photo
    box = [0, 0, 1, 1]; place();
    open();
    show(saved.answer);
  }

  // «Закажите похожий»: name and phone, a comment, the photo only with the customer's consent.
  $(".order").addEventListener("click", function () { form.hidden = false; $(".order").hidden = true; form.elements.name.focus(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var out = $(".reply"), fields = form.elements;
    if (!fields.name.value.trim() || fields.phone.value.replace(/\D/g, "").length < 6) { out.textContent = T.leadBad; out.className = "reply err"; return; }
    var body = new FormData();
    body.append("name", fields.name.value.trim());
    body.append("phone", fields.phone.value.trim());
    body.append("comment", fields.comment.value.trim());
    body.append("language", lang);
    body.append("page_url", location.href.slice(0, 2000));
    var attach = fields.consent.checked && photo ? cropped(1024) : Promise.resolve(null);
    attach.then(function (blob) {
      if (blob) { body.append("photo_consent", "true"); body.append("photo", blob, "photo.jpg"); }
      return fetch(api + "/api/v1/leads", { method: "POST", body: body, headers: { Accept: "application/json" } });
    }).then(function (response) {
      if (!response.ok) throw response.status;
      form.replaceChildren(); var done = document.createElement("p"); done.className = "reply"; done.textContent = T.sent; form.appendChild(done);
    }).catch(function (status) {
      if (status instanceof TypeError) refusedHere();
      out.textContent = status === 422 || status === 400 ? T.leadBad : status === 429 ? T.leadBusy : T.failed;
      out.className = "reply err";
    });
  });

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
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if (nav && nav.type === "back_forward") restore();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
