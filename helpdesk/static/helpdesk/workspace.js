/* Meridian workspace: keyboard shortcuts, the shortcut help overlay, and the small glue htmx cannot do
   (typing flag for collision detection, not refreshing over what the agent is editing). No framework. */
(function () {
  "use strict";

  var TYPING_MS = 6000;
  var lastInput = 0;

  function $(selector) { return document.querySelector(selector); }

  function isTextField(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset", "image"].indexOf(el.type) === -1;
  }

  /* Help overlay */
  function helpDialog() { return $("#shortcut-help"); }
  function openHelp() {
    var dialog = helpDialog();
    if (dialog && !dialog.open) dialog.showModal();
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) openHelp();
  });

  /* Queue: j/k move through the rows, Enter/o open the selected one */
  var selectedId = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-ticket-row]")); }
  function currentRow() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("[data-ticket-row]") : null;
    return row || (selectedId && document.getElementById(selectedId));
  }
  function select(row) {
    if (!row) return;
    selectedId = row.id;
    var link = row.querySelector(".ticket-link");
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(currentRow());
    if (index === -1) index = step > 0 ? -1 : all.length;
    select(all[Math.max(0, Math.min(all.length - 1, index + step))]);
  }
  function openSelected() {
    var row = currentRow();
    var link = row && row.querySelector(".ticket-link");
    if (link) window.location.assign(link.href);
  }

  /* Ticket: composer mode (reply or internal note) */
  function composer() { return $("[data-composer]"); }
  function setMode(mode) {
    var box = composer();
    if (!box) return;
    box.classList.toggle("mode-note", mode === "note");
    box.dataset.mode = mode;
    var hint = box.querySelector("[data-mode-hint]");
    if (hint) hint.textContent = mode === "note" ? "· internal note, only agents see it" : "";
  }
  function focusComposer(mode) {
    var body = $("#id_reply-body");
    if (!body) return;
    setMode(mode);
    body.focus();
  }
  function focusField(selector) {
    var el = $(selector);
    if (el) { el.focus(); if (el.select && el.tagName === "INPUT") el.select(); }
  }
  function assignToMe() {
    var form = $("#assign-me-form");
    if (form) form.requestSubmit();
  }

  var onQueue = function () { return !!$("[data-queue]") || !!$("#queue-live"); };
  var onTicket = function () { return !!$("[data-ticket]"); };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.metaKey) return;
    var target = event.target;
    // Ctrl+Enter in the composer sends it the chosen way.
    if (event.ctrlKey && event.key === "Enter" && target.id === "id_reply-body") {
      var box = composer();
      var button = box && box.querySelector('button[data-kind="' + (box.dataset.mode || "reply") + '"]');
      if (button) { event.preventDefault(); button.form.requestSubmit(button); }
      return;
    }
    if (event.ctrlKey || isTextField(target)) return;
    var dialog = helpDialog();
    if (dialog && dialog.open) return;  // the dialog handles Esc itself
    var key = event.key;
    var handled = true;
    if (key === "?") openHelp();
    else if (onQueue() && key === "j") move(1);
    else if (onQueue() && key === "k") move(-1);
    else if (onQueue() && (key === "o" || (key === "Enter" && !target.closest("a, button, input, summary")))) openSelected();
    else if (onTicket() && key === "r") focusComposer("reply");
    else if (onTicket() && key === "n") focusComposer("note");
    else if (onTicket() && key === "a") focusField("#id_na-text");
    else if (onTicket() && key === "s") focusField("#id_status-status");
    else if (onTicket() && key === "m") assignToMe();
    else handled = false;
    if (handled) event.preventDefault();
  });

  /* Ticket: tell the presence ping whether this agent is typing; ping at once when typing starts */
  document.addEventListener("input", function (event) {
    if (event.target.id !== "id_reply-body") return;
    var idle = Date.now() - lastInput > TYPING_MS;
    lastInput = Date.now();
    var presence = $("[data-presence]");
    if (idle && presence && window.htmx) window.htmx.trigger(presence, "ping");
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.matches && event.detail.elt.matches("[data-presence]")) {
      event.detail.parameters.typing = Date.now() - lastInput < TYPING_MS ? "true" : "false";
    }
  });

  /* Live refresh never replaces a field the agent is using or has typed into without saving */
  function editing(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && isTextField(active)) return true;
    var fields = region.querySelectorAll("input[type=text], input[type=datetime-local], textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) return true;
    }
    return false;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if ((elt.id === "ticket-live" || elt.id === "queue-live") && editing(elt)) event.preventDefault();
  });

  /* A macro filled the composer: put the caret at the end and reset the picker */
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "id_reply-body") {
      var body = $("#id_reply-body");
      if (body) { body.focus(); body.setSelectionRange(body.value.length, body.value.length); }
      var picker = $("#macro-select");
      if (picker) picker.value = "";
    }
  });

  /* Queue: "select all" checkbox */
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) return;
    var boxes = document.querySelectorAll('input[name="bulk-tickets"]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = event.target.checked;
  });
})();
