/* Ticket composer: typing @ and a few letters suggests people and teams to mention (a combobox list under the text
   area; arrows move, Enter or Tab picks, Esc closes). The suggestions come from the ticket's scoped JSON endpoint
   (data-mention-url on the composer). No framework; the text area may be replaced by htmx (macros), so every
   listener is delegated from the document. */
(function () {
  "use strict";

  var BODY = "id_reply-body";
  var TOKEN = /(^|[^\w@.\/-])@([\w.-]{1,60})$/;
  var active = -1;
  var results = [];
  var pending = null;

  function composer() { return document.querySelector("[data-composer]"); }
  function list() { return document.getElementById("mention-suggestions"); }
  function body() { return document.getElementById(BODY); }

  function query(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = TOKEN.exec(before);
    return match ? match[2] : null;
  }

  function close() {
    var box = list();
    var textarea = body();
    results = [];
    active = -1;
    if (box) { box.hidden = true; box.textContent = ""; }
    if (textarea) textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var box = list();
    var textarea = body();
    if (!box || !textarea || !results.length) return;
    active = (index + results.length) % results.length;
    var items = box.querySelectorAll("[role=option]");
    for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === active ? "true" : "false");
    textarea.setAttribute("aria-activedescendant", items[active].id);
  }

  function show(found) {
    var box = list();
    var textarea = body();
    if (!box || !textarea) return;
    results = found;
    box.textContent = "";
    if (!found.length) { close(); return; }
    found.forEach(function (item, i) {
      var option = document.createElement("li");
      option.id = "mention-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.handle = item.handle;
      option.textContent = "@" + item.handle + " — " + item.label;
      box.appendChild(option);
    });
    box.hidden = false;
    highlight(0);
  }

  function pick(index) {
    var textarea = body();
    var item = results[index];
    if (!textarea || !item) return;
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret).replace(/@[\w.-]*$/, "@" + item.handle + " ");
    textarea.value = before + textarea.value.slice(caret);
    textarea.setSelectionRange(before.length, before.length);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    close();
    textarea.focus();
  }

  function suggest(textarea) {
    var box = composer();
    var prefix = query(textarea);
    if (!box || prefix === null) { close(); return; }
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(box.dataset.mentionUrl + "?q=" + encodeURIComponent(prefix), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { if (query(textarea) === prefix) show(data.results || []); })
      .catch(function () { /* aborted by the next keystroke, or offline: no suggestions */ });
  }

  document.addEventListener("focusin", function (event) {
    if (event.target.id !== BODY) return;
    var textarea = event.target;
    // A text area keeps its textbox role; it owns the list and points at the highlighted option.
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", "mention-suggestions");
    textarea.setAttribute("aria-describedby", "mention-help");
  });

  document.addEventListener("input", function (event) {
    if (event.target.id === BODY) suggest(event.target);
  });

  document.addEventListener("keydown", function (event) {
    if (event.target.id !== BODY || !results.length) return;
    if (event.key === "ArrowDown") highlight(active + 1);
    else if (event.key === "ArrowUp") highlight(active - 1);
    else if ((event.key === "Enter" && !event.ctrlKey) || event.key === "Tab") pick(active);
    else if (event.key === "Escape") close();
    else return;
    event.preventDefault();
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("#mention-suggestions [role=option]");
    if (!option) return;
    event.preventDefault();  // keep the focus (and the caret) in the text area
    pick(Array.prototype.indexOf.call(list().children, option));
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.id === BODY) setTimeout(close, 150);
  });
})();
