/* Answer before ticket on the web form (docs/knowledge.md). While the customer writes the subject and the message,
 * up to five help-center articles in the language they chose are suggested (GET /help/suggest/, debounced). Each
 * opens in the help center, where "This answered my question" ends the request with a thank-you. The ids of the
 * articles shown go with the form when it is sent anyway, so the ticket records them.
 * The draft (subject, message, articles shown) stays in this tab's sessionStorage, so coming back from an article
 * finds it again; sending the form clears it. No inline script (CSP 'self'). */
(function () {
  "use strict";
  var panel = document.getElementById("answer-first");
  if (!panel) { return; }
  var form = panel.closest("form");
  var list = panel.querySelector("ul");
  var status = document.getElementById("answer-first-status");
  var f = form.elements;
  var KEY = "meridian-web-form-draft";
  var DEBOUNCE_MS = 400;
  var MAX_SHOWN = 20;
  var timer = null;
  var asked = "";
  var shown = f.shown.value ? f.shown.value.split(",").map(Number) : [];

  function save() {
    var draft = { subject: f.subject.value, message: f.message.value, shown: shown };
    try { sessionStorage.setItem(KEY, JSON.stringify(draft)); } catch (e) { /* storage full or disabled */ }
  }

  function restore() {
    var draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { draft = null; }
    if (!draft || f.subject.value || f.message.value) { return; }
    f.subject.value = draft.subject || "";
    f.message.value = draft.message || "";
    shown = (draft.shown || []).slice(0, MAX_SHOWN);
    f.shown.value = shown.join(",");
  }

  function item(article) {
    var li = document.createElement("li");
    li.className = "kb-hit";
    li.lang = f.language.value;
    var link = document.createElement("a");
    link.className = "kb-hit-title";
    link.href = article.url;
    link.textContent = article.title;
    var excerpt = document.createElement("p");
    excerpt.className = "kb-snippet";
    excerpt.textContent = article.excerpt;
    li.appendChild(link);
    li.appendChild(excerpt);
    return li;
  }

  function show(articles) {
    list.textContent = "";
    articles.forEach(function (article) {
      if (shown.indexOf(article.id) < 0 && shown.length < MAX_SHOWN) { shown.push(article.id); }
      list.appendChild(item(article));
    });
    f.shown.value = shown.join(",");
    var wasHidden = panel.hidden;
    panel.hidden = articles.length === 0;
    if (wasHidden && !panel.hidden) { status.textContent = panel.getAttribute("data-announce"); }
    save();
  }

  function suggest() {
    var q = (f.subject.value + " " + f.message.value).trim().slice(0, 1000);
    var params = new URLSearchParams({ q: q, lang: f.language.value, channel: "web" });
    var country = f.country.value.trim();
    if (/^[A-Za-z]{2}$/.test(country)) { params.set("country", country.toUpperCase()); }
    var query = params.toString();
    if (query === asked) { return; }
    asked = query;
    if (q.length < 3) { show([]); return; }
    fetch(panel.getAttribute("data-suggest") + "?" + query, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && query === asked) { show(data.articles); } })
      .catch(function () { /* suggestions are a help, never in the way of sending the form */ });
  }

  function later() {
    save();
    clearTimeout(timer);
    timer = setTimeout(suggest, DEBOUNCE_MS);
  }

  [f.subject, f.message, f.country].forEach(function (field) { field.addEventListener("input", later); });
  f.language.addEventListener("change", later);
  form.addEventListener("submit", function () {
    try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
  });
  restore();
  if (f.subject.value || f.message.value) { suggest(); }
})();
