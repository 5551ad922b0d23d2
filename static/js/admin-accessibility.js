// Accessible names for the Django admin's controls that its templates and scripts leave
// unnamed (templates/admin/base_site.html loads this at the end of every admin page):
// - the autocomplete boxes (select2), named by their field's label;
// - the two-box selector's search icons, an aria-label on a plain <span>, made an image;
// - the cells of a tabular inline (each row's inputs and "Delete?" box), named by their column;
// - a date and time field's two inputs, named by the field and "Date" or "Time".
// It runs once the page's own scripts have built their controls (after their handlers, as it is
// loaded after them), and again for each inline row added.
(function () {
  "use strict";

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").replace(/:$/, "").trim() : "";
  }

  function labelFor(id) {
    return id ? document.querySelector('label[for="' + CSS.escape(id) + '"]') : null;
  }

  function nameIfUnnamed(control, name) {
    if (name && !control.hasAttribute("aria-label") && !labelFor(control.id)) {
      control.setAttribute("aria-label", name);
    }
  }

  // The <th> over a tabular inline's cell: the column is named "column-<field>", the cell
  // "field-<field>".
  function columnHeader(control) {
    const cell = control.closest("td");
    const table = cell && cell.closest("table");
    if (!table) return null;
    for (const cls of cell.classList) {
      if (cls.startsWith("field-")) {
        return table.querySelector("thead th.column-" + CSS.escape(cls.slice("field-".length)));
      }
    }
    return null;
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const container = select.nextElementSibling;
      const box = container && container.querySelector('.select2-selection[role="combobox"]');
      const label = labelFor(select.id) || columnHeader(select);
      if (!box || !label) return;
      if (!label.id) label.id = (select.id || "autocomplete") + "-label";
      // select2 names the box by the chosen value, shown in a read-only "textbox" of its own;
      // both get the field's name first.
      const rendered = box.getAttribute("aria-labelledby") || "";
      if (!rendered.split(" ").includes(label.id)) {
        box.setAttribute("aria-labelledby", (label.id + " " + rendered).trim());
      }
      const shown = rendered && document.getElementById(rendered);
      if (shown && !shown.hasAttribute("aria-labelledby")) {
        shown.setAttribute("aria-labelledby", label.id);
      }
    });
  }

  function nameSearchIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function nameInlineCells(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      const headers = {};
      table.querySelectorAll("thead th").forEach(function (th) {
        th.classList.forEach(function (name) {
          if (name.startsWith("column-")) headers[name.slice("column-".length)] = text(th);
        });
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.querySelectorAll("td").forEach(function (cell) {
          let name = "";
          cell.classList.forEach(function (cls) {
            if (cls.startsWith("field-")) name = headers[cls.slice("field-".length)] || "";
          });
          if (cell.classList.contains("delete")) name = "Delete";
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
            nameIfUnnamed(control, name);
          });
        });
      });
    });
  }

  function nameDateTimeParts(root) {
    root.querySelectorAll("p.datetime").forEach(function (paragraph) {
      const inputs = paragraph.querySelectorAll("input:not([type=hidden])");
      if (inputs.length !== 2) return;
      const field = text(labelFor(inputs[0].id.replace(/_0$/, "")) || paragraph.closest(".form-row")?.querySelector("label"));
      nameIfUnnamed(inputs[0], field ? field + ": Date" : "Date");
      nameIfUnnamed(inputs[1], field ? field + ": Time" : "Time");
    });
  }

  function nameAll(root) {
    nameInlineCells(root);
    nameAutocompletes(root);
    nameSearchIcons(root);
    nameDateTimeParts(root);
  }

  // The two-box selectors are built on "load"; the autocompletes in a jQuery ready handler,
  // which jQuery may run after "load". Both are waited for (naming twice changes nothing).
  window.addEventListener("load", function () {
    nameAll(document);
  });
  if (window.django && window.django.jQuery) {
    window.django.jQuery(function () {
      nameAll(document);
    });
  }
  document.addEventListener("formset:added", function (event) {
    // After the admin's own handler has built the new row's autocomplete.
    setTimeout(function () {
      nameAll(event.target.closest(".inline-group") || document);
    }, 0);
  });
})();
