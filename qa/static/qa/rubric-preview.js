// Live preview of a rubric's weighted total while an admin edits it (the same formula as Rubric.score):
// total = 100 x sum(weight x (point - 1) / (scale - 1)) / sum(weight); 0 if an auto-fail criterion is at 1.
(function () {
  "use strict";
  var form = document.getElementById("rubric-form");
  var output = document.getElementById("preview-total");
  if (!form || !output) return;

  function number(row, selector) {
    var input = row.querySelector(selector);
    return input && input.value !== "" ? Number(input.value) : NaN;
  }

  function update() {
    var weights = 0, sum = 0, failed = false, scored = 0;
    form.querySelectorAll("[data-criterion]").forEach(function (row) {
      var removed = row.querySelector('input[name$="-DELETE"]');
      var name = row.querySelector('input[name$="-name"]');
      if ((removed && removed.checked) || !name || !name.value.trim()) return;
      var weight = number(row, "[data-weight]"), scale = number(row, "[data-scale]");
      var point = number(row, "[data-preview]");
      if (!(weight > 0) || !(scale >= 2)) return;
      if (isNaN(point)) point = scale;  // an empty preview counts as the best point
      point = Math.min(Math.max(point, 1), scale);
      var autoFail = row.querySelector("[data-auto-fail]");
      if (autoFail && autoFail.checked && point === 1) failed = true;
      weights += weight;
      sum += weight * (point - 1) / (scale - 1);
      scored += 1;
    });
    if (!scored) { output.textContent = "—"; return; }
    output.textContent = failed ? "0 (auto-fail)" : (Math.round(1000 * sum / weights) / 10).toString();
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
