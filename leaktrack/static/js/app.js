// leaktrack's page behaviour. Every page works without it; this file only adds:
// confirmation dialogs (data-confirm), the Markdown preview (data-md-editor), deadline countdowns
// (data-countdown), live refresh of data-poll-url regions, dismissable flash messages and
// tables that stack into cards on phones.
// Loaded with `defer`, no inline script anywhere.
"use strict";

(function () {
  const lang = document.documentElement.lang || "en";
  const japanese = lang.startsWith("ja");

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // --- confirmation before destructive posts -----------------------------------------------

  function askConfirmation(message) {
    const template = document.getElementById("confirm-dialog");
    if (!template || typeof HTMLDialogElement !== "function") {
      return Promise.resolve(window.confirm(message));
    }
    const dialog = template.content.firstElementChild.cloneNode(true);
    dialog.querySelector(".dialog__message").textContent = message;
    document.body.appendChild(dialog);
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () {
        resolve(dialog.returnValue === "confirm");
        dialog.remove();
      });
      dialog.showModal();
      // Focus the safe choice: Enter on a destructive question should not destroy.
      dialog.querySelector('[value="cancel"]').focus();
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (!button || button.dataset.confirmed === "yes") {
      return;
    }
    event.preventDefault();
    askConfirmation(button.dataset.confirm).then(function (confirmed) {
      if (!confirmed) {
        button.focus();
        return;
      }
      button.dataset.confirmed = "yes";
      if (button.form) {
        button.form.requestSubmit(button);
      } else {
        button.click();
      }
      delete button.dataset.confirmed;
    });
  });

  // --- flash messages ---------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    const close = event.target.closest("[data-dismiss]");
    if (close) {
      close.parentElement.remove();
      const main = document.getElementById("main");
      if (main) {
        main.focus();
      }
    }
  });

  // --- the user menu closes on Escape and on a click elsewhere -----------------------------

  document.addEventListener("keydown", function (event) {
    const menu = document.querySelector("details.usermenu[open]");
    if (event.key === "Escape" && menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });

  document.addEventListener("click", function (event) {
    const menu = document.querySelector("details.usermenu[open]");
    if (menu && !menu.contains(event.target)) {
      menu.open = false;
    }
  });

  // --- Markdown editor -----------------------------------------------------------------------

  function initMarkdownEditor(editor) {
    const tabs = editor.querySelector("[role=tablist]");
    const write = editor.querySelector('[data-panel="write"]');
    const preview = editor.querySelector('[data-panel="preview"]');
    const textarea = write.querySelector("textarea");
    const buttons = Array.from(tabs.querySelectorAll("[role=tab]"));
    write.setAttribute("role", "tabpanel");
    write.setAttribute("aria-labelledby", buttons[0].id);
    tabs.hidden = false;

    function select(name) {
      buttons.forEach(function (button) {
        const selected = button.dataset.tab === name;
        button.setAttribute("aria-selected", selected ? "true" : "false");
        button.tabIndex = selected ? 0 : -1;
      });
      write.hidden = name !== "write";
      preview.hidden = name !== "preview";
      if (name === "preview") {
        renderPreview(editor, textarea, preview);
      }
    }

    buttons.forEach(function (button, index) {
      button.addEventListener("click", function () {
        select(button.dataset.tab);
      });
      button.addEventListener("keydown", function (event) {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) {
          const next = buttons[(index + step + buttons.length) % buttons.length];
          next.focus();
          select(next.dataset.tab);
        }
      });
    });
  }

  function renderPreview(editor, textarea, preview) {
    if (!textarea.value.trim()) {
      preview.textContent = editor.dataset.previewEmpty;
      return;
    }
    preview.classList.add("is-loading");
    fetch(editor.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify({ text: textarea.value }),
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        // The server sanitised this HTML (nh3) before sending it.
        preview.innerHTML = data.html;
      })
      .catch(function () {
        preview.textContent = editor.dataset.previewError;
      })
      .finally(function () {
        preview.classList.remove("is-loading");
      });
  }

  // --- deadline countdowns ------------------------------------------------------------------

  const unitFormats = {};

  function formatUnit(value, unit) {
    if (!unitFormats[unit]) {
      unitFormats[unit] = new Intl.NumberFormat(lang, {
        style: "unit",
        unit: unit,
        unitDisplay: "short",
      });
    }
    const text = unitFormats[unit].format(value);
    // Japanese reads best without spaces: 2日3時間 rather than "2 日 3 時間".
    return japanese ? text.replace(/\s+/g, "") : text;
  }

  function formatDuration(milliseconds) {
    const minutes = Math.floor(milliseconds / 60000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    const joiner = japanese ? "" : " ";
    if (days > 0) {
      return [formatUnit(days, "day"), hours ? formatUnit(hours, "hour") : ""].join(joiner).trim();
    }
    if (hours > 0) {
      return [formatUnit(hours, "hour"), rest ? formatUnit(rest, "minute") : ""].join(joiner).trim();
    }
    return formatUnit(Math.max(rest, 1), "minute");
  }

  function updateCountdown(element) {
    const deadline = Date.parse(element.getAttribute("datetime"));
    if (Number.isNaN(deadline)) {
      return;
    }
    const left = deadline - Date.now();
    const overdue = left < 0;
    const template = overdue ? element.dataset.overdue : element.dataset.left;
    element.querySelector(".countdown__text").textContent = template.replace(
      "{time}",
      formatDuration(Math.abs(left)),
    );
    element.querySelector(".countdown__date").hidden = false;
    // The server's own "… left" text is for pages read without JavaScript.
    const serverText = element.nextElementSibling;
    if (serverText && serverText.classList.contains("countdown__left")) serverText.hidden = true;
    element.classList.toggle("countdown--overdue", overdue);
    element.classList.toggle("countdown--soon", !overdue && left < 24 * 3600 * 1000);
  }

  function refreshCountdowns(root) {
    root.querySelectorAll("[data-countdown]").forEach(updateCountdown);
  }

  // --- live regions: data-poll-url ----------------------------------------------------------

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? undefined : value[key];
    }, data);
  }

  function applyPoll(region, data) {
    region.querySelectorAll("[data-field]").forEach(function (element) {
      const value = lookup(data, element.dataset.field);
      if (value !== undefined && element.tagName !== "PROGRESS") {
        element.textContent = value === null ? "—" : String(value);
      }
    });
    region.querySelectorAll("progress").forEach(function (bar) {
      const done = lookup(data, bar.dataset.doneField || "done");
      const total = lookup(data, bar.dataset.totalField || "total");
      if (typeof done === "number" && typeof total === "number") {
        bar.max = total > 0 ? total : 1;
        bar.value = total > 0 ? done : 0;
        bar.textContent = done + "/" + total;
      }
    });
  }

  function startPolling(region) {
    const interval = Number(region.dataset.pollInterval || 5000);
    let failures = 0;

    function poll() {
      if (document.hidden) {
        window.setTimeout(poll, interval);
        return;
      }
      fetch(region.dataset.pollUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          applyPoll(region, data);
        })
        .catch(function () {
          failures += 1;
        })
        .finally(function () {
          // Back off while the server is unreachable, up to a minute between tries.
          window.setTimeout(poll, Math.min(interval * 2 ** failures, 60000));
        });
    }

    window.setTimeout(poll, interval);
  }

  // --- tables: on phones each row becomes a card labelled with the column names -------------

  function labelTableCells(table) {
    const headings = Array.from(table.querySelectorAll("thead th")).map(function (th) {
      return th.textContent.trim();
    });
    if (!headings.length) {
      return;
    }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.from(row.children).forEach(function (cell, index) {
        if (headings[index] && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", headings[index]);
        }
      });
    });
    table.classList.add("table--stack");
  }

  // --- start -----------------------------------------------------------------------------------

  function init() {
    document.querySelectorAll("table.table").forEach(labelTableCells);
    document.querySelectorAll("[data-md-editor]").forEach(initMarkdownEditor);
    refreshCountdowns(document);
    window.setInterval(function () {
      refreshCountdowns(document);
    }, 30000);
    document.querySelectorAll("[data-poll-url]").forEach(startPolling);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
