/* Meridian chat widget: one tag embeds it.
 *   <script src="https://support.example.com/chat/widget.js"
 *           data-meridian="https://support.example.com" data-language="es" data-country="MX" defer></script>
 * No inline script or style (CSP 'self'); texts come translated from the server; the widget polls for replies.
 * While the customer writes the first message, help-center articles in their language are suggested (answer before
 * ticket, docs/knowledge.md); the ids shown go with the chat if it starts anyway.
 * Styles: .mer-chat in helpdesk/meridian.css. Docs: docs/channels.md. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = (script.getAttribute("data-meridian") || "").replace(/\/$/, "");
  var language = script.getAttribute("data-language") || (navigator.language || "en").slice(0, 2);
  var country = script.getAttribute("data-country") || "";
  var POLL_MS = 3000;
  var SUGGEST_MS = 400;
  var KEY = "meridian-chat-token";
  // data-token: continue that ticket (the ticket link page sets it); else the conversation of this tab, if any.
  var state = { token: script.getAttribute("data-token") || sessionStorage.getItem(KEY), after: 0, csrf: "", texts: {}, timer: null,
                shown: [], asked: "", typing: null };
  var ui = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function field(id, label, control) {
    var wrap = el("div", { "class": "field" });
    wrap.appendChild(el("label", { "for": id }, label));
    wrap.appendChild(control);
    return wrap;
  }

  function call(method, path, body) {
    return fetch(base + path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": state.csrf },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error((data.error && data.error.message) || response.statusText); }
        return data;
      });
    });
  }

  function say(text) { ui.status.textContent = text; }

  function show(messages) {
    messages.forEach(function (m) {
      if (m.id <= state.after) { return; }
      state.after = m.id;
      var item = el("li", { "class": "mer-chat-message from-" + m.from });
      var who = m.from === "agent" ? state.texts.agent + (m.name ? " · " + m.name : "") : state.texts.you;
      item.appendChild(el("strong", {}, who));
      item.appendChild(el("p", {}, m.text));
      ui.log.appendChild(item);
    });
    ui.logbox.scrollTop = ui.logbox.scrollHeight;
  }

  function suggestion(article) {
    var item = el("li", { "class": "kb-hit", "lang": language });
    var link = el("a", { "class": "kb-hit-title", "href": base + article.url, "target": "_blank", "rel": "noopener" }, article.title);
    link.appendChild(el("span", { "class": "sr-only" }, " " + state.texts.opens));
    item.appendChild(link);
    item.appendChild(el("p", { "class": "kb-snippet" }, article.excerpt));
    return item;
  }

  function suggest() {
    var q = ui.first.value.trim().slice(0, 1000);
    var params = new URLSearchParams({ q: q, lang: language, channel: "chat" });
    if (/^[A-Za-z]{2}$/.test(country)) { params.set("country", country.toUpperCase()); }
    var query = params.toString();
    if (query === state.asked) { return; }
    state.asked = query;
    if (q.length < 3) { ui.suggest.hidden = true; return; }
    call("GET", "/help/suggest/?" + query).then(function (data) {
      if (query !== state.asked) { return; }
      ui.hits.textContent = "";
      data.articles.forEach(function (article) {
        if (state.shown.indexOf(article.id) < 0 && state.shown.length < 20) { state.shown.push(article.id); }
        ui.hits.appendChild(suggestion(article));
      });
      ui.suggest.hidden = data.articles.length === 0;
    }).catch(function () { /* suggestions are a help, never in the way of the chat */ });
  }

  function poll() {
    call("GET", "/chat/" + encodeURIComponent(state.token) + "/messages/?after=" + state.after)
      .then(function (data) { show(data.messages); })
      .catch(function () { /* the next poll tries again */ });
  }

  function talking() {
    ui.start.hidden = true;
    ui.talk.hidden = false;
    if (!state.timer) { state.timer = setInterval(poll, POLL_MS); }
    poll();
  }

  function build() {
    var t = state.texts;
    ui.root = el("section", { "class": "mer-chat", "aria-label": t.title, "lang": language });
    ui.toggle = el("button", { "type": "button", "class": "button primary mer-chat-toggle", "aria-expanded": "false" }, t.open);
    ui.panel = el("div", { "class": "mer-chat-panel", "id": "mer-chat-panel" });
    ui.panel.hidden = true;
    ui.toggle.setAttribute("aria-controls", "mer-chat-panel");
    ui.panel.appendChild(el("h2", { "class": "mer-chat-title" }, t.title));
    ui.logbox = el("div", { "class": "mer-chat-log", "role": "log", "aria-live": "polite", "aria-label": t.title });
    ui.log = el("ol", { "class": "mer-chat-messages" });
    ui.logbox.appendChild(ui.log);
    ui.status = el("p", { "class": "mer-chat-status", "role": "status" });

    ui.start = el("form", { "class": "mer-chat-start" });
    ui.name = el("input", { "id": "mer-chat-name", "name": "name", "autocomplete": "name", "required": "" });
    ui.email = el("input", { "id": "mer-chat-email", "name": "email", "type": "email", "autocomplete": "email", "required": "" });
    ui.first = el("textarea", { "id": "mer-chat-first", "name": "message", "rows": "3", "required": "" });
    ui.start.appendChild(field("mer-chat-name", t.name, ui.name));
    ui.start.appendChild(field("mer-chat-email", t.email, ui.email));
    ui.start.appendChild(field("mer-chat-first", t.message, ui.first));
    ui.suggest = el("div", { "class": "mer-chat-suggest", "role": "region", "aria-label": t.suggested });
    ui.suggest.appendChild(el("p", { "class": "help" }, t.suggested));
    ui.hits = el("ul", { "class": "kb-hits" });
    ui.suggest.appendChild(ui.hits);
    ui.suggest.hidden = true;
    ui.start.appendChild(ui.suggest);
    ui.start.appendChild(el("button", { "type": "submit", "class": "button primary" }, t.start));

    ui.talk = el("form", { "class": "mer-chat-talk" });
    ui.text = el("textarea", { "id": "mer-chat-text", "name": "message", "rows": "2", "required": "" });
    ui.talk.appendChild(field("mer-chat-text", t.message, ui.text));
    ui.talk.appendChild(el("button", { "type": "submit", "class": "button primary" }, t.send));
    ui.talk.hidden = true;

    [ui.logbox, ui.status, ui.start, ui.talk].forEach(function (node) { ui.panel.appendChild(node); });
    ui.root.appendChild(ui.toggle);
    ui.root.appendChild(ui.panel);
    script.parentNode.insertBefore(ui.root, script);

    ui.toggle.addEventListener("click", function () {
      var open = ui.panel.hidden;
      ui.panel.hidden = !open;
      ui.toggle.setAttribute("aria-expanded", String(open));
      ui.toggle.textContent = open ? t.close : t.open;
    });
    ui.start.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { name: ui.name.value, email: ui.email.value, message: ui.first.value, language: language, country: country,
                   shown: state.shown };
      call("POST", "/chat/start/", body).then(function (data) {
        state.token = data.token;
        sessionStorage.setItem(KEY, data.token);
        show(data.messages);
        say(t.waiting);
        talking();
      }).catch(function (error) { say(t.error + " " + error.message); });
    });
    ui.talk.addEventListener("submit", function (event) {
      event.preventDefault();
      call("POST", "/chat/" + encodeURIComponent(state.token) + "/messages/?after=" + state.after, { message: ui.text.value })
        .then(function (data) { ui.text.value = ""; say(""); show(data.messages); })
        .catch(function (error) { say(t.error + " " + error.message); });
    });
    ui.first.addEventListener("input", function () {
      clearTimeout(state.typing);
      state.typing = setTimeout(suggest, SUGGEST_MS);
    });
    ui.text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); ui.talk.requestSubmit(); }
    });
    if (script.getAttribute("data-open") === "true") { ui.toggle.click(); }
    if (state.token) { talking(); }
  }

  fetch(base + "/chat/start/?lang=" + encodeURIComponent(language), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      state.csrf = data.csrf;
      state.texts = data.texts;
      language = data.language;
      build();
    });
})();
