// Portal Layanan: small progressive enhancements on top of htmx. The site works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js"); // shows what needs JavaScript (.js-only)
  var body = document.body;
  function announce(message) {
    var live = document.getElementById("live");
    if (!live || !message) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "false");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // A submitted form came back with errors: move to its summary, which lists and links them.
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var errors = source && source.tagName === "FORM" && document.querySelector(".error-summary");
    if (errors) { errors.focus(); return; }
    var summary = event.detail.target && event.detail.target.querySelector("[data-announce], .result-summary");
    announce(summary ? summary.textContent.trim() : body.dataset.msgUpdated);
  });
  document.addEventListener("htmx:responseError", function (event) {
    // A 4xx/5xx is not swapped by htmx: show the server's message page instead of failing silently.
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500 && event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
      window.location.href = event.detail.pathInfo.finalRequestPath || event.detail.pathInfo.requestPath;
      return;
    }
    announce(body.dataset.msgError);
  });
  document.addEventListener("htmx:sendError", function () { announce(body.dataset.msgError); });

  // Staff editor: a form loaded into a <dialog> opens it as a modal; "portal:saved" (sent by the
  // server after a change) closes it, says what changed and gives the focus back to the day.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var dialog = target && target.closest && target.closest("dialog");
    if (!dialog) return;
    // Named by the heading of what was loaded (an empty dialog has none to point to).
    var title = dialog.querySelector("h1[id], h2[id]");
    if (title) dialog.setAttribute("aria-labelledby", title.id);
    if (!dialog.open && dialog.showModal) dialog.showModal();
    var first = dialog.querySelector(".error-summary, input:checked, input:not([type=hidden]), textarea, button");
    if (first) first.focus();
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("[data-dialog-close]");
    var dialog = closer && closer.closest("dialog");
    if (dialog) {
      event.preventDefault();
      dialog.close();
    }
  });
  document.addEventListener("close", function (event) {
    var holder = event.target.querySelector && event.target.querySelector("[id$=-dialog-body]");
    if (holder) holder.innerHTML = "";
  }, true);
  document.addEventListener("portal:saved", function (event) {
    var detail = event.detail || {};
    document.querySelectorAll("dialog[open]").forEach(function (dialog) { dialog.close(); });
    announce(detail.message);
    var focus = detail.focus && document.getElementById(detail.focus);
    if (focus) {
      focus.focus({ preventScroll: true });
      focus.scrollIntoView({ block: "nearest", inline: "nearest" });  // scroll-padding keeps it clear of the sticky column
    }
  });
})();
