// Filters, sorting and copy buttons. The page is complete without this script: it only
// reveals the controls and reads the rows' data-* attributes (never data built into code).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  each(document.querySelectorAll("button.copy"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy") || "";
      var shown = function (label) {
        button.textContent = label;
        setTimeout(function () { button.textContent = button.getAttribute("data-label"); }, 2000);
      };
      var fallback = function () {
        var area = document.createElement("textarea");
        area.value = text;
        area.setAttribute("readonly", "");
        area.className = "offscreen";
        document.body.appendChild(area);
        area.select();
        var done = false;
        try { done = document.execCommand("copy"); } catch (e) { done = false; }
        area.remove();
        shown(button.getAttribute(done ? "data-done" : "data-failed"));
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          shown(button.getAttribute("data-done"));
        }, fallback);
      } else {
        fallback();
      }
    });
  });

  var controls = $("controls");
  if (!controls) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.entry"));
  var field = {
    status: $("f-status"), section: $("f-section"), category: $("f-category"),
    host: $("f-host"), text: $("f-text"), sort: $("f-sort")
  };
  var count = $("f-count");
  var texts = new Map();
  var textOf = function (row) {
    if (!texts.has(row)) { texts.set(row, row.textContent.toLowerCase()); }
    return texts.get(row);
  };
  var titleOf = function (row) {
    var cell = row.querySelector(".rt");
    return cell ? cell.textContent : "";
  };

  function filter() {
    var want = {
      status: field.status.value, section: field.section.value,
      category: field.category.value, host: field.host.value
    };
    var query = field.text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var data = row.dataset;
      var keep = (!want.status || data.status === want.status) &&
        (!want.section || data.section === want.section) &&
        (!want.category || data.category === want.category) &&
        (!want.host || data.host === want.host) &&
        (!query || textOf(row).indexOf(query) !== -1);
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    each(document.querySelectorAll(".group.category"), function (group) {
      group.hidden = !group.querySelector("tr.entry:not([hidden])");
    });
    each(document.querySelectorAll(".group.section"), function (group) {
      group.hidden = !group.querySelector(".group.category:not([hidden])");
    });
    count.textContent = count.getAttribute("data-template")
      .replace("{shown}", String(shown)).replace("{total}", String(rows.length));
  }

  var compare = {
    register: function (a, b) { return a.dataset.order - b.dataset.order; },
    verdict: function (a, b) {
      return (a.dataset.urgency - b.dataset.urgency) || (a.dataset.order - b.dataset.order);
    },
    title: function (a, b) {
      return titleOf(a).localeCompare(titleOf(b), document.documentElement.lang) ||
        (a.dataset.order - b.dataset.order);
    },
    host: function (a, b) {
      return a.dataset.host.localeCompare(b.dataset.host) || (a.dataset.order - b.dataset.order);
    }
  };

  function sort() {
    var by = compare[field.sort.value] || compare.register;
    each(document.querySelectorAll("tbody.rows"), function (body) {
      var list = Array.prototype.slice.call(body.rows);
      list.sort(by);
      list.forEach(function (row) { body.appendChild(row); });
    });
  }

  ["status", "section", "category", "host"].forEach(function (name) {
    field[name].addEventListener("change", filter);
  });
  field.text.addEventListener("input", filter);
  field.sort.addEventListener("change", sort);
  controls.hidden = false;
  filter();
})();
